// The S-expression parser and printers. The parser is a recursive descent
// whose depth is bounded by SexprLimits::max_depth before it recurses, so
// hostile input cannot exhaust the stack; positions are computed only when
// an error is reported.
#include "lib/rpc/sexpr.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>

#include "lib/base/format.h"
#include "lib/rpc/pystr.h"

namespace xvm::rpc {

// ---------------------------------------------------------------------------
// The value

Sexpr Sexpr::pair(std::string name, Sexpr value) {
    List items;
    items.reserve(2);
    items.push_back(string(std::move(name)));
    items.push_back(std::move(value));
    return list(std::move(items));
}

Sexpr& Sexpr::add(Sexpr item) {
    items().push_back(std::move(item));
    return *this;
}

std::string_view Sexpr::name() const {
    if (is_string()) return str();
    if (is_list() && !items().empty() && items().front().is_string()) return items().front().str();
    return {};
}

const Sexpr* Sexpr::child(std::string_view want) const {
    if (!is_list()) return nullptr;
    const List& all = items();
    for (std::size_t i = 1; i < all.size(); ++i)
        if (all[i].is_list() && !all[i].items().empty() && all[i].name() == want) return &all[i];
    return nullptr;
}

std::vector<const Sexpr*> Sexpr::children(std::string_view want) const {
    std::vector<const Sexpr*> out;
    if (!is_list()) return out;
    const List& all = items();
    for (std::size_t i = 1; i < all.size(); ++i)
        if (all[i].is_list() && !all[i].items().empty() && all[i].name() == want)
            out.push_back(&all[i]);
    return out;
}

const Sexpr* Sexpr::child_value(std::string_view want) const {
    const Sexpr* c = child(want);
    if (!c || c->items().size() < 2) return nullptr;
    return &c->items()[1];
}

std::optional<std::string> Sexpr::text() const {
    switch (kind()) {
        case Kind::kString: return str();
        case Kind::kInt: return std::to_string(int_value());
        case Kind::kDouble: return python_float_str(double_value());
        case Kind::kList: break;
    }
    return std::nullopt;
}

std::optional<std::int64_t> Sexpr::as_int() const {
    if (kind() == Kind::kInt) return int_value();
    if (!is_string()) return std::nullopt;
    std::string_view s = str();
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return value;
}

std::optional<double> Sexpr::as_double() const {
    if (kind() == Kind::kDouble) return double_value();
    if (kind() == Kind::kInt) return static_cast<double>(int_value());
    if (!is_string() || str().empty()) return std::nullopt;
    const std::string& s = str();
    errno = 0;
    char* end = nullptr;
    double value = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || errno == ERANGE) return std::nullopt;
    return value;
}

std::optional<std::string> Sexpr::value_text(std::string_view want) const {
    const Sexpr* v = child_value(want);
    return v ? v->text() : std::nullopt;
}

std::optional<std::int64_t> Sexpr::value_int(std::string_view want) const {
    const Sexpr* v = child_value(want);
    return v ? v->as_int() : std::nullopt;
}

// ---------------------------------------------------------------------------
// The parser

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool ends_atom(char c) {
    if (is_space(c) || c == '#') return true;
    for (char s : std::string_view("{}()<>[]!;"))
        if (c == s) return true;
    return false;
}

// Control bytes other than whitespace never appear in xend's output.
bool is_control(char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && !is_space(c)) || u == 0x7f;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

class Parser {
public:
    Parser(std::string_view in, const SexprLimits& limits) : in_(in), limits_(limits) {}

    Result<std::vector<Sexpr>> all() {
        std::vector<Sexpr> out;
        while (true) {
            skip_blank();
            if (at_end()) return out;
            auto value = parse_value(0);
            if (!value) return std::move(value).error();
            out.push_back(std::move(*value));
        }
    }

private:
    bool at_end() const { return pos_ >= in_.size(); }

    // "line L, column C: reason" for the byte at `at`.
    Error error_at(std::size_t at, std::string_view reason) const { return make_error(cat(where(at), ": ", reason)); }

