// XML-RPC values and their encoding through libxml2's xmlTextWriter, and
// the conversions to and from S-expressions; decoding is in
// xmlrpc_decode.cpp. This file never writes XML syntax itself.
#include "lib/rpc/xmlrpc.h"

#include <libxml/parser.h>
#include <libxml/xmlwriter.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
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
    Writer() {
        static std::once_flag once;
        std::call_once(once, [] { xmlInitParser(); });
        buf_.reset(xmlBufferCreate());
        if (buf_) w_.reset(xmlNewTextWriterMemory(buf_.get(), 0));
        ok_ = w_ && xmlTextWriterStartDocument(w_.get(), "1.0", nullptr, nullptr) >= 0;
    }

    void start(const char* name) { check(xmlTextWriterStartElement(w_.get(), X(name))); }
    void end() { check(xmlTextWriterEndElement(w_.get())); }
    void element(const char* name, std::string_view text) {
        start(name);
        write_text(text);
        end();
    }
    void write_text(std::string_view text) {
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

}  // namespace

// ---------------------------------------------------------------------------
// Public entry points

bool valid_method_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxMethodName) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '.' || c == ':' || c == '/';
        if (!ok) return false;
    }
    return true;
}

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
