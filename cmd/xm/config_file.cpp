// The reader of xm configuration files: a lexer that cuts the text into
// logical lines of tokens (Python's rules for brackets, continuation lines
// and indentation), then a small recursive-descent evaluator per logical
// line. Both record problems and move on to the next logical line.
#include "cmd/xm/config_file.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>

#include "lib/base/format.h"
#include "lib/rpc/pystr.h"

namespace xvm::xm {

std::string ConfigValue::repr() const {
    switch (kind()) {
        case Kind::kString: return rpc::python_repr(str());
        case Kind::kInt: return std::to_string(int_value());
        case Kind::kFloat: {
            char buf[64];
            auto [end, ec] = std::to_chars(buf, buf + sizeof buf, float_value());
            std::string s(buf, ec == std::errc() ? end : buf);
            if (s.find_first_of(".ein") == std::string::npos) s += ".0";
            return s;
        }
        case Kind::kList: {
            std::string out = "[";
            for (std::size_t i = 0; i < list().size(); ++i) out += (i ? ", " : "") + list()[i].repr();
            return out + "]";
        }
        case Kind::kBool: return std::get<bool>(v) ? "True" : "False";
        case Kind::kNone: return "None";
    }
    return "?";
}

namespace {

struct Token {
    enum class Type : std::uint8_t { kName, kString, kNumber, kOp };
    Type type;
    std::string text;   // name, operator, or the decoded string
    ConfigValue value;  // numbers
    int line;
};

// One logical line: what Python would parse as one line of statements.
struct LogicalLine {
    std::vector<Token> tokens;
    int line = 0;  // where it starts
};

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }
bool digit(char c) { return c >= '0' && c <= '9'; }

std::string describe(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x21 && u < 0x7f) return cat("'", c, "'");
    return cat("character code ", static_cast<int>(u));
}

class Lexer {
public:
    Lexer(std::string_view in, std::vector<ConfigProblem>& problems) : in_(in), problems_(problems) {}

    // The next logical line with tokens; nullopt at the end of the text.
    std::optional<LogicalLine> next() {
        while (pos_ < in_.size()) {
            LogicalLine out;
            if (read_line(out) && !out.tokens.empty()) return out;
        }
        return std::nullopt;
    }

private:
    char peek(std::size_t ahead = 0) const { return pos_ + ahead < in_.size() ? in_[pos_ + ahead] : '\0'; }
    bool at_end() const { return pos_ >= in_.size(); }

    void problem(int line, std::string text) { problems_.push_back({line, std::move(text)}); }

    void skip_to_line_end() {
        while (!at_end() && in_[pos_] != '\n') ++pos_;
        if (!at_end()) ++pos_, ++line_;
    }

    // Reads one logical line; false when it had an error (already
    // reported; the rest of its physical line was skipped).
    bool read_line(LogicalLine& out) {
        out.line = line_;
        bool indented = peek() == ' ' || peek() == '\t' || peek() == '\f';
        int depth = 0;
        int open_line = 0;
        while (true) {
            if (at_end()) {
                if (depth > 0) {
                    problem(open_line, "a bracket opened here is never closed");
                    return false;
                }
                return true;
            }
            char c = in_[pos_];
            if (c == ' ' || c == '\t' || c == '\f' || c == '\r') {
                ++pos_;
            } else if (c == '#') {
                while (!at_end() && in_[pos_] != '\n') ++pos_;
            } else if (c == '\n') {
                ++pos_;
                ++line_;
                if (depth == 0) break;
            } else if (c == '\\' && (peek(1) == '\n' || (peek(1) == '\r' && peek(2) == '\n'))) {
                pos_ += peek(1) == '\n' ? 2 : 3;
                ++line_;
            } else {
                if (out.tokens.empty() && indented) {
                    problem(line_, "unexpected indent");
                    skip_to_line_end();
                    return false;
                }
                if (!read_token(out.tokens, depth, open_line)) {
                    skip_to_line_end();
                    return false;
                }
            }
        }
        return true;
    }

