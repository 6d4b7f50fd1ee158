// xm domain configuration files (`xm create web01`): the syntax. The
// original ran the file as Python (XEND.md section 4); xm here reads the
// part of Python that configuration files are written in, by hand - no
// library parses "Python assignments", and running an interpreter on a
// file would run whatever else it holds. The keys and what their values
// mean are config_keys.h's business.
//
//   file       = { statement? (";" statement)* [";"] [comment] NEWLINE }
//   statement  = NAME "=" expression
//   expression = term { "+" term }            str+str, list+list, int+int
//   term       = STRING { STRING }            adjacent literals concatenate
//              | ["-"|"+"] NUMBER | "[" [expression {"," expression} [","]] "]"
//              | NAME                         a key assigned earlier
//   STRING     = [r|u|b|ur|br] '...' | "..." | '''...''' | """..."""
//                with Python 2 escapes; NUMBER = decimal, 0x, 0o, 0b,
//                leading-0 octal, trailing L, or a float
//   "#" starts a comment; "\" at the end of a line continues it; inside
//   brackets newlines do not end a statement. An indented statement is
//   an error, as in Python. True, False and None parse (as Python values
//   xm ignored) so that config_keys.h can say why they are refused.
//
// Errors do not stop the reader: a bad statement is reported with its
// line and skipped up to the next line, so every mistake in a file is
// reported at once. Bounds: kMaxConfigBytes of text, kMaxNesting list
// depth, kMaxListItems items in all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xvm::xm {

inline constexpr std::size_t kMaxConfigBytes = 1024 * 1024;
inline constexpr std::size_t kMaxNesting = 16;
inline constexpr std::size_t kMaxListItems = 65536;

// A Python value of the kinds a configuration file may hold.
struct ConfigValue {
    enum class Kind : std::uint8_t { kString, kInt, kFloat, kList, kBool, kNone };
    using List = std::vector<ConfigValue>;

    std::variant<std::string, std::int64_t, double, List, bool, std::monostate> v;

    Kind kind() const { return static_cast<Kind>(v.index()); }
    const std::string& str() const { return std::get<std::string>(v); }
    std::int64_t int_value() const { return std::get<std::int64_t>(v); }
    double float_value() const { return std::get<double>(v); }
    const List& list() const { return std::get<List>(v); }
    // Python's repr() of the value, for messages: 'a', 12, [1, 'b'], True.
    std::string repr() const;
    bool operator==(const ConfigValue& other) const = default;
};

struct Assignment {
    std::string key;
    ConfigValue value;
    int line = 0;
};

struct ConfigProblem {
    int line = 0;  // 0: not from a file line (the command line, the file as a whole)
    std::string text;
    bool operator==(const ConfigProblem& other) const = default;
};

struct ParsedConfig {
    std::vector<Assignment> assignments;  // in file order; a key may repeat
    std::vector<ConfigProblem> problems;  // empty when the file is well-formed
};

ParsedConfig parse_config_file(std::string_view text);

}  // namespace xvm::xm
