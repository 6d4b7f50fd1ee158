#include "lib/rpc/pystr.h"

#include <cmath>
#include <cstdio>

#include "lib/base/format.h"

namespace xvm::rpc {

namespace {

constexpr char kHex[] = "0123456789abcdef";

char choose_quote(std::string_view s) {
    bool single = s.find('\'') != std::string_view::npos;
    bool dbl = s.find('"') != std::string_view::npos;
    return single && !dbl ? '"' : '\'';
}

void append_body(std::string& out, std::string_view s, char quote) {
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (ch == quote || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (ch == '\t') {
            out += "\\t";
        } else if (ch == '\n') {
            out += "\\n";
        } else if (ch == '\r') {
            out += "\\r";
        } else if (c < 0x20 || c >= 0x7f) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += ch;
        }
    }
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char named_escape(char c) {
    switch (c) {
        case '\\': return '\\';
        case '\'': return '\'';
        case '"': return '"';
        case 'a': return '\a';
        case 'b': return '\b';
        case 'f': return '\f';
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        case 'v': return '\v';
        default: return 0;
    }
}

}  // namespace

std::string python_repr(std::string_view s) {
    char quote = choose_quote(s);
    std::string out(1, quote);
    append_body(out, s, quote);
    out += quote;
    return out;
}

std::string python_repr_body(std::string_view s) {
    std::string out;
    append_body(out, s, choose_quote(s));
    return out;
}

Result<std::string> python_unescape(std::string_view body) {
    std::string out;
    out.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] != '\\') {
            out += body[i];
            continue;
        }
        if (i + 1 == body.size())
            return make_error(cat("string ends in a lone backslash at offset ", i));
        char c = body[++i];
        if (char named = named_escape(c)) {
            out += named;
        } else if (c == '\n') {
            // A backslash-newline continues the literal: nothing is added.
        } else if (c >= '0' && c <= '7') {
            int value = c - '0';
            for (int n = 1; n < 3 && i + 1 < body.size() && body[i + 1] >= '0' &&
                            body[i + 1] <= '7';
                 ++n)
                value = value * 8 + (body[++i] - '0');
            out += static_cast<char>(value & 0xff);
        } else if (c == 'x') {
            int hi = i + 1 < body.size() ? hex_digit(body[i + 1]) : -1;
            int lo = i + 2 < body.size() ? hex_digit(body[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return make_error(cat("invalid \\x escape at offset ", i - 1));
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += '\\';
            out += c;
        }
    }
    return out;
}

std::string python_float_str(double f) {
    if (std::isnan(f)) return "nan";
    if (std::isinf(f)) return f < 0 ? "-inf" : "inf";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.12g", f);
    std::string out = buf;
    if (out.find_first_of(".en") == std::string::npos) out += ".0";
    return out;
}

}  // namespace xvm::rpc