    bool read_token(std::vector<Token>& tokens, int& depth, int& open_line) {
        char c = in_[pos_];
        if (string_start()) return read_string(tokens);
        if (name_start(c)) {
            std::size_t start = pos_;
            while (!at_end() && name_char(in_[pos_])) ++pos_;
            tokens.push_back({Token::Type::kName, std::string(in_.substr(start, pos_ - start)), {}, line_});
            return true;
        }
        if (digit(c) || (c == '.' && digit(peek(1)))) return read_number(tokens);
        auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u >= 0x7f) {
            problem(line_, cat("invalid ", describe(c)));
            return false;
        }
        if (c == '[' || c == '(') {
            if (depth++ == 0) open_line = line_;
        } else if (c == ']' || c == ')') {
            if (depth == 0) {
                problem(line_, cat("unmatched '", c, "'"));
                return false;
            }
            --depth;
        }
        tokens.push_back({Token::Type::kOp, std::string(1, c), {}, line_});
        ++pos_;
        return true;
    }

    // A string literal starts here: an optional r/u/b prefix, then a quote.
    bool string_start() const {
        std::size_t i = 0;
        while (i < 2 && std::string_view("rRuUbB").find(peek(i)) != std::string_view::npos) ++i;
        return peek(i) == '\'' || peek(i) == '"';
    }

    bool read_string(std::vector<Token>& tokens) {
        int start_line = line_;
        bool raw = false;
        for (; peek() != '\'' && peek() != '"'; ++pos_) raw = raw || in_[pos_] == 'r' || in_[pos_] == 'R';
        char quote = in_[pos_];
        bool triple = peek(1) == quote && peek(2) == quote;
        pos_ += triple ? 3 : 1;
        std::size_t body_start = pos_;
        while (true) {
            if (at_end()) {
                problem(start_line, triple ? "a triple-quoted string opened here is never closed"
                                           : "the string opened here is not closed before the end of the line");
                return false;
            }
            char c = in_[pos_];
            if (c == '\\' && pos_ + 1 < in_.size()) {
                if (in_[pos_ + 1] == '\n') ++line_;
                pos_ += 2;
                continue;
            }
            if (c == '\n') {
                if (!triple) {
                    problem(start_line, "the string opened here is not closed before the end of the line");
                    return false;
                }
                ++line_;
            }
            if (c == quote && (!triple || (peek(1) == quote && peek(2) == quote))) break;
            ++pos_;
        }
        std::string_view body = in_.substr(body_start, pos_ - body_start);
        pos_ += triple ? 3 : 1;
        std::string text(body);
        if (!raw) {
            auto decoded = rpc::python_unescape(body);
            if (!decoded) {
                problem(start_line, cat("bad string literal: ", decoded.error().message));
                return false;
            }
            text = std::move(*decoded);
        }
        tokens.push_back({Token::Type::kString, std::move(text), {}, start_line});
        return true;
    }

    bool read_number(std::vector<Token>& tokens) {
        std::size_t start = pos_;
        while (!at_end() && (name_char(in_[pos_]) || in_[pos_] == '.' ||
                             ((in_[pos_] == '+' || in_[pos_] == '-') && pos_ > start &&
                              (in_[pos_ - 1] == 'e' || in_[pos_ - 1] == 'E') && !is_prefixed(start))))
            ++pos_;
        std::string_view text = in_.substr(start, pos_ - start);
        auto value = number_value(text);
        if (!value) {
            problem(line_, cat("invalid number '", text, "'"));
            return false;
        }
        tokens.push_back({Token::Type::kNumber, std::string(text), std::move(*value), line_});
        return true;
    }

    bool is_prefixed(std::size_t start) const {
        return in_[start] == '0' && start + 1 < in_.size() &&
               std::string_view("xXoObB").find(in_[start + 1]) != std::string_view::npos;
    }

    static std::optional<ConfigValue> integer(std::string_view digits, int base) {
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
        return ConfigValue{v};
    }

    // Python 2 numeric literals.
    static std::optional<ConfigValue> number_value(std::string_view t) {
        if (t.ends_with('L') || t.ends_with('l')) {
            t.remove_suffix(1);
            if (t.find_first_of(".eE") != std::string_view::npos && !t.starts_with("0x") && !t.starts_with("0X"))
                return std::nullopt;
        }
        if (t.size() > 2 && t[0] == '0') {
            switch (t[1]) {
                case 'x': case 'X': return integer(t.substr(2), 16);
                case 'o': case 'O': return integer(t.substr(2), 8);
                case 'b': case 'B': return integer(t.substr(2), 2);
                default: break;
            }
        }
        if (t.find_first_of(".eE") == std::string_view::npos) {
            if (t.size() > 1 && t[0] == '0') return integer(t.substr(1), 8);  // Python 2: 0755
            return integer(t, 10);
        }
        double d = 0;
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
        if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(d)) return std::nullopt;
        return ConfigValue{d};
    }

    std::string_view in_;
    std::vector<ConfigProblem>& problems_;
    std::size_t pos_ = 0;
    int line_ = 1;
};

