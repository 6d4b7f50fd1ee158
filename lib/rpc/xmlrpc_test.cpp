// XML-RPC bodies (XEND.md section 1). The "Python" bodies below are what
// Python's xmlrpc.client.dumps() produced (CPython 3.11), the client the
// issue names; xend's own quirks come from
// tools/python/xen/util/xmlrpclib2.py and xmlrpcclient.py (3.3.0-rc7).
#include "lib/rpc/xmlrpc.h"

#include <gtest/gtest.h>

#include <string>

namespace xvm::rpc {
namespace {

constexpr std::string_view kPythonCall =
    "<?xml version='1.0'?>\n<methodCall>\n<methodName>xend.domain.create</methodName>\n<params>\n"
    "<param>\n<value><int>1</int></value>\n</param>\n<param>\n<value><string>web01</string></value>\n"
    "</param>\n<param>\n<value><boolean>1</boolean></value>\n</param>\n<param>\n<value><nil/></value>"
    "</param>\n<param>\n<value><array><data>\n<value><int>1</int></value>\n<value><array><data>\n"
    "<value><int>2</int></value>\n<value><string>x</string></value>\n</data></array></value>\n"
    "</data></array></value>\n</param>\n<param>\n<value><struct>\n<member>\n<name>a</name>\n"
    "<value><int>1</int></value>\n</member>\n<member>\n<name>b</name>\n<value><string>c</string>"
    "</value>\n</member>\n</struct></value>\n</param>\n<param>\n<value><double>1.5</double></value>\n"
    "</param>\n<param>\n<value><base64>\nAAH/\n</base64></value>\n</param>\n</params>\n</methodCall>\n";

constexpr std::string_view kPythonFault =
    "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n"
    "<value><int>3</int></value>\n</member>\n<member>\n<name>faultString</name>\n"
    "<value><string>web01</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n";

Value expected_params() {
    return Value::array({
        Value::integer(1),
        Value::string("web01"),
        Value::boolean(true),
        Value::nil(),
        Value::array({Value::integer(1), Value::array({Value::integer(2), Value::string("x")})}),
        Value::structure({{"a", Value::integer(1)}, {"b", Value::string("c")}}),
        Value::real(1.5),
        Value::base64(std::string("\x00\x01\xff", 3)),
    });
}

std::string call_error(std::string_view body, const XmlRpcLimits& limits = {}) {
    auto call = decode_call(body, limits);
    EXPECT_FALSE(call) << body;
    return call ? std::string() : call.error().message;
}

std::string wrap_value(std::string_view value_xml) {
    return "<?xml version='1.0'?><methodCall><methodName>m</methodName><params><param><value>" +
           std::string(value_xml) + "</value></param></params></methodCall>";
}

TEST(XmlRpc, DecodesWhatPythonSends) {
    auto call = decode_call(kPythonCall);
    ASSERT_TRUE(call) << call.error().message;
    EXPECT_EQ(call->method, "xend.domain.create");
    EXPECT_EQ(Value::array(call->params), expected_params());
}

TEST(XmlRpc, CallRoundTrip) {
    MethodCall call{"xend.domain.pincpu", expected_params().as_array()};
    auto body = encode_call(call);
    ASSERT_TRUE(body) << body.error().message;
    auto back = decode_call(*body);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->method, call.method);
    EXPECT_EQ(back->params, call.params);
}

TEST(XmlRpc, ResponseAndFaultRoundTrip) {
    auto body = encode_response(expected_params());
    ASSERT_TRUE(body);
    auto back = decode_response(*body);
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_FALSE(back->is_fault());
    EXPECT_EQ(back->value(), expected_params());

    auto fault = decode_response(encode_fault({kFaultInvalidDomain, "web<01>&"}));
    ASSERT_TRUE(fault) << fault.error().message;
    ASSERT_TRUE(fault->is_fault());
    EXPECT_EQ(fault->fault(), (Fault{3, "web<01>&"}));
}

TEST(XmlRpc, DecodesPythonFault) {
    auto r = decode_response(kPythonFault);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->is_fault());
    EXPECT_EQ(r->fault(), (Fault{kFaultInvalidDomain, "web01"}));
}

TEST(XmlRpc, UntypedValueIsAString) {
    auto call = decode_call(wrap_value("  spaced text "));
    ASSERT_TRUE(call);
    EXPECT_EQ(call->params[0], Value::string("  spaced text "));
    call = decode_call(wrap_value(""));
    ASSERT_TRUE(call);
    EXPECT_EQ(call->params[0], Value::string(""));
    auto no_params = decode_call("<methodCall><methodName>system.listMethods</methodName></methodCall>");
    ASSERT_TRUE(no_params);
    EXPECT_TRUE(no_params->params.empty());
}

