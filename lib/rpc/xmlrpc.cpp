// XML-RPC bodies through libxml2: the tree parser (with its DOCTYPE hook)
// for decoding, xmlTextWriter for encoding. This file never interprets XML
// syntax itself; it walks the tree libxml2 built and checks its shape.
#include "lib/rpc/xmlrpc.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>

#include "lib/base/format.h"
#include "lib/rpc/pystr.h"

namespace xvm::rpc {

// ---------------------------------------------------------------------------
// Value

std::string_view Value::type_name(Type type) {
    switch (type) {
        case Type::kNil: return "nil";
        case Type::kBoolean: return "boolean";
        case Type::kInt: return "int";
        case Type::kDouble: return "double";
        case Type::kString: return "string";
        case Type::kBase64: return "base64";
        case Type::kArray: return "array";
        case Type::kStruct: return "struct";
    }
    return "unknown";
}

std::string_view Value::type_name() const { return type_name(type_); }

const Value* Value::find(std::string_view name) const {
    if (type_ != Type::kStruct) return nullptr;
    for (const Member& m : as_struct())
        if (m.first == name) return &m.second;
    return nullptr;
}

void Value::set(std::string name, Value value) {
    auto& members = std::get<Struct>(v_);
    for (Member& m : members) {
        if (m.first == name) {
            m.second = std::move(value);
            return;
        }
    }
    members.emplace_back(std::move(name), std::move(value));
}

namespace {

// ---------------------------------------------------------------------------
// Text that XML 1.0 can carry

constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

// The length of the valid UTF-8 sequence at s[i] encoding a character XML
// allows, or 0.
std::size_t xml_char_at(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char c = b(0);
    if (c < 0x80) return (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
    std::size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (len == 0 || c > 0xf4 || i + len > s.size()) return 0;
    std::uint32_t cp = c & (0x7f >> len);
    for (std::size_t k = 1; k < len; ++k) {
        if ((b(k) & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (b(k) & 0x3f);
    }
    bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
    if (overlong || surrogate || cp == 0xfffe || cp == 0xffff || cp > 0x10ffff) return 0;
    return len;
}

// nullopt when `s` can be written as XML text, else why not.
std::optional<std::string> xml_text_problem(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        std::size_t len = xml_char_at(s, i);
        if (len == 0) {
            auto byte = static_cast<unsigned>(static_cast<unsigned char>(s[i]));
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", byte);
            return byte < 0x80 ? cat("byte ", hex, " at offset ", i, " is not allowed in XML")
                               : cat("invalid UTF-8 (byte ", hex, ") at offset ", i);
        }
        i += len;
    }
    return std::nullopt;
}

std::string xml_sanitize(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        std::size_t len = xml_char_at(s, i);
        if (len == 0) {
            out += kReplacement;
            ++i;
        } else {
            out.append(s.substr(i, len));
            i += len;
        }
    }
    return out;
}

// ---------------------------------------------------------------------------
// Encoding

const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

struct WriterDeleter {
    void operator()(xmlTextWriter* w) const { xmlFreeTextWriter(w); }
};
struct BufferDeleter {
    void operator()(xmlBuffer* b) const { xmlBufferFree(b); }
};

class Writer {
public:
    Writer() : buf_(xmlBufferCreate()) {
        if (buf_) w_.reset(xmlNewTextWriterMemory(buf_.get(), 0));
        ok_ = w_ && xmlTextWriterStartDocument(w_.get(), "1.0", nullptr, nullptr) >= 0;
    }

    void start(const char* name) { check(xmlTextWriterStartElement(w_.get(), X(name))); }
    void end() { check(xmlTextWriterEndElement(w_.get())); }
    void element(const char* name, std::string_view text) {
        start(name);
        text_(text);
        end();
    }
    void text_(std::string_view text) {
        std::string copy(text);  // the writer wants a NUL-terminated string
        check(xmlTextWriterWriteString(w_.get(), X(copy.c_str())));
    }
    void base64(std::string_view bytes) {
        start("base64");
        check(xmlTextWriterWriteBase64(w_.get(), bytes.data(), 0, static_cast<int>(bytes.size())));
        end();
    }

    Result<std::string> finish() {
        check(xmlTextWriterEndDocument(w_.get()));
        w_.reset();  // flushes into buf_
        if (!ok_) return make_error("XML-RPC: the XML writer failed (out of memory?)", ENOMEM);
        return std::string(reinterpret_cast<const char*>(xmlBufferContent(buf_.get())),
                           static_cast<std::size_t>(xmlBufferLength(buf_.get())));
    }

private:
    void check(int rc) {
        if (rc < 0) ok_ = false;
    }

    std::unique_ptr<xmlBuffer, BufferDeleter> buf_;
    std::unique_ptr<xmlTextWriter, WriterDeleter> w_;
    bool ok_ = false;
};

Status check_text(std::string_view s) {
    if (auto problem = xml_text_problem(s)) return make_error(*problem);
    return {};
}

Status write_value(Writer& w, const Value& v);

Status write_array(Writer& w, const Value::Array& items) {
    w.start("array");
    w.start("data");
    for (std::size_t i = 0; i < items.size(); ++i)
        if (auto s = write_value(w, items[i]); !s) return std::move(s).error().context(cat("element ", i));
    w.end();
    w.end();
    return {};
}

Status write_struct(Writer& w, const Value::Struct& members) {
    w.start("struct");
    for (const auto& [name, value] : members) {
        if (auto s = check_text(name); !s) return std::move(s).error().context("member name");
        w.start("member");
        w.element("name", name);
        if (auto s = write_value(w, value); !s) return std::move(s).error().context(cat("member ", name));
        w.end();
    }
    w.end();
    return {};
}

Status write_scalar(Writer& w, const Value& v) {
    switch (v.type()) {
        case Value::Type::kNil:
            w.start("nil");
            w.end();
            return {};
        case Value::Type::kBoolean: w.element("boolean", v.as_bool() ? "1" : "0"); return {};
        case Value::Type::kInt: w.element("int", std::to_string(v.as_int())); return {};
        case Value::Type::kDouble: {
            if (!std::isfinite(v.as_double())) return make_error("a double that is not finite cannot be sent");
            char buf[40];
            std::snprintf(buf, sizeof buf, "%.17g", v.as_double());
            w.element("double", buf);
            return {};
        }
        case Value::Type::kString:
            if (auto s = check_text(v.as_string()); !s) return s;
            w.element("string", v.as_string());
            return {};
        case Value::Type::kBase64: w.base64(v.as_string()); return {};
        default: return make_error("not a scalar");
    }
}

Status write_value(Writer& w, const Value& v) {
    w.start("value");
    Status s = v.type() == Value::Type::kArray    ? write_array(w, v.as_array())
               : v.type() == Value::Type::kStruct ? write_struct(w, v.as_struct())
                                                  : write_scalar(w, v);
    if (!s) return s;
    w.end();
    return {};
}

// ---------------------------------------------------------------------------
// Decoding: libxml2 builds the tree; the walk below checks its shape.

void init_libxml() {
    static std::once_flag once;
    std::call_once(once, [] { xmlInitParser(); });
}

struct DocDeleter {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct CtxtDeleter {
    void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

// Called by libxml2 at "<!DOCTYPE name": stops the parse before the
// internal subset (and any entity declared in it) is read.
void refuse_doctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
    auto* ctxt = static_cast<xmlParserCtxt*>(ctx);
    *static_cast<bool*>(ctxt->_private) = true;
    xmlStopParser(ctxt);
}

// No network, no DTD loading or validation, no entity substitution; errors
// are collected in the context instead of printed.
constexpr int kParseOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

Result<DocPtr> parse_xml(std::string_view body, const XmlRpcLimits& limits) {
    if (body.size() > limits.max_body)
        return make_error(cat("XML-RPC: body of ", body.size(), " bytes is over the limit of ", limits.max_body,
                              " bytes"),
                          EMSGSIZE);
    if (body.empty()) return make_error("XML-RPC: empty body");
    init_libxml();
    std::unique_ptr<xmlParserCtxt, CtxtDeleter> ctxt(xmlNewParserCtxt());
    if (!ctxt || !ctxt->sax) return make_error("XML-RPC: cannot allocate a parser", ENOMEM);
    bool saw_doctype = false;
    ctxt->_private = &saw_doctype;
    ctxt->sax->internalSubset = refuse_doctype;
    DocPtr doc(xmlCtxtReadMemory(ctxt.get(), body.data(), static_cast<int>(body.size()), nullptr, nullptr,
                                 kParseOptions));
    if (saw_doctype) return make_error("XML-RPC: a DOCTYPE is not allowed");
    if (!doc) {
        const xmlError* e = xmlCtxtGetLastError(ctxt.get());
        std::string msg = e && e->message ? e->message : "not well-formed";
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        if (e) return make_error(cat("XML-RPC: malformed XML at line ", e->line, ", column ", e->int2, ": ", msg));
        return make_error(cat("XML-RPC: malformed XML: ", msg));
    }
    return doc;
}

bool named(const xmlNode* n, const char* name) { return xmlStrEqual(n->name, X(name)); }

std::string_view node_name(const xmlNode* n) { return reinterpret_cast<const char*>(n->name); }

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// The element children of `n` and the concatenation of its text; comments
// and processing instructions are skipped.
struct Content {
    std::vector<const xmlNode*> elements;
    std::string text;
};

Content content_of(const xmlNode* n) {
    Content c;
    for (const xmlNode* k = n->children; k; k = k->next) {
        if (k->type == XML_ELEMENT_NODE)
            c.elements.push_back(k);
        else if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content)
            c.text += reinterpret_cast<const char*>(k->content);
    }
    return c;
}

// Children that must all be elements (blank text between them allowed).
Result<std::vector<const xmlNode*>> elements_of(const xmlNode* n) {
    Content c = content_of(n);
    if (!blank(c.text)) return make_error(cat("unexpected text in <", node_name(n), ">"));
    return std::move(c.elements);
}

// The text of a scalar element, which must hold no element.
Result<std::string> text_of(const xmlNode* n) {
    Content c = content_of(n);
    if (!c.elements.empty())
        return make_error(cat("<", node_name(n), "> holds an element <", node_name(c.elements[0]), ">"));
    return std::move(c.text);
}

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

class Decoder {
public:
    explicit Decoder(const XmlRpcLimits& limits) : limits_(limits) {}

    // A <value> element.
    Result<Value> value(const xmlNode* n, std::size_t depth) {
        if (!named(n, "value")) return make_error(cat("expected <value>, found <", node_name(n), ">"));
        if (++count_ > limits_.max_values) return make_error(cat("more than ", limits_.max_values, " values"));
        Content c = content_of(n);
        if (c.elements.empty()) return Value::string(std::move(c.text));  // untyped: a string
        if (c.elements.size() > 1) return make_error("<value> holds more than one element");
        if (!blank(c.text)) return make_error("<value> holds text beside its typed element");
        return typed(c.elements[0], depth);
    }

private:
    Result<Value> typed(const xmlNode* t, std::size_t depth) {
        if (named(t, "array")) return array(t, depth + 1);
        if (named(t, "struct")) return structure(t, depth + 1);
        if (named(t, "nil")) {
            auto text = text_of(t);
            if (!text) return std::move(text).error();
            if (!blank(*text)) return make_error("<nil/> must be empty");
            return Value::nil();
        }
        auto text = text_of(t);
        if (!text) return std::move(text).error();
        if (named(t, "string")) return Value::string(std::move(*text));
        if (named(t, "int") || named(t, "i4")) return parse_int(*text);
        if (named(t, "double")) return parse_double(*text);
        if (named(t, "base64")) return parse_base64(*text);
        if (named(t, "boolean")) {
            std::string_view b = trim(*text);
            if (b == "0" || b == "1") return Value::boolean(b == "1");
            return make_error(cat("<boolean> '", python_repr_body(b.substr(0, 64)), "' is not 0 or 1"));
        }
        return make_error(cat("unsupported value type <", node_name(t), ">"));
    }

    Status check_depth(std::size_t depth) const {
        if (depth > limits_.max_depth)
            return make_error(cat("arrays and structs nested deeper than ", limits_.max_depth));
        return {};
    }

    Result<Value> array(const xmlNode* t, std::size_t depth) {
        if (auto d = check_depth(depth); !d) return std::move(d).error();
        auto kids = elements_of(t);
        if (!kids) return std::move(kids).error();
        if (kids->size() != 1 || !named((*kids)[0], "data")) return make_error("<array> must hold exactly one <data>");
        auto values = elements_of((*kids)[0]);
        if (!values) return std::move(values).error();
        Value::Array items;
        items.reserve(values->size());
        for (std::size_t i = 0; i < values->size(); ++i) {
            auto v = value((*values)[i], depth);
            if (!v) return std::move(v).error().context(cat("array element ", i));
            items.push_back(std::move(*v));
        }
        return Value::array(std::move(items));
    }

    Result<Value> structure(const xmlNode* t, std::size_t depth) {
        if (auto d = check_depth(depth); !d) return std::move(d).error();
        auto members = elements_of(t);
        if (!members) return std::move(members).error();
        Value out = Value::structure();
        for (const xmlNode* m : *members) {
            if (!named(m, "member")) return make_error(cat("<struct> holds <", node_name(m), ">, not <member>"));
            auto parts = elements_of(m);
            if (!parts) return std::move(parts).error();
            if (parts->size() != 2 || !named((*parts)[0], "name"))
                return make_error("<member> must hold <name> then <value>");
            auto name = text_of((*parts)[0]);
            if (!name) return std::move(name).error();
            auto v = value((*parts)[1], depth);
            if (!v) return std::move(v).error().context(cat("member ", python_repr(name->substr(0, 64))));
            out.set(std::move(*name), std::move(*v));  // a repeated name: the last wins, as in Python
        }
        return out;
    }

    const XmlRpcLimits& limits_;
    std::size_t count_ = 0;
};

bool valid_method_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxMethodName) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '.' || c == ':' || c == '/';
        if (!ok) return false;
    }
    return true;
}

