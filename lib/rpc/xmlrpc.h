// XML-RPC (http://xmlrpc.com/spec.md) as xend serves it and xm calls it
// (XEND.md section 1), shared by daemons/xend and cmd/xm. Bodies only: the
// HTTP framing around them is a library's job on both sides.
//
//   request  = <methodCall><methodName>N</methodName>
//                [<params>(<param><value>V</value></param>)*</params>]
//              </methodCall>
//   response = <methodResponse><params><param><value>V</value></param>
//                </params></methodResponse>
//            | <methodResponse><fault><value><struct>
//                faultCode (int), faultString (string)
//              </struct></value></fault></methodResponse>
//   V        = nil | boolean 0/1 | int (32-bit, as xend: a bigger number
//              travels as a string) | double | string | base64 | array |
//              struct; a <value> with bare text is a string.
//
// Decoding uses libxml2 with network access, DTD loading and entity
// substitution off; a document carrying a DOCTYPE is refused before its
// internal subset is read, so no entity is ever declared or expanded.
// XmlRpcLimits bounds the body size, the nesting of arrays and structs
// and the number of values; a method name is at most kMaxMethodName bytes
// of [A-Za-z0-9_.:/]. Every decoding error is a Result naming what was
// wrong (and where, for malformed XML); nothing is fatal and nothing is
// kept from a bad body. What xend does with an error is its own policy
// (XEND.md 1.2: faults 1/2/3, codes below).
//
// Encoding never emits invalid XML: a string that is not UTF-8, or holds a
// character XML 1.0 cannot carry (control bytes other than tab, newline
// and carriage return), makes encode_response() fail naming the value's
// path, and is replaced by U+FFFD in a fault's text (the error path must
// not fail). xend's own workaround for string results - send Python's
// repr() minus its quotes, which is always plain ASCII - is
// repr_string_result() here, undone on the client by
// unrepr_string_result().
//
// S-expressions travel as nested arrays (xend's sxpr results):
// sexpr_to_value() / value_to_sexpr().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "lib/base/result.h"
#include "lib/rpc/sexpr.h"

namespace xvm::rpc {

// Fault codes of the legacy server (XendClient.py ERROR_*); xm's messages
// depend on them.
inline constexpr std::int32_t kFaultInternal = 1;       // any unexpected error
inline constexpr std::int32_t kFaultGeneric = 2;        // a refused operation
inline constexpr std::int32_t kFaultInvalidDomain = 3;  // text = the key as given

inline constexpr std::size_t kMaxMethodName = 256;

struct XmlRpcLimits {
    std::size_t max_body = 4 * 1024 * 1024;
    std::size_t max_depth = 32;  // arrays and structs inside each other
    std::size_t max_values = 256 * 1024;
};

class Value {
public:
    enum class Type : std::uint8_t { kNil, kBoolean, kInt, kDouble, kString, kBase64, kArray, kStruct };
    using Array = std::vector<Value>;
    using Member = std::pair<std::string, Value>;
    using Struct = std::vector<Member>;  // in document order, names unique

    Value() = default;  // nil
    static Value nil() { return Value(); }
    static Value boolean(bool b) { return Value(Type::kBoolean, b); }
    static Value integer(std::int32_t i) { return Value(Type::kInt, i); }
    static Value real(double d) { return Value(Type::kDouble, d); }
    static Value string(std::string s) { return Value(Type::kString, std::move(s)); }
    static Value base64(std::string bytes) { return Value(Type::kBase64, std::move(bytes)); }
    static Value array(Array items = {}) { return Value(Type::kArray, std::move(items)); }
    static Value structure(Struct members = {}) { return Value(Type::kStruct, std::move(members)); }

    Type type() const { return type_; }
    // "nil", "boolean", "int", "double", "string", "base64", "array",
    // "struct": for messages such as "expected int, got string".
    std::string_view type_name() const;
    static std::string_view type_name(Type type);

    // Accessors for the matching type (precondition: type() fits).
    bool as_bool() const { return std::get<bool>(v_); }
    std::int32_t as_int() const { return std::get<std::int32_t>(v_); }
    double as_double() const { return std::get<double>(v_); }
    const std::string& as_string() const { return std::get<std::string>(v_); }  // string or base64
    const Array& as_array() const { return std::get<Array>(v_); }
    Array& as_array() { return std::get<Array>(v_); }
    const Struct& as_struct() const { return std::get<Struct>(v_); }

    // A struct member; nullptr when absent or not a struct.
    const Value* find(std::string_view name) const;
    // Sets a struct member, replacing one of the same name (precondition:
    // type() == kStruct).
    void set(std::string name, Value value);

    bool operator==(const Value& other) const = default;

private:
    template <typename T>
    Value(Type type, T v) : type_(type), v_(std::move(v)) {}

    Type type_ = Type::kNil;
    std::variant<std::monostate, bool, std::int32_t, double, std::string, Array, Struct> v_;
};

struct MethodCall {
    std::string method;
    std::vector<Value> params;
};

struct Fault {
    std::int32_t code = kFaultInternal;
    std::string message;
    bool operator==(const Fault& other) const = default;
};

// A method's answer: a value or a fault.
struct Response {
    std::variant<Value, Fault> body;

    bool is_fault() const { return body.index() == 1; }
    const Value& value() const { return std::get<Value>(body); }
    const Fault& fault() const { return std::get<Fault>(body); }
};

// 1..kMaxMethodName bytes of [A-Za-z0-9_.:/].
bool valid_method_name(std::string_view name);

Result<std::string> encode_call(const MethodCall& call);
Result<std::string> encode_response(const Value& result);
std::string encode_fault(const Fault& fault);

Result<MethodCall> decode_call(std::string_view body, const XmlRpcLimits& limits = {});
Result<Response> decode_response(std::string_view body, const XmlRpcLimits& limits = {});

// A string result as xend sends it: Python's repr() minus the quotes.
Value repr_string_result(std::string_view s);
// The client's inverse (xmlrpcclient.py conv_string): a string value is
// unescaped; other values are returned unchanged.
Result<Value> unrepr_string_result(const Value& v);

// Lists become arrays, strings strings, ints ints (a value outside 32 bits
// becomes its decimal string, as xend sent big numbers), doubles doubles.
Value sexpr_to_value(const Sexpr& s);
// The inverse for a result that is an S-expression: arrays become lists;
// booleans, nil and base64 become the strings Python's str() gave them
// ("True"/"False", "None", the bytes); a struct is an error.
Result<Sexpr> value_to_sexpr(const Value& v);

}  // namespace xvm::rpc
