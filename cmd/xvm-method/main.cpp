// xvm-method - the first step of every xctl start method (store, xend,
// console): decides whether the hypervisor backend can work here, then
// executes the daemon.
//   xvm-method /usr/sbin/xenstored [args...]
// The one backend setting is config/hypervisor-backend of
// svc:/system/xctl/xend:default: auto (default) | xen | sim. With auto on
// a host that is not a Xen dom0 (/proc/xen/capabilities missing or without
// control_d), the three services are disabled temporarily and each log
// gets one line saying why and how to select the simulator (docs/design.md
// section 1); the exit status SMF_EXIT_TEMP_DISABLE leaves this instance
// disabled, not in maintenance.
//
// Run as root (the store's method always is; xend's runs as xvm from its
// method_context), it first makes the xctl run and state directories of
// privileges/xctl_dirs (run_dirs.h) - so that they exist, belong to xvm
// and were made without following a link before xend, which never runs as
// root, starts: xend depends on the store.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cmd/xvm-method/run_dirs.h"
#include "lib/base/file.h"
#include "lib/xen/hypervisor.h"
#include "daemons/kit/backend_setting.h"
#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/base/unique_fd.h"
#include "lib/smf/scf.h"

namespace {

using namespace xvm;

constexpr const char* kServices[] = {"svc:/system/xctl/store:default", "svc:/system/xctl/xend:default",
                                     "svc:/system/xctl/console:default"};

// SMF names an instance's log after its FMRI:
// svc:/system/xctl/store:default -> system-xctl-store:default.log
std::string log_name(std::string_view fmri) {
    std::string name(fmri.substr(fmri.starts_with("svc:/") ? 5 : 0));
    std::replace(name.begin(), name.end(), '/', '-');
    return name + ".log";
}

// Appends the line to another service's log; the own log is stdout.
void log_to(const char* fmri, const std::string& line) {
    std::string path = root_path(cat("/var/svc/log/", log_name(fmri)));
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd) return;  // a non-root method cannot write other logs; its own line suffices
    // A short write loses part of an explanatory line, nothing more.
    (void)!::write(fd.get(), line.data(), line.size());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: xvm-method daemon [args...]\n");
        return SMF_EXIT_ERR_CONFIG;
    }
    const char* self = std::getenv("SMF_FMRI");
    if (self == nullptr) {
        std::fprintf(stderr, "xvm-method: SMF_FMRI is not set: run only as an SMF start method\n");
        return SMF_EXIT_ERR_NOSMF;
    }
    auto configured = kit::configured_backend();
    if (!configured) {
        std::printf("xvm-method: %s\n", configured.error().message.c_str());
        return SMF_EXIT_ERR_CONFIG;
    }
    std::string b = configured->value_or("auto");  // unset: the default
    // The kernel's interface, not installation data: never under XVM_ROOT.
    std::string caps_path = "/proc/xen/capabilities";
    auto caps = read_text_file(caps_path);
    bool dom0 = caps && caps->find("control_d") != std::string::npos;
    if (b == "xen" && !dom0) {
        std::printf("xvm-method: config/hypervisor-backend is xen but %s shows no Xen dom0 (control_d)\n", caps_path.c_str());
        return SMF_EXIT_ERR_CONFIG;
    }
    if (b == "auto" && !dom0) {
        std::string line = cat("xvm-method: not running under a Xen dom0 (", caps_path,
                               caps ? " lacks control_d" : " does not exist",
                               "): the xctl services are disabled temporarily; select the simulator with "
                               "svccfg -s xctl/xend setprop config/hypervisor-backend = sim; "
                               "svcadm refresh xctl/xend\n");
        std::fputs(line.c_str(), stdout);
        std::fflush(stdout);
        for (const char* s : kServices) {
            if (std::strcmp(s, self) == 0) continue;
            log_to(s, line);
            if (smf_disable_instance(s, SMF_TEMPORARY) != 0)
                std::printf("xvm-method: cannot disable %s: %s\n", s, scf_strerror(scf_error()));
        }
        return SMF_EXIT_TEMP_DISABLE;
    }
    if (::geteuid() == 0) {
        if (Status made = method::make_installed_run_dirs(); !made) {
            std::printf("xvm-method: %s\n", made.error().message.c_str());
            return SMF_EXIT_ERR_CONFIG;
        }
    }
    ::execv(argv[1], argv + 1);
    std::printf("xvm-method: cannot execute %s: %s\n", argv[1], std::strerror(errno));
    return SMF_EXIT_ERR_FATAL;
}