Result<const xmlNode*> root_named(const DocPtr& doc, const char* name) {
    const xmlNode* root = xmlDocGetRootElement(doc.get());
    if (!root) return make_error("XML-RPC: no root element");
    if (!named(root, name))
        return make_error(cat("XML-RPC: expected <", name, ">, found <", node_name(root), ">"));
    return root;
}

// <params> with <param><value/></param> children.
Result<std::vector<Value>> decode_params(const xmlNode* params, Decoder& decoder) {
    auto list = elements_of(params);
    if (!list) return std::move(list).error();
    std::vector<Value> out;
    out.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
        const xmlNode* p = (*list)[i];
        if (!named(p, "param")) return make_error(cat("<params> holds <", node_name(p), ">, not <param>"));
        auto inner = elements_of(p);
        if (!inner) return std::move(inner).error();
        if (inner->size() != 1) return make_error(cat("<param> ", i + 1, " must hold exactly one <value>"));
        auto v = decoder.value((*inner)[0], 0);
        if (!v) return std::move(v).error().context(cat("param ", i + 1));
        out.push_back(std::move(*v));
    }
    return out;
}

Result<Fault> decode_fault(const xmlNode* fault, Decoder& decoder) {
    auto inner = elements_of(fault);
    if (!inner) return std::move(inner).error();
    if (inner->size() != 1) return make_error("<fault> must hold exactly one <value>");
    auto v = decoder.value((*inner)[0], 0);
    if (!v) return std::move(v).error().context("fault");
    const Value* code = v->find("faultCode");
    const Value* text = v->find("faultString");
    if (!code || code->type() != Value::Type::kInt || !text || text->type() != Value::Type::kString)
        return make_error("a fault must be a struct with faultCode (int) and faultString (string)");
    return Fault{code->as_int(), text->as_string()};
}

}  // namespace