// Evaluates the statements of one logical line.
class Evaluator {
public:
    Evaluator(std::vector<Assignment>& out, std::vector<ConfigProblem>& problems)
        : out_(out), problems_(problems) {}

    void line(const LogicalLine& l) {
        tokens_ = &l.tokens;
        pos_ = 0;
        while (pos_ < tokens_->size()) {
            if (!statement()) return;  // the rest of the line is dropped
            if (pos_ < tokens_->size()) {
                if (!is_op(";")) return fail(cat("unexpected ", what(), " after the value"));
                ++pos_;
            }
        }
    }

private:
    using Value = std::optional<ConfigValue>;

    const Token* tok() const { return pos_ < tokens_->size() ? &(*tokens_)[pos_] : nullptr; }
    bool is_op(std::string_view op) const {
        return tok() && tok()->type == Token::Type::kOp && tok()->text == op;
    }
    int line_no() const { return tok() ? tok()->line : tokens_->back().line; }

    std::string what() const {
        if (!tok()) return "end of line";
        switch (tok()->type) {
            case Token::Type::kName: return cat("'", tok()->text, "'");
            case Token::Type::kString: return "string";
            case Token::Type::kNumber: return cat("number ", tok()->text);
            case Token::Type::kOp: return cat("'", tok()->text, "'");
        }
        return "token";
    }

    void fail(std::string text) { problems_.push_back({line_no(), std::move(text)}); }
    Value fail_value(std::string text) {
        fail(std::move(text));
        return std::nullopt;
    }

    bool statement() {
        const Token* name = tok();
        if (!name || name->type != Token::Type::kName) {
            fail(cat("expected a setting (name = value), found ", what()));
            return false;
        }
        if (pos_ + 1 >= tokens_->size() || (*tokens_)[pos_ + 1].text != "=" ||
            (*tokens_)[pos_ + 1].type != Token::Type::kOp) {
            ++pos_;
            fail(keyword(name->text) ? cat("'", name->text, "' statements are not supported, only settings (name = value)")
                                     : cat("expected '=' after '", name->text, "', found ", what()));
            return false;
        }
        if (keyword(name->text)) {
            fail(cat("'", name->text, "' cannot be assigned to"));
            return false;
        }
        pos_ += 2;
        nodes_ = 0;
        Value v = expression(0);
        if (!v) return false;
        env_[name->text] = *v;
        out_.push_back({name->text, std::move(*v), name->line});
        return true;
    }

    static bool keyword(std::string_view n) {
        for (std::string_view k : {"import", "from", "def", "class", "if", "elif", "else", "for", "while", "print",
                                   "del", "pass", "return", "exec", "global", "try", "except", "finally", "with",
                                   "lambda", "assert", "raise", "yield", "and", "or", "not", "in", "is", "True",
                                   "False", "None"})
            if (n == k) return true;
        return false;
    }

    Value expression(std::size_t depth) {
        Value left = term(depth);
        while (left && is_op("+")) {
            ++pos_;
            Value right = term(depth);
            if (!right) return std::nullopt;
            left = add(*left, *right);
        }
        return left;
    }