    std::string where(std::size_t at) const {
        std::size_t line = 1, column = 1;
        for (std::size_t i = 0; i < at && i < in_.size(); ++i) {
            if (in_[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        return cat("line ", line, ", column ", column);
    }

    void skip_blank() {
        while (!at_end()) {
            if (is_space(in_[pos_])) {
                ++pos_;
            } else if (in_[pos_] == '#') {
                while (!at_end() && in_[pos_] != '\n') ++pos_;
            } else {
                return;
            }
        }
    }

    Status count_node(std::size_t at) {
        if (++nodes_ > limits_.max_nodes)
            return error_at(at, cat("more than ", limits_.max_nodes, " values"));
        return {};
    }

    Result<Sexpr> parse_value(std::size_t depth) {
        std::size_t start = pos_;
        if (auto counted = count_node(start); !counted) return std::move(counted).error();
        char c = in_[pos_];
        if (c == '(') return parse_list(depth + 1);
        if (c == ')') return error_at(start, "unexpected ')'");
        if (c == '\'' || c == '"') return parse_string();
        if (is_control(c))
            return error_at(start, cat("invalid character (code ", static_cast<int>(static_cast<unsigned char>(c)), ")"));
        return parse_atom();
    }

    Result<Sexpr> parse_list(std::size_t depth) {
        std::size_t open = pos_;
        if (depth > limits_.max_depth)
            return error_at(open, cat("lists nested deeper than ", limits_.max_depth));
        ++pos_;
        Sexpr list = Sexpr::list();
        while (true) {
            skip_blank();
            if (at_end())
                return error_at(pos_, cat("unexpected end of input in the list opened at ", where(open)));
            if (in_[pos_] == ')') {
                ++pos_;
                return list;
            }
            auto item = parse_value(depth);
            if (!item) return std::move(item).error();
            list.add(std::move(*item));
        }
    }

    // The first byte may be one of {}<>[]!; (sxp.py starts an atom with any
    // printable character); the atom then runs to the next delimiter.
    Result<Sexpr> parse_atom() {
        std::size_t start = pos_++;
        while (!at_end() && !ends_atom(in_[pos_])) {
            if (is_control(in_[pos_]))
                return error_at(pos_, cat("invalid character (code ",
                                          static_cast<int>(static_cast<unsigned char>(in_[pos_])), ")"));
            ++pos_;
        }
        return Sexpr::string(std::string(in_.substr(start, pos_ - start)));
    }

    Result<Sexpr> parse_string() {
        std::size_t open = pos_;
        char quote = in_[pos_++];
        std::string text;
        while (true) {
            if (at_end())
                return error_at(pos_, cat("unexpected end of input in the string opened at ", where(open)));
            char c = in_[pos_];
            if (c == quote) {
                ++pos_;
                return Sexpr::string(std::move(text));
            }
            if (c != '\\') {
                text += c;
                ++pos_;
                continue;
            }
            if (auto escaped = parse_escape(text); !escaped) return std::move(escaped).error();
        }
    }

    // At a backslash inside a string: appends what it stands for.
    Status parse_escape(std::string& text) {
        std::size_t at = pos_++;
        if (at_end()) return error_at(pos_, "unexpected end of input after a backslash");
        char c = in_[pos_++];
        switch (c) {
            case 'a': text += '\a'; return {};
            case 'b': text += '\b'; return {};
            case 'f': text += '\f'; return {};
            case 'n': text += '\n'; return {};
            case 'r': text += '\r'; return {};
            case 't': text += '\t'; return {};
            case 'v': text += '\v'; return {};
            case '\\': case '\'': case '"': text += c; return {};
            default: break;
        }
        if (c == 'x') {
            int value = 0, digits = 0;
            while (digits < 2 && !at_end() && hex_value(in_[pos_]) >= 0) {
                value = value * 16 + hex_value(in_[pos_++]);
                ++digits;
            }
            if (digits == 0) return error_at(at, "\\x escape without hex digits");
            text += static_cast<char>(value);
            return {};
        }
        if (c >= '0' && c <= '7') {
            int value = c - '0';
            for (int digits = 1; digits < 3 && !at_end() && in_[pos_] >= '0' && in_[pos_] <= '7'; ++digits)
                value = value * 8 + (in_[pos_++] - '0');
            if (value > 0xff) return error_at(at, "octal escape out of range (over \\377)");
            text += static_cast<char>(value);
            return {};
        }
        // Unknown escapes stay as written, as in a Python literal.
        text += '\\';
        text += c;
        return {};
    }

    std::string_view in_;
    const SexprLimits& limits_;
    std::size_t pos_ = 0;
    std::size_t nodes_ = 0;
};

}  // namespace

Result<std::vector<Sexpr>> parse_sexprs(std::string_view text, const SexprLimits& limits) {
    if (text.size() > limits.max_bytes)
        return make_error(cat("S-expression text of ", text.size(), " bytes is over the limit of ",
                              limits.max_bytes, " bytes"));
    return Parser(text, limits).all();
}

Result<Sexpr> parse_sexpr(std::string_view text, const SexprLimits& limits) {
    auto all = parse_sexprs(text, limits);
    if (!all) return std::move(all).error();
    if (all->size() != 1)
        return make_error(all->empty() ? std::string("no S-expression in the input")
                                       : cat("expected one S-expression, found ", all->size()));
    return std::move(all->front());
}

// ---------------------------------------------------------------------------
// The printers

bool sexpr_bare_atom(std::string_view s) {
    if (s == "@") return true;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_' || c == ':' || c == '/' || c == '~';
        if (!ok) return false;
    }
    return true;
}

namespace {

void show(const Sexpr& v, std::string& out) {
    switch (v.kind()) {
        case Sexpr::Kind::kList: {
            out += '(';
            bool first = true;
            for (const Sexpr& item : v.items()) {
                if (!first) out += ' ';
                first = false;
                show(item, out);
            }
            out += ')';
            return;
        }
        case Sexpr::Kind::kString:
            out += sexpr_bare_atom(v.str()) ? v.str() : python_repr(v.str());
            return;
        case Sexpr::Kind::kInt:
        case Sexpr::Kind::kDouble:
            out += *v.text();
            return;
    }
}

void newline(std::string& out, std::size_t indent) {
    out += '\n';
    out.append(indent, ' ');
}

// Writes `v` starting at column `column`. Each list is one of
// PrettyPrint's "all-or-nothing" blocks: flat when its flat width fits
// before `width`, otherwise every break inside it is a newline.
void pretty(const Sexpr& v, std::size_t column, std::size_t width, std::string& out) {
    std::string flat;
    show(v, flat);
    if (!v.is_list() || column + flat.size() <= width) {
        out += flat;
        return;
    }
    out += '(';
    std::size_t index = 0;
    for (const Sexpr& item : v.items()) {
        std::size_t at = column + 1;
        if (index++ > 0) {
            newline(out, column + 4);
            at = column + 4;
        }
        pretty(item, at, width, out);
    }
    newline(out, column);
    out += ')';
}

}  // namespace

std::string sexpr_to_string(const Sexpr& value) {
    std::string out;
    show(value, out);
    return out;
}

std::string sexpr_pretty(const Sexpr& value, std::size_t width) {
    std::string out;
    pretty(value, 0, width, out);
    out += '\n';
    return out;
}

}  // namespace xvm::rpc
