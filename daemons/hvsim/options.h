// hvsim's configuration, parsed in one place: command-line options now;
// the SMF properties config/cpus, config/memory-mib and config/dom0-mib
// map onto the same fields (apply_property) once the SMF layer lands.
#pragma once

#include <string>
#include <vector>

#include "daemons/hvsim/domain_table.h"
#include "lib/base/result.h"

namespace xvm::hvsim {

struct Options {
    HostSize host;
    std::string socket;     // default <root>/var/run/xvm/hvsim.sock
    std::string state_dir;  // default <root>/var/run/xvm/hvsim
    std::string guest_program;
    std::string guest_user = "nobody";
    std::string guest_group = "nogroup";
    bool debug = false;
    bool check_only = false;  // -n: validate, report, exit
    bool background = false;  // -b: detach once ready (SMF start method)
};

// Every error is reported (joined by "; "), not just the first.
Result<Options> parse_options(const std::vector<std::string>& args);

// One named setting, as an option or an SMF property carries it:
// "cpus", "memory-mib", "dom0-mib", "socket", "state-dir", "guest",
// "guest-user", "guest-group". Appends an error to `errors` on bad values.
void apply_setting(Options& options, std::string_view name, std::string_view value,
                   std::vector<std::string>& errors);

std::string usage();

}  // namespace xvm::hvsim
