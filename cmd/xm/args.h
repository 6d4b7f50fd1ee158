// Command-line helpers shared by xm's subcommands, each behaving as the
// Python function of main.py it replaces (the messages are the ones
// scripts saw): Python's getopt.gnu_getopt, arg_check, int(), int_unit()
// for memory sizes, and vcpu-pin's cpu_make_map().
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cmd/xm/failure.h"

namespace xvm::xm {

using Args = std::span<const std::string>;

struct Options {
    std::vector<std::pair<std::string, std::string>> given;  // ("-l", ""), ("--state", "running")
    std::vector<std::string> params;                         // the other words, in order

    bool has(std::string_view short_name, std::string_view long_name) const;
    // The value of the last occurrence; nullopt when not given.
    std::optional<std::string> value(std::string_view short_name, std::string_view long_name) const;
};

// getopt.gnu_getopt(args, shortopts, longopts): options anywhere, "--"
// ends them, short options cluster ("-wa"), a ':' after a short option or
// '=' after a long one takes a value, long options may be abbreviated to
// a unique prefix. Errors as Python words them ("option -x not
// recognized"), as usage failures.
Expected<Options> gnu_getopt(Args args, std::string_view shortopts, std::initializer_list<std::string_view> longopts);

// main.py arg_check(): the number of words (not counting "--") must be
// `lo`, or within lo..hi when hi >= 0.
Outcome arg_check(Args args, std::string_view command, int lo, int hi = -1);

// Python's int(s): optional blanks and sign, decimal digits.
std::optional<std::int64_t> py_int(std::string_view s);

// main.py int_unit(s, 'm'): a size with an optional k/m/g suffix (any
// case) in MiB, rounded down as Python 2 did. An unknown suffix is an
// error here (the original printed "ignoring unknown unit" and went on).
std::optional<std::int64_t> size_in_mib(std::string_view s);

// vcpu-pin's cpu_make_map(): "0-3,^1,5" or "all" (0-63), sorted, as a
// list of CPU numbers; nullopt when it is not such a list.
std::optional<std::vector<std::int32_t>> cpu_make_map(std::string_view spec);

}  // namespace xvm::xm