    Value add(const ConfigValue& a, const ConfigValue& b) {
        using K = ConfigValue::Kind;
        if (a.kind() == K::kString && b.kind() == K::kString) return ConfigValue{a.str() + b.str()};
        if (a.kind() == K::kList && b.kind() == K::kList) {
            ConfigValue::List l = a.list();
            l.insert(l.end(), b.list().begin(), b.list().end());
            return ConfigValue{std::move(l)};
        }
        if (a.kind() == K::kInt && b.kind() == K::kInt) {
            std::int64_t sum = 0;
            if (__builtin_add_overflow(a.int_value(), b.int_value(), &sum)) return fail_value("number too large");
            return ConfigValue{sum};
        }
        auto num = [](const ConfigValue& v) -> std::optional<double> {
            if (v.kind() == K::kInt) return static_cast<double>(v.int_value());
            if (v.kind() == K::kFloat) return v.float_value();
            return std::nullopt;
        };
        if (num(a) && num(b)) return ConfigValue{*num(a) + *num(b)};
        return fail_value(cat("cannot add ", a.repr(), " and ", b.repr()));
    }

    Value term(std::size_t depth) {
        if (++nodes_ > kMaxListItems) return fail_value(cat("more than ", kMaxListItems, " values in one setting"));
        const Token* t = tok();
        if (!t) return fail_value("a value is missing");
        switch (t->type) {
            case Token::Type::kString: {
                std::string s;
                while (tok() && tok()->type == Token::Type::kString) s += (*tokens_)[pos_++].text;
                return ConfigValue{std::move(s)};
            }
            case Token::Type::kNumber: ++pos_; return t->value;
            case Token::Type::kName: ++pos_; return name_value(t->text);
            case Token::Type::kOp: break;
        }
        if (is_op("-") || is_op("+")) {
            bool negate = t->text == "-";
            ++pos_;
            Value v = term(depth);
            if (!v) return std::nullopt;
            if (!negate) return v;
            if (v->kind() == ConfigValue::Kind::kInt) return ConfigValue{-v->int_value()};
            if (v->kind() == ConfigValue::Kind::kFloat) return ConfigValue{-v->float_value()};
            return fail_value(cat("cannot negate ", v->repr()));
        }
        if (is_op("[")) return list(depth + 1);
        if (is_op("(")) {
            ++pos_;
            Value v = expression(depth + 1);
            if (!v) return std::nullopt;
            if (is_op(",")) return fail_value("tuples are not supported: write a list [...]");
            if (!is_op(")")) return fail_value(cat("expected ')', found ", what()));
            ++pos_;
            return v;
        }
        return fail_value(cat("unexpected ", what(), " where a value belongs"));
    }

    Value name_value(const std::string& n) {
        if (n == "True") return ConfigValue{true};
        if (n == "False") return ConfigValue{false};
        if (n == "None") return ConfigValue{std::monostate{}};
        auto it = env_.find(n);
        if (it == env_.end()) return fail_value(cat("name '", n, "' is not defined (values must be written out)"));
        return it->second;
    }

    Value list(std::size_t depth) {
        if (depth > kMaxNesting) return fail_value(cat("lists nested deeper than ", kMaxNesting));
        ++pos_;  // [
        ConfigValue::List items;
        while (!is_op("]")) {
            Value item = expression(depth);
            if (!item) return std::nullopt;
            items.push_back(std::move(*item));
            if (is_op(",")) {
                ++pos_;
            } else if (!is_op("]")) {
                return fail_value(cat("expected ',' or ']' in a list, found ", what()));
            }
        }
        ++pos_;  // ]
        return ConfigValue{std::move(items)};
    }

    std::vector<Assignment>& out_;
    std::vector<ConfigProblem>& problems_;
    std::map<std::string, ConfigValue, std::less<>> env_;
    const std::vector<Token>* tokens_ = nullptr;
    std::size_t pos_ = 0;
    std::size_t nodes_ = 0;
};

}  // namespace

ParsedConfig parse_config_file(std::string_view text) {
    ParsedConfig out;
    if (text.size() > kMaxConfigBytes) {
        out.problems.push_back({0, cat("the file is ", text.size(), " bytes, over the limit of ", kMaxConfigBytes)});
        return out;
    }
    Lexer lexer(text, out.problems);
    Evaluator evaluator(out.assignments, out.problems);
    while (auto line = lexer.next()) evaluator.line(*line);
    std::stable_sort(out.problems.begin(), out.problems.end(),
                     [](const ConfigProblem& a, const ConfigProblem& b) { return a.line < b.line; });
    return out;
}

}  // namespace xvm::xm