// ---------------------------------------------------------------------------
// Public entry points

Result<std::string> encode_call(const MethodCall& call) {
    if (!valid_method_name(call.method))
        return make_error(cat("XML-RPC: invalid method name ", python_repr(call.method.substr(0, 64))));
    Writer w;
    w.start("methodCall");
    w.element("methodName", call.method);
    w.start("params");
    for (std::size_t i = 0; i < call.params.size(); ++i) {
        w.start("param");
        if (auto s = write_value(w, call.params[i]); !s)
            return std::move(s).error().context(cat("XML-RPC: cannot encode param ", i + 1));
        w.end();
    }
    w.end();
    w.end();
    return w.finish();
}

Result<std::string> encode_response(const Value& result) {
    Writer w;
    w.start("methodResponse");
    w.start("params");
    w.start("param");
    if (auto s = write_value(w, result); !s) return std::move(s).error().context("XML-RPC: cannot encode the result");
    w.end();
    w.end();
    w.end();
    return w.finish();
}

std::string encode_fault(const Fault& fault) {
    Writer w;
    w.start("methodResponse");
    w.start("fault");
    Value v = Value::structure({{"faultCode", Value::integer(fault.code)},
                                {"faultString", Value::string(xml_sanitize(fault.message))}});
    (void)write_value(w, v);  // cannot fail: the text was sanitized
    w.end();
    w.end();
    auto out = w.finish();
    // Only an allocation failure gets here; a minimal fault still tells the
    // client something went wrong.
    if (!out) return "<?xml version=\"1.0\"?>\n<methodResponse><fault><value><struct></struct></value></fault></methodResponse>\n";
    return std::move(*out);
}

