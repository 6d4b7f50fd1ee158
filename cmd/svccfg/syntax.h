// The svccfg command-line value syntax of illumos (svccfg(8)):
//     config/dom0-min-mem = integer: 512
//     config/vnc-listen = "127.0.0.1"
//     config/list = astring: ("a b" "c" d)
// A type is recognised only when it is a known type name followed by ':'
// (so "svc:/x" stays a value). Quoted strings take \" and \\ escapes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.h"
#include "lib/smf/smf_types.h"

namespace xvm::svccfg {

struct SetpropArgs {
    std::string pg;
    std::string prop;
    std::optional<smf::PropType> type;
    std::vector<std::string> values;
};

// Splits a command line into words: blanks separate, double quotes group
// (the quotes are kept off, escapes resolved), '(' and ')' are words.
// `quoted` marks which words came from quotes.
struct Word {
    std::string text;
    bool quoted = false;
};
Result<std::vector<Word>> lex(std::string_view line);

// "pg/prop = [type:] value | (values)"
Result<SetpropArgs> parse_setprop(std::string_view line);

// A value shown as svccfg/svcprop show it: quoted when it is empty or has
// blanks or quotes ("" for empty), with \" and \\ escaped.
std::string quote_if_needed(std::string_view value);

}  // namespace xvm::svccfg
