// S-expressions as xend writes them and xm reads them (XEND.md section 2;
// the original is tools/python/xen/xend/sxp.py and PrettyPrint.py), shared
// by xend, xm and the legacy HTTP interface. No library exists for this
// dialect, so it is parsed by hand here, in one small module with its
// fuzz target (tests/fuzz/sexpr_fuzz.cpp).
//
// Text form:
//   value  = list | string | atom
//   list   = "(" value* ")"
//   string = "'" ... "'" | '"' ... '"'    C escapes: \a \b \f \n \r \t \v
//            \\ \' \" \ooo \xhh; any other backslash is kept
//   atom   = a run of bytes ending at whitespace, "#" or one of {}()<>[]!;
//   "#" starts a comment to the end of the line (outside strings and atoms)
// Parsed atoms and strings are both strings; numbers stay text until asked
// for (value_int()). Values built in code, or converted from XML-RPC, may
// also hold ints and doubles, printed as Python printed them.
//
// Limits: input over ParseLimits::max_bytes, nesting deeper than
// max_depth and more than max_nodes values are errors, so a hostile peer
// cannot make the parser recurse or allocate without bound. Every parse
// error names its line and column (1-based) and leaves nothing behind.
//
// Printers: sexpr_to_string() is xend's compact form (sxp.show), what
// goes over the wire; sexpr_pretty() is PrettyPrint.prettyprint, what
// `xm list --long` and config.sxp show. Strings print bare when made only
// of letters, digits and .-_:/~ (the empty string prints as nothing),
// otherwise as Python 2 repr.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lib/base/result.h"

namespace xvm::rpc {

class Sexpr {
public:
    enum class Kind : std::uint8_t { kString, kInt, kDouble, kList };
    using List = std::vector<Sexpr>;

    Sexpr() : v_(List{}) {}  // the empty list
    static Sexpr string(std::string s) { return Sexpr(std::move(s)); }
    static Sexpr integer(std::int64_t i) { return Sexpr(i); }
    static Sexpr real(double d) { return Sexpr(d); }
    static Sexpr list(List items = {}) { return Sexpr(std::move(items)); }
    // (name value): the usual field shape.
    static Sexpr pair(std::string name, Sexpr value);

    Kind kind() const { return static_cast<Kind>(v_.index()); }
    bool is_list() const { return kind() == Kind::kList; }
    bool is_string() const { return kind() == Kind::kString; }

    // Accessors for the matching kind (precondition: kind() fits).
    const std::string& str() const { return std::get<std::string>(v_); }
    std::int64_t int_value() const { return std::get<std::int64_t>(v_); }
    double double_value() const { return std::get<double>(v_); }
    const List& items() const { return std::get<List>(v_); }
    List& items() { return std::get<List>(v_); }

    // Appends to a list (precondition: is_list()); returns *this.
    Sexpr& add(Sexpr item);
    Sexpr& add(std::string name, Sexpr value) { return add(pair(std::move(name), std::move(value))); }

    // sxp.name(): the first element of a list when it is a string, a
    // string's own text; "" otherwise.
    std::string_view name() const;
    // sxp.child(): the first element after the head that is a list named
    // `name`; nullptr when none.
    const Sexpr* child(std::string_view name) const;
    // sxp.children(): every such list, in order.
    std::vector<const Sexpr*> children(std::string_view name) const;
    // sxp.child_value(): the second element of child(name); nullptr when
    // the child is missing or has no value.
    const Sexpr* child_value(std::string_view name) const;

    // An atom's text as str() printed it: the string itself, an int in
    // decimal, a double as python_float_str(); nullopt for a list.
    std::optional<std::string> text() const;
    // An int, or a string holding a decimal integer (optional sign, no
    // spaces) that fits 64 bits; nullopt otherwise.
    std::optional<std::int64_t> as_int() const;
    // An int or double, or a string holding a number as float() reads it.
    std::optional<double> as_double() const;

    // text() / as_int() of child_value(name).
    std::optional<std::string> value_text(std::string_view name) const;
    std::optional<std::int64_t> value_int(std::string_view name) const;

    bool operator==(const Sexpr& other) const = default;

private:
    explicit Sexpr(std::string s) : v_(std::move(s)) {}
    explicit Sexpr(std::int64_t i) : v_(i) {}
    explicit Sexpr(double d) : v_(d) {}
    explicit Sexpr(List l) : v_(std::move(l)) {}

    // Index order matches Kind.
    std::variant<std::string, std::int64_t, double, List> v_;
};

struct SexprLimits {
    std::size_t max_bytes = 4 * 1024 * 1024;
    std::size_t max_depth = 64;
    std::size_t max_nodes = 256 * 1024;
};

// Every value in `text` (a config file or a request may hold several).
// Errors: "line L, column C: <reason>" with reasons such as "unexpected
// end of input in a list opened at line 1, column 1", "unexpected ')'",
// "invalid character (code 1)", "lists nested deeper than 64".
Result<std::vector<Sexpr>> parse_sexprs(std::string_view text, const SexprLimits& limits = {});
// Exactly one value (surrounding whitespace and comments allowed).
Result<Sexpr> parse_sexpr(std::string_view text, const SexprLimits& limits = {});

// sxp.show(): compact, one line, no trailing newline.
std::string sexpr_to_string(const Sexpr& value);
// PrettyPrint.prettyprint(value, width): a list that fits in the rest of
// the line is written flat; otherwise each element after the first starts
// a new line indented 4 past its "(", and the ")" gets a line of its own
// under the "(". Ends with a newline.
std::string sexpr_pretty(const Sexpr& value, std::size_t width = 80);

// sxp.atomp(): whether a string prints bare.
bool sexpr_bare_atom(std::string_view s);

}  // namespace xvm::rpc