TEST(XmlRpc, EntitiesAndCharacterReferences) {
    auto call = decode_call(wrap_value("<string>a&lt;b&amp;&#x41;&#66;<![CDATA[<c>]]></string>"));
    ASSERT_TRUE(call) << call.error().message;
    EXPECT_EQ(call->params[0], Value::string("a<b&AB<c>"));
}

TEST(XmlRpc, ScalarsAreChecked) {
    EXPECT_EQ(call_error(wrap_value("<int>2147483648</int>")),
              "XML-RPC: m: param 1: <int> '2147483648' is not a 32-bit integer");
    EXPECT_EQ(call_error(wrap_value("<i4>12abc</i4>")), "XML-RPC: m: param 1: <int> '12abc' is not a 32-bit integer");
    EXPECT_EQ(call_error(wrap_value("<int></int>")), "XML-RPC: m: param 1: <int> '' is not a 32-bit integer");
    EXPECT_EQ(call_error(wrap_value("<boolean>true</boolean>")),
              "XML-RPC: m: param 1: <boolean> 'true' is not 0 or 1");
    EXPECT_EQ(call_error(wrap_value("<double>1.5x</double>")),
              "XML-RPC: m: param 1: <double> '1.5x' is not a finite number");
    EXPECT_EQ(call_error(wrap_value("<double>1e999</double>")),
              "XML-RPC: m: param 1: <double> '1e999' is not a finite number");
    EXPECT_EQ(call_error(wrap_value("<base64>AA=A</base64>")), "XML-RPC: m: param 1: <base64> is not valid base64");
    EXPECT_EQ(call_error(wrap_value("<nil>x</nil>")), "XML-RPC: m: param 1: <nil/> must be empty");
    EXPECT_EQ(call_error(wrap_value("<dateTime.iso8601>20080101T00:00:00</dateTime.iso8601>")),
              "XML-RPC: m: param 1: unsupported value type <dateTime.iso8601>");
    EXPECT_EQ(call_error(wrap_value("<string><b>x</b></string>")),
              "XML-RPC: m: param 1: <string> holds an element <b>");
    EXPECT_EQ(call_error(wrap_value("<int>1</int><int>2</int>")),
              "XML-RPC: m: param 1: <value> holds more than one element");
    EXPECT_EQ(call_error(wrap_value("x<int>1</int>")),
              "XML-RPC: m: param 1: <value> holds text beside its typed element");
    // Surrounding whitespace and a '+' are accepted, as Python's int() does.
    auto ok = decode_call(wrap_value("<int> +42 </int>"));
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->params[0], Value::integer(42));
    ok = decode_call(wrap_value("<int>-2147483648</int>"));
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->params[0], Value::integer(INT32_MIN));
}

TEST(XmlRpc, StructureIsChecked) {
    EXPECT_EQ(call_error(wrap_value("<array><value>1</value></array>")),
              "XML-RPC: m: param 1: <array> must hold exactly one <data>");
    EXPECT_EQ(call_error(wrap_value("<array><data>junk<value>1</value></data></array>")),
              "XML-RPC: m: param 1: array element 0: unexpected text in <data>");
    EXPECT_EQ(call_error(wrap_value("<array><data><value>1</value><int>2</int></data></array>")),
              "XML-RPC: m: param 1: array element 1: expected <value>, found <int>");
    EXPECT_EQ(call_error(wrap_value("<struct><member><value>1</value></member></struct>")),
              "XML-RPC: m: param 1: <member> must hold <name> then <value>");
    EXPECT_EQ(call_error(wrap_value("<struct><member><name>w</name><value><int>x</int></value></member></struct>")),
              "XML-RPC: m: param 1: member 'w': <int> 'x' is not a 32-bit integer");
    EXPECT_EQ(call_error(wrap_value("<struct><item/></struct>")),
              "XML-RPC: m: param 1: <struct> holds <item>, not <member>");
    EXPECT_EQ(call_error("<methodCall><methodName>m</methodName><params><param></param></params></methodCall>"),
              "XML-RPC: m: <param> 1 must hold exactly one <value>");
    EXPECT_EQ(call_error("<methodCall><params/></methodCall>"),
              "XML-RPC: <methodCall> must hold <methodName> and optionally <params>");
    EXPECT_EQ(call_error("<methodCall><methodName>bad name!</methodName></methodCall>"),
              "XML-RPC: invalid method name 'bad name!'");
    EXPECT_EQ(call_error("<methodCall><methodName></methodName></methodCall>"), "XML-RPC: invalid method name ''");
    EXPECT_EQ(call_error("<methodResponse/>"), "XML-RPC: expected <methodCall>, found <methodResponse>");
    // A repeated struct member: the last one wins, as in a Python dict.
    auto dup = decode_call(wrap_value(
        "<struct><member><name>a</name><value>1</value></member><member><name>a</name><value>2</value></member>"
        "</struct>"));
    ASSERT_TRUE(dup);
    EXPECT_EQ(dup->params[0], Value::structure({{"a", Value::string("2")}}));
}