Result<MethodCall> decode_call(std::string_view body, const XmlRpcLimits& limits) {
    auto doc = parse_xml(body, limits);
    if (!doc) return std::move(doc).error();
    auto root = root_named(*doc, "methodCall");
    if (!root) return std::move(root).error();
    auto parts = elements_of(*root);
    if (!parts) return std::move(parts).error().context("XML-RPC");
    if (parts->empty() || parts->size() > 2 || !named((*parts)[0], "methodName") ||
        (parts->size() == 2 && !named((*parts)[1], "params")))
        return make_error("XML-RPC: <methodCall> must hold <methodName> and optionally <params>");
    auto name = text_of((*parts)[0]);
    if (!name) return std::move(name).error().context("XML-RPC");
    std::string method(trim(*name));
    if (!valid_method_name(method))
        return make_error(cat("XML-RPC: invalid method name ", python_repr(std::string_view(method).substr(0, 64))));
    MethodCall call{std::move(method), {}};
    if (parts->size() == 2) {
        Decoder decoder(limits);
        auto params = decode_params((*parts)[1], decoder);
        if (!params) return std::move(params).error().context(cat("XML-RPC: ", call.method));
        call.params = std::move(*params);
    }
    return call;
}

Result<Response> decode_response(std::string_view body, const XmlRpcLimits& limits) {
    auto doc = parse_xml(body, limits);
    if (!doc) return std::move(doc).error();
    auto root = root_named(*doc, "methodResponse");
    if (!root) return std::move(root).error();
    auto parts = elements_of(*root);
    if (!parts) return std::move(parts).error().context("XML-RPC");
    if (parts->size() != 1) return make_error("XML-RPC: <methodResponse> must hold <params> or <fault>");
    Decoder decoder(limits);
    if (named((*parts)[0], "fault")) {
        auto fault = decode_fault((*parts)[0], decoder);
        if (!fault) return std::move(fault).error().context("XML-RPC");
        return Response{std::move(*fault)};
    }
    if (!named((*parts)[0], "params")) return make_error("XML-RPC: <methodResponse> must hold <params> or <fault>");
    auto params = decode_params((*parts)[0], decoder);
    if (!params) return std::move(params).error().context("XML-RPC: response");
    if (params->size() != 1)
        return make_error(cat("XML-RPC: a response must hold exactly one <param>, not ", params->size()));
    return Response{std::move(params->front())};
}

