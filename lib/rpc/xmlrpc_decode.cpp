// XML-RPC decoding: libxml2's SAX2 parser reports elements and text, and
// the state machine below builds the call or response from them directly -
// no document tree - checking the shape as it goes: one frame per open
// element, each kind of element accepting only the children and text the
// specification allows. The first problem stops the parser; its message
// names the place (param, array element, member) from the open frames.
// This file never interprets XML syntax itself.
#include "lib/rpc/xmlrpc.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>

#include "lib/base/format.h"
#include "lib/rpc/pystr.h"

namespace xvm::rpc {

namespace {

// ---------------------------------------------------------------------------
// Scalars

std::string_view trim(std::string_view s) {
    std::size_t a = s.find_first_not_of(" \t\r\n");
    if (a == std::string_view::npos) return {};
    std::size_t b = s.find_last_not_of(" \t\r\n");
    return s.substr(a, b - a + 1);
}

Result<Value> parse_int(std::string_view raw) {
    std::string_view s = trim(raw);
    std::string_view digits = s;
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    std::int32_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
        return make_error(cat("<int> '", python_repr_body(s.substr(0, 64)), "' is not a 32-bit integer"));
    return Value::integer(value);
}

Result<Value> parse_double(std::string_view raw) {
    std::string s(trim(raw));
    errno = 0;
    char* end = nullptr;
    double d = s.empty() ? 0 : std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(d))
        return make_error(cat("<double> '", python_repr_body(std::string_view(s).substr(0, 64)),
                              "' is not a finite number"));
    return Value::real(d);
}

int base64_digit(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// RFC 4648 base64; whitespace anywhere is ignored, padding is optional
// but nothing may follow it.
Result<Value> parse_base64(std::string_view s) {
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    bool padding = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        if (c == '=') {
            padding = true;
            continue;
        }
        int d = base64_digit(c);
        if (d < 0 || padding) return make_error("<base64> is not valid base64");
        acc = (acc << 6) | static_cast<std::uint32_t>(d);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    if (bits >= 6) return make_error("<base64> is not valid base64 (truncated)");
    return Value::base64(std::move(out));
}

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// ---------------------------------------------------------------------------
// The state machine

enum class Kind : std::uint8_t {
    kMethodCall, kMethodResponse, kMethodName, kParams, kParam, kFault,
    kValue, kScalar, kNil, kArray, kData, kStruct, kMember, kName,
};

struct Frame {
    Kind kind = Kind::kValue;
    std::string tag;            // the element's name, for messages
    std::string text;           // character data (kept only where it is a value)
    std::size_t children = 0;   // element children seen so far
    Value value;                // kValue/kParam/kFault/kMember: the value; kArray/kData/kStruct: being built
    bool has_value = false;
    std::string name;           // kMember
    bool has_name = false;
};

class SaxDecoder {
public:
    SaxDecoder(bool want_call, const XmlRpcLimits& limits) : want_call_(want_call), limits_(limits) {
        stack_.reserve(16);
    }

    // Each returns false on the first problem (then error() says what).
    bool start(std::string_view tag);
    bool end();
    bool text(std::string_view chars);

    const std::optional<Error>& error() const { return error_; }

    std::string method;
    std::vector<Value> params;
    std::optional<Fault> fault;
    bool saw_root = false;

private:
    // `closing`: the top frame is being finished and is not part of the
    // place the message names.
    bool fail(std::string_view message, bool closing = false);
    Frame& top() { return stack_.back(); }
    bool push(Kind kind, std::string_view tag);
    bool start_root(std::string_view tag);
    bool start_in_value(Frame& value, std::string_view tag);
    bool deliver(Frame& parent, Value v);
    bool finish_scalar(const Frame& f, Frame& parent);
    bool finish(Frame& f, Frame* parent);

    bool want_call_;
    const XmlRpcLimits& limits_;
    std::vector<Frame> stack_;
    std::size_t containers_ = 0;  // arrays and structs open
    std::size_t values_ = 0;
    std::size_t params_done_ = 0;
    std::optional<Error> error_;
};

// "XML-RPC: <method>: param 2: array element 3: member 'x': <message>",
// naming every open frame that says where in the call the problem is.
bool SaxDecoder::fail(std::string_view message, bool closing) {
    std::size_t open = stack_.size() - (closing ? 1 : 0);
    std::string where = "XML-RPC: ";
    if (want_call_ && !method.empty() && open > 1 && stack_[1].kind == Kind::kParams)
        where += cat(method, ": ");
    else if (!want_call_ && open > 1 && stack_[1].kind == Kind::kParams)
        where += "response: ";
    for (std::size_t i = 0; i < open; ++i) {
        const Frame& f = stack_[i];
        if (f.kind == Kind::kParam) where += cat("param ", params_done_ + 1, ": ");
        if (f.kind == Kind::kFault) where += "fault: ";
        if (f.kind == Kind::kData) where += cat("array element ", f.value.as_array().size(), ": ");
        if (f.kind == Kind::kMember && f.has_name) where += cat("member ", python_repr(f.name.substr(0, 64)), ": ");
    }
    error_ = make_error(cat(where, message));
    return false;
}

bool SaxDecoder::push(Kind kind, std::string_view tag) {
    if (kind == Kind::kArray || kind == Kind::kStruct) {
        if (++containers_ > limits_.max_depth)
            return fail(cat("arrays and structs nested deeper than ", limits_.max_depth));
    }
    if (kind == Kind::kValue && ++values_ > limits_.max_values)
        return fail(cat("more than ", limits_.max_values, " values"));
    // Built in place: a Frame is not cheap to move.
    Frame& f = stack_.emplace_back();
    f.kind = kind;
    f.tag = tag;
    if (kind == Kind::kArray || kind == Kind::kData) f.value = Value::array();
    if (kind == Kind::kStruct) f.value = Value::structure();
    return true;
}

bool SaxDecoder::start_root(std::string_view tag) {
    const char* want = want_call_ ? "methodCall" : "methodResponse";
    if (saw_root || tag != want) return fail(cat("expected <", want, ">, found <", tag, ">"));
    saw_root = true;
    return push(want_call_ ? Kind::kMethodCall : Kind::kMethodResponse, tag);
}

// The typed element of a <value>.
bool SaxDecoder::start_in_value(Frame& value, std::string_view tag) {
    if (value.children > 1) return fail("<value> holds more than one element");
    if (!blank(value.text)) return fail("<value> holds text beside its typed element");
    if (tag == "array") return push(Kind::kArray, tag);
    if (tag == "struct") return push(Kind::kStruct, tag);
    if (tag == "nil") return push(Kind::kNil, tag);
    for (std::string_view t : {"string", "int", "i4", "double", "base64", "boolean"})
        if (tag == t) return push(Kind::kScalar, tag);
    return fail(cat("unsupported value type <", tag, ">"));
}

bool SaxDecoder::start(std::string_view tag) {
    if (stack_.empty()) return start_root(tag);
    Frame& parent = top();
    std::size_t n = ++parent.children;
    switch (parent.kind) {
        case Kind::kMethodCall:
            if (n == 1 && tag == "methodName") return push(Kind::kMethodName, tag);
            if (n == 2 && tag == "params") return push(Kind::kParams, tag);
            return fail("<methodCall> must hold <methodName> and optionally <params>");
        case Kind::kMethodResponse:
            if (n == 1 && tag == "params") return push(Kind::kParams, tag);
            if (n == 1 && tag == "fault") return push(Kind::kFault, tag);
            return fail("<methodResponse> must hold <params> or <fault>");
        case Kind::kParams:
            if (tag != "param") return fail(cat("<params> holds <", tag, ">, not <param>"));
            return push(Kind::kParam, tag);
        case Kind::kParam:
            if (n != 1 || tag != "value") return fail(cat("<param> ", params_done_ + 1, " must hold exactly one <value>"));
            return push(Kind::kValue, tag);
        case Kind::kFault:
            if (n != 1 || tag != "value") return fail("<fault> must hold exactly one <value>");
            return push(Kind::kValue, tag);
        case Kind::kValue: return start_in_value(parent, tag);
        case Kind::kArray:
            if (n != 1 || tag != "data") return fail("<array> must hold exactly one <data>");
            return push(Kind::kData, tag);
        case Kind::kData:
            if (tag != "value") return fail(cat("expected <value>, found <", tag, ">"));
            return push(Kind::kValue, tag);
        case Kind::kStruct:
            if (tag != "member") return fail(cat("<struct> holds <", tag, ">, not <member>"));
            return push(Kind::kMember, tag);
        case Kind::kMember:
            if (n == 1 && tag == "name") return push(Kind::kName, tag);
            if (n == 2 && tag == "value") return push(Kind::kValue, tag);
            return fail("<member> must hold <name> then <value>");
        case Kind::kNil: return fail("<nil/> must be empty");
        case Kind::kMethodName:
        case Kind::kScalar:
        case Kind::kName: break;
    }
    return fail(cat("<", parent.tag, "> holds an element <", tag, ">"));
}

bool SaxDecoder::text(std::string_view chars) {
    if (stack_.empty()) return true;  // outside the root: libxml2 allows only blanks there
    Frame& f = top();
    switch (f.kind) {
        case Kind::kMethodName:
        case Kind::kScalar:
        case Kind::kName:
            f.text.append(chars);
            return true;
        case Kind::kValue:
            if (f.children > 0 && !blank(chars)) return fail("<value> holds text beside its typed element");
            f.text.append(chars);
            return true;
        case Kind::kNil:
            if (!blank(chars)) return fail("<nil/> must be empty");
            return true;
        default:
            if (!blank(chars)) return fail(cat("unexpected text in <", f.tag, ">"));
            return true;
    }
}

bool SaxDecoder::deliver(Frame& parent, Value v) {
    if (parent.kind == Kind::kData) {
        parent.value.as_array().push_back(std::move(v));
    } else {
        parent.value = std::move(v);
        parent.has_value = true;
    }
    return true;
}

bool SaxDecoder::finish_scalar(const Frame& f, Frame& parent) {
    Result<Value> v = Value();
    if (f.tag == "string") {
        v = Value::string(f.text);
    } else if (f.tag == "int" || f.tag == "i4") {
        v = parse_int(f.text);
    } else if (f.tag == "double") {
        v = parse_double(f.text);
    } else if (f.tag == "base64") {
        v = parse_base64(f.text);
    } else {
        std::string_view b = trim(f.text);
        if (b != "0" && b != "1")
            return fail(cat("<boolean> '", python_repr_body(b.substr(0, 64)), "' is not 0 or 1"), true);
        v = Value::boolean(b == "1");
    }
    if (!v) return fail(v.error().message, true);
    return deliver(parent, std::move(*v));
}

// `f` is the top frame, about to be popped; `parent` the one below it
// (none for the root).
bool SaxDecoder::finish(Frame& f, Frame* parent) {
    switch (f.kind) {
        case Kind::kMethodName:
            method = std::string(trim(f.text));
            if (!valid_method_name(method)) {
                std::string bad = std::move(method);
                method.clear();
                return fail(cat("invalid method name ", python_repr(std::string_view(bad).substr(0, 64))), true);
            }
            return true;
        case Kind::kScalar: return finish_scalar(f, *parent);
        case Kind::kNil: return deliver(*parent, Value::nil());
        case Kind::kArray:
            if (f.children != 1) return fail("<array> must hold exactly one <data>", true);
            return deliver(*parent, std::move(f.value));
        case Kind::kData:  // the array frame below takes the items
            parent->value = std::move(f.value);
            return true;
        case Kind::kStruct: return deliver(*parent, std::move(f.value));
        case Kind::kValue: return deliver(*parent, f.children ? std::move(f.value) : Value::string(std::move(f.text)));
        case Kind::kName:
            parent->name = std::move(f.text);
            parent->has_name = true;
            return true;
        case Kind::kMember:
            if (!f.has_name || !f.has_value) return fail("<member> must hold <name> then <value>", true);
            parent->value.set(std::move(f.name), std::move(f.value));  // a repeated name: the last wins, as in Python
            return true;
        case Kind::kParam:
            if (!f.has_value) return fail(cat("<param> ", params_done_ + 1, " must hold exactly one <value>"), true);
            params.push_back(std::move(f.value));
            ++params_done_;
            return true;
        case Kind::kFault: {
            const Value* code = f.value.find("faultCode");
            const Value* message = f.value.find("faultString");
            if (!f.has_value || !code || code->type() != Value::Type::kInt || !message ||
                message->type() != Value::Type::kString)
                return fail("a fault must be a struct with faultCode (int) and faultString (string)", true);
            fault = Fault{code->as_int(), message->as_string()};
            return true;
        }
        case Kind::kMethodCall:
            if (f.children == 0) return fail("<methodCall> must hold <methodName> and optionally <params>", true);
            return true;
        case Kind::kMethodResponse:
            if (f.children == 0) return fail("<methodResponse> must hold <params> or <fault>", true);
            if (!fault && params.size() != 1)
                return fail(cat("a response must hold exactly one <param>, not ", params.size()), true);
            return true;
        case Kind::kParams: return true;
    }
    return true;
}

bool SaxDecoder::end() {
    Frame& f = top();
    if (f.kind == Kind::kArray || f.kind == Kind::kStruct) --containers_;
    bool ok = finish(f, stack_.size() > 1 ? &stack_[stack_.size() - 2] : nullptr);
    stack_.pop_back();
    return ok;
}

// ---------------------------------------------------------------------------
// libxml2's side

void init_libxml() {
    static std::once_flag once;
    std::call_once(once, [] { xmlInitParser(); });
}

struct Run {
    SaxDecoder* decoder;
    bool saw_doctype = false;
};

Run& run_of(void* ctx) { return *static_cast<Run*>(static_cast<xmlParserCtxt*>(ctx)->_private); }

void stop_unless(void* ctx, bool ok) {
    if (!ok) xmlStopParser(static_cast<xmlParserCtxt*>(ctx));
}

void on_start(void* ctx, const xmlChar* localname, const xmlChar*, const xmlChar*, int, const xmlChar**, int, int,
              const xmlChar**) {
    stop_unless(ctx, run_of(ctx).decoder->start(reinterpret_cast<const char*>(localname)));
}

void on_end(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) { stop_unless(ctx, run_of(ctx).decoder->end()); }

void on_text(void* ctx, const xmlChar* chars, int len) {
    std::string_view text(reinterpret_cast<const char*>(chars), static_cast<std::size_t>(len));
    stop_unless(ctx, run_of(ctx).decoder->text(text));
}

// Called at "<!DOCTYPE name": stops the parse before the internal subset
// (and any entity declared in it) is read.
void on_doctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
    run_of(ctx).saw_doctype = true;
    xmlStopParser(static_cast<xmlParserCtxt*>(ctx));
}

struct CtxtDeleter {
    void operator()(xmlParserCtxt* c) const {
        if (c->myDoc) xmlFreeDoc(c->myDoc);
        xmlFreeParserCtxt(c);
    }
};

// No network, no DTD loading or validation, no entity substitution; errors
// are collected in the context instead of printed.
constexpr int kParseOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

Status parse(std::string_view body, const XmlRpcLimits& limits, SaxDecoder& decoder) {
    if (body.size() > limits.max_body)
        return make_error(cat("XML-RPC: body of ", body.size(), " bytes is over the limit of ", limits.max_body,
                              " bytes"),
                          EMSGSIZE);
    if (body.empty()) return make_error("XML-RPC: empty body");
    init_libxml();
    std::unique_ptr<xmlParserCtxt, CtxtDeleter> ctxt(
        xmlCreateMemoryParserCtxt(body.data(), static_cast<int>(body.size())));
    if (!ctxt || !ctxt->sax) return make_error("XML-RPC: cannot allocate a parser", ENOMEM);
    xmlCtxtUseOptions(ctxt.get(), kParseOptions);
    xmlSAXHandler* sax = ctxt->sax;
    sax->startElementNs = on_start;
    sax->endElementNs = on_end;
    sax->characters = on_text;
    sax->ignorableWhitespace = on_text;
    sax->cdataBlock = nullptr;  // CDATA arrives as characters
    sax->comment = nullptr;
    sax->processingInstruction = nullptr;
    sax->internalSubset = on_doctype;
    Run run{&decoder};
    ctxt->_private = &run;
    xmlParseDocument(ctxt.get());
    if (run.saw_doctype) return make_error("XML-RPC: a DOCTYPE is not allowed");
    if (decoder.error()) return *decoder.error();
    if (!ctxt->wellFormed || !decoder.saw_root) {
        const xmlError* e = xmlCtxtGetLastError(ctxt.get());
        std::string msg = e && e->message ? e->message : "not well-formed";
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        if (e && e->code != XML_ERR_OK)
            return make_error(cat("XML-RPC: malformed XML at line ", e->line, ", column ", e->int2, ": ", msg));
        return make_error("XML-RPC: malformed XML: no root element");
    }
    return {};
}

}  // namespace

Result<MethodCall> decode_call(std::string_view body, const XmlRpcLimits& limits) {
    SaxDecoder decoder(true, limits);
    if (auto s = parse(body, limits, decoder); !s) return std::move(s).error();
    return MethodCall{std::move(decoder.method), std::move(decoder.params)};
}

Result<Response> decode_response(std::string_view body, const XmlRpcLimits& limits) {
    SaxDecoder decoder(false, limits);
    if (auto s = parse(body, limits, decoder); !s) return std::move(s).error();
    if (decoder.fault) return Response{std::move(*decoder.fault)};
    return Response{std::move(decoder.params.front())};
}

}  // namespace xvm::rpc
