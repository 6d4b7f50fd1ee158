#include "daemons/hvsim/options.h"

#include <cstdlib>

#include "lib/base/format.h"
#include "lib/base/paths.h"

#ifndef XVM_GUEST_PROGRAM
#define XVM_GUEST_PROGRAM "/usr/lib/xvm/xvm-guest"
#endif

namespace xvm::hvsim {
namespace {

constexpr std::int64_t kMaxMib = std::int64_t{1} << 30;  // 1 PiB: beyond any host

const kit::Setting<Settings> kTable[] = {
    {.name = "cpus", .member = &Settings::cpus, .range = {1, kMaxVcpus}, .restart_only = true},
    {.name = "memory-mib", .member = &Settings::memory_mib, .range = {1, kMaxMib},
     .restart_only = true},
    {.name = "dom0-mib", .member = &Settings::dom0_mib, .range = {1, kMaxMib},
     .restart_only = true},
    {.name = "socket", .member = &Settings::socket, .restart_only = true},
    {.name = "state-dir", .member = &Settings::state_dir, .restart_only = true},
    {.name = "guest", .member = &Settings::guest_program, .restart_only = true},
    {.name = "guest-user", .member = &Settings::guest_user, .restart_only = true},
    {.name = "guest-group", .member = &Settings::guest_group, .restart_only = true},
};

Settings defaults() {
    Settings s;
    s.socket = root_path("/var/run/xvm/hvsim.sock");
    s.state_dir = root_path("/var/run/xvm/hvsim");
    // The installed default lives under the root like everything else; an
    // explicit --guest is taken as given.
    s.guest_program = root_path(XVM_GUEST_PROGRAM);
    return s;
}

}  // namespace

std::string usage() {
    return "usage: hvsim [-b] [-d] [-n] [--cpus N] [--memory-mib N] [--dom0-mib N] [--socket PATH]\n"
           "             [--state-dir DIR] [--guest PROGRAM] [--guest-user USER]"
           " [--guest-group GROUP]";
}

Result<Options> parse_options(const std::vector<std::string>& args) {
    Options o;
    kit::ServiceConfig<Settings> config(kTable, defaults());
    std::vector<std::string> errors;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-d") {
            o.debug = true;
        } else if (a == "-n") {
            o.check_only = true;
        } else if (a == "-b") {
            o.background = true;
        } else if (a.starts_with("--") && a.size() > 2) {
            if (i + 1 >= args.size()) {
                errors.push_back(cat("option ", a, " needs a value"));
                break;
            }
            Status s = config.set_override(std::string_view(a).substr(2), args[++i], a);
            if (!s) errors.push_back(s.error().message);
        } else {
            errors.push_back(cat("unexpected argument '", a, "'"));
        }
    }
    const char* fmri = std::getenv("SMF_FMRI");
    auto loaded = config.load(fmri ? fmri : "");
    if (!loaded) errors.push_back(loaded.error().message);
    else o.settings = *loaded;
    const Settings& s = o.settings;
    o.host = HostSize{.cpus = s.cpus, .memory_kib = s.memory_mib * 1024, .dom0_kib = s.dom0_mib * 1024};
    if (loaded && s.dom0_mib > s.memory_mib)
        errors.push_back(cat("dom0-mib: ", s.dom0_mib, " MiB is more than the host's ", s.memory_mib,
                             " MiB"));
    if (!errors.empty()) return make_error(cat("hvsim: ", join(errors, "; "), "\n", usage()));
    return o;
}

}  // namespace xvm::hvsim