TEST(XmlRpc, MalformedBodies) {
    EXPECT_EQ(call_error(""), "XML-RPC: empty body");
    EXPECT_EQ(call_error("hello"), "XML-RPC: malformed XML at line 1, column 1: Start tag expected, '<' not found");
    std::string truncated(kPythonCall.substr(0, kPythonCall.find("web01") + 3));  // ends in "<string>web"
    EXPECT_EQ(call_error(truncated),
              "XML-RPC: malformed XML at line 9, column 19: Premature end of data in tag string line 9");
    // Cut inside a tag, the shape is checked first and the element named.
    std::string cut(kPythonCall.substr(0, kPythonCall.find("<array>") + 4));
    EXPECT_EQ(call_error(cut), "XML-RPC: xend.domain.create: param 5: unsupported value type <arr>");
    EXPECT_NE(call_error("<methodCall><methodName>m</methodName>\xff</methodCall>").find("malformed XML"),
              std::string::npos);
    EXPECT_NE(call_error(wrap_value("<string>&undefined;</string>")).find("Entity 'undefined' not defined"),
              std::string::npos);
}

TEST(XmlRpc, DoctypeIsRefusedBeforeEntitiesExist) {
    // A billion-laughs body and an external entity: both stop at DOCTYPE.
    std::string laughs = "<?xml version='1.0'?><!DOCTYPE m [<!ENTITY a 'aaaaaaaaaa'>";
    char prev = 'a';
    for (char c = 'b'; c <= 'k'; ++c, ++prev) {
        laughs += std::string("<!ENTITY ") + c + " '";
        for (int i = 0; i < 10; ++i) laughs += std::string("&") + prev + ";";
        laughs += "'>";
    }
    laughs += "]>" + wrap_value("<string>&k;</string>").substr(21);
    EXPECT_EQ(call_error(laughs), "XML-RPC: a DOCTYPE is not allowed");
    EXPECT_EQ(call_error("<?xml version='1.0'?><!DOCTYPE m SYSTEM 'file:///etc/passwd'><methodCall/>"),
              "XML-RPC: a DOCTYPE is not allowed");
    EXPECT_EQ(call_error("<!DOCTYPE m [<!ENTITY x SYSTEM 'http://127.0.0.1:1/x'>]>"
                         "<methodCall><methodName>&x;</methodName></methodCall>"),
              "XML-RPC: a DOCTYPE is not allowed");
}

TEST(XmlRpc, LimitsAreEnforced) {
    XmlRpcLimits small{.max_body = 4096, .max_depth = 3, .max_values = 10};
    EXPECT_EQ(call_error(std::string(5000, ' '), small), "XML-RPC: body of 5000 bytes is over the limit of 4096 bytes");
    auto nest = [](int n) {
        std::string v = "<int>1</int>";
        for (int i = 0; i < n; ++i) v = "<array><data><value>" + v + "</value></data></array>";
        return wrap_value(v);
    };
    EXPECT_TRUE(decode_call(nest(3), small));
    EXPECT_EQ(call_error(nest(4), small),
              "XML-RPC: m: param 1: array element 0: array element 0: array element 0: arrays and structs "
              "nested deeper than 3");
    std::string many = "<array><data>";
    for (int i = 0; i < 20; ++i) many += "<value>x</value>";
    many += "</data></array>";
    EXPECT_EQ(call_error(wrap_value(many), small), "XML-RPC: m: param 1: array element 9: more than 10 values");
    // The default bound stops a deep nest at 32 arrays.
    std::string deep = nest(300);
    EXPECT_NE(call_error(deep).find("arrays and structs nested deeper than 32"), std::string::npos);
    // Element nesting that is not XML-RPC stops at the first wrong element.
    std::string elements;
    for (int i = 0; i < 300; ++i) elements += "<a>";
    EXPECT_EQ(call_error(elements), "XML-RPC: expected <methodCall>, found <a>");
}