Value repr_string_result(std::string_view s) { return Value::string(python_repr_body(s)); }

Result<Value> unrepr_string_result(const Value& v) {
    if (v.type() != Value::Type::kString) return v;
    auto text = python_unescape(v.as_string());
    if (!text) return std::move(text).error().context("string result");
    return Value::string(std::move(*text));
}

Value sexpr_to_value(const Sexpr& s) {
    switch (s.kind()) {
        case Sexpr::Kind::kString: return Value::string(s.str());
        case Sexpr::Kind::kInt:
            if (s.int_value() >= INT32_MIN && s.int_value() <= INT32_MAX)
                return Value::integer(static_cast<std::int32_t>(s.int_value()));
            return Value::string(std::to_string(s.int_value()));
        case Sexpr::Kind::kDouble: return Value::real(s.double_value());
        case Sexpr::Kind::kList: break;
    }
    Value::Array items;
    items.reserve(s.items().size());
    for (const Sexpr& item : s.items()) items.push_back(sexpr_to_value(item));
    return Value::array(std::move(items));
}

Result<Sexpr> value_to_sexpr(const Value& v) {
    switch (v.type()) {
        case Value::Type::kNil: return Sexpr::string("None");
        case Value::Type::kBoolean: return Sexpr::string(v.as_bool() ? "True" : "False");
        case Value::Type::kInt: return Sexpr::integer(v.as_int());
        case Value::Type::kDouble: return Sexpr::real(v.as_double());
        case Value::Type::kString:
        case Value::Type::kBase64: return Sexpr::string(v.as_string());
        case Value::Type::kStruct: return make_error("a struct is not an S-expression");
        case Value::Type::kArray: break;
    }
    Sexpr out = Sexpr::list();
    out.items().reserve(v.as_array().size());
    for (std::size_t i = 0; i < v.as_array().size(); ++i) {
        auto item = value_to_sexpr(v.as_array()[i]);
        if (!item) return std::move(item).error().context(cat("element ", i));
        out.add(std::move(*item));
    }
    return out;
}

}  // namespace xvm::rpc
