#include "daemons/hvsim/options.h"

#include <charconv>

#include "lib/base/format.h"
#include "lib/base/paths.h"

#ifndef XVM_GUEST_PROGRAM
#define XVM_GUEST_PROGRAM "/usr/lib/xvm/xvm-guest"
#endif

namespace xvm::hvsim {
namespace {

bool parse_number(std::string_view text, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && out >= min && out <= max;
}

}  // namespace

std::string usage() {
    return "usage: hvsim [-b] [-d] [-n] [--cpus N] [--memory-mib N] [--dom0-mib N] [--socket PATH]\n"
           "             [--state-dir DIR] [--guest PROGRAM] [--guest-user USER]"
           " [--guest-group GROUP]";
}

void apply_setting(Options& o, std::string_view name, std::string_view value,
                   std::vector<std::string>& errors) {
    std::uint64_t n = 0;
    constexpr std::uint64_t kMaxMib = 1ull << 30;  // 1 PiB: beyond any host
    if (name == "cpus") {
        if (parse_number(value, 1, kMaxVcpus, n))
            o.host.cpus = static_cast<std::uint32_t>(n);
        else
            errors.push_back(cat("cpus: '", value, "' is not in 1..", kMaxVcpus));
    } else if (name == "memory-mib") {
        if (parse_number(value, 1, kMaxMib, n))
            o.host.memory_kib = n * 1024;
        else
            errors.push_back(cat("memory-mib: '", value, "' is not in 1..", kMaxMib));
    } else if (name == "dom0-mib") {
        if (parse_number(value, 1, kMaxMib, n))
            o.host.dom0_kib = n * 1024;
        else
            errors.push_back(cat("dom0-mib: '", value, "' is not in 1..", kMaxMib));
    } else if (name == "socket") {
        o.socket = value;
    } else if (name == "state-dir") {
        o.state_dir = value;
    } else if (name == "guest") {
        o.guest_program = value;
    } else if (name == "guest-user") {
        o.guest_user = value;
    } else if (name == "guest-group") {
        o.guest_group = value;
    } else {
        errors.push_back(cat("unknown setting '", name, "'"));
    }
}

Result<Options> parse_options(const std::vector<std::string>& args) {
    Options o;
    o.socket = root_path("/var/run/xvm/hvsim.sock");
    o.state_dir = root_path("/var/run/xvm/hvsim");
    // The installed default lives under the root like everything else; an
    // explicit --guest is taken as given.
    o.guest_program = root_path(XVM_GUEST_PROGRAM);
    std::vector<std::string> errors;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-d") {
            o.debug = true;
        } else if (a == "-n") {
            o.check_only = true;
        } else if (a == "-b") {
            o.background = true;
        } else if (a.rfind("--", 0) == 0 && a.size() > 2) {
            if (i + 1 >= args.size()) {
                errors.push_back(cat("option ", a, " needs a value"));
                break;
            }
            apply_setting(o, std::string_view(a).substr(2), args[++i], errors);
        } else {
            errors.push_back(cat("unexpected argument '", a, "'"));
        }
    }
    if (o.host.dom0_kib > o.host.memory_kib)
        errors.push_back(cat("dom0-mib: ", o.host.dom0_kib / 1024, " MiB is more than the host's ",
                             o.host.memory_kib / 1024, " MiB"));
    if (!errors.empty()) return make_error(cat("hvsim: ", join(errors, "; "), "\n", usage()));
    return o;
}

}  // namespace xvm::hvsim