TEST(XmlRpc, ResponsesAreChecked) {
    auto two = decode_response(
        "<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params>"
        "</methodResponse>");
    ASSERT_FALSE(two);
    EXPECT_EQ(two.error().message, "XML-RPC: a response must hold exactly one <param>, not 2");
    auto bad_fault = decode_response(
        "<methodResponse><fault><value><struct><member><name>faultCode</name><value>3</value></member>"
        "</struct></value></fault></methodResponse>");
    ASSERT_FALSE(bad_fault);
    EXPECT_EQ(bad_fault.error().message,
              "XML-RPC: a fault must be a struct with faultCode (int) and faultString (string)");
    auto html = decode_response("<html><body>502</body></html>");
    ASSERT_FALSE(html);
    EXPECT_EQ(html.error().message, "XML-RPC: expected <methodResponse>, found <html>");
}

TEST(XmlRpc, EncodingRefusesWhatXmlCannotCarry) {
    auto bad = encode_response(Value::array({Value::string("ok"), Value::string("a\x01")}));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message,
              "XML-RPC: cannot encode the result: element 1: byte 0x01 at offset 1 is not allowed in XML");
    auto latin1 = encode_call({"m", {Value::structure({{"k", Value::string("caf\xe9")}})}});
    ASSERT_FALSE(latin1);
    EXPECT_EQ(latin1.error().message, "XML-RPC: cannot encode param 1: member k: invalid UTF-8 (byte 0xe9) at offset 3");
    EXPECT_FALSE(encode_call({"bad name", {}}));
    EXPECT_FALSE(encode_response(Value::real(1.0 / 0.0)));
    EXPECT_TRUE(encode_response(Value::string("caf\xc3\xa9 \t\r\n")));
    // A fault's text is made safe instead: the error path must not fail.
    auto fault = decode_response(encode_fault({kFaultInternal, "bad \x01 byte \xe9"}));
    ASSERT_TRUE(fault);
    EXPECT_EQ(fault->fault().message, "bad \xef\xbf\xbd byte \xef\xbf\xbd");
    // Carriage returns survive the round trip (the writer escapes them).
    auto cr = decode_response(*encode_response(Value::string("a\r\nb")));
    ASSERT_TRUE(cr);
    EXPECT_EQ(cr->value(), Value::string("a\r\nb"));
}

TEST(XmlRpc, StringResultQuirk) {
    // xmlrpclib2.py sends repr(s)[1:-1]; xmlrpcclient.py's conv_string
    // evaluates it again.
    std::string raw = "line1\nit's \"x\"\x01\xff\\";
    Value sent = repr_string_result(raw);
    EXPECT_EQ(sent.as_string(), "line1\\nit\\'s \"x\"\\x01\\xff\\\\");
    auto wire = decode_response(*encode_response(sent));
    ASSERT_TRUE(wire);
    auto got = unrepr_string_result(wire->value());
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, Value::string(raw));
    EXPECT_EQ(*unrepr_string_result(Value::integer(0)), Value::integer(0));
    EXPECT_FALSE(unrepr_string_result(Value::string("\\x4")));
}

TEST(XmlRpc, SexprsTravelAsNestedArrays) {
    auto s = parse_sexpr("(domain (domid 3) (name web01) (image (linux (kernel /k))))");
    ASSERT_TRUE(s);
    Sexpr typed = *s;
    typed.add("cpu_time", Sexpr::real(42.5)).add("big", Sexpr::integer(5000000000LL));
    Value v = sexpr_to_value(typed);
    ASSERT_EQ(v.type(), Value::Type::kArray);
    EXPECT_EQ(v.as_array()[0], Value::string("domain"));
    EXPECT_EQ(v.as_array()[5], Value::array({Value::string("big"), Value::string("5000000000")}));
    auto back = value_to_sexpr(v);
    ASSERT_TRUE(back);
    EXPECT_EQ(sexpr_to_string(*back),
              "(domain (domid 3) (name web01) (image (linux (kernel /k))) (cpu_time 42.5) (big 5000000000))");
    // What xend sends as an int stays an int.
    auto python = decode_response(
        "<methodResponse><params><param><value><array><data><value><string>domid</string></value>"
        "<value><int>3</int></value><value><boolean>1</boolean></value><value><nil/></value></data></array>"
        "</value></param></params></methodResponse>");
    ASSERT_TRUE(python);
    auto sx = value_to_sexpr(python->value());
    ASSERT_TRUE(sx);
    EXPECT_EQ(sx->items()[1], Sexpr::integer(3));
    EXPECT_EQ(sexpr_to_string(*sx), "(domid 3 True None)");
    auto with_struct = value_to_sexpr(Value::array({Value::structure()}));
    ASSERT_FALSE(with_struct);
    EXPECT_EQ(with_struct.error().message, "element 0: a struct is not an S-expression");
}

}  // namespace
}  // namespace xvm::rpc
