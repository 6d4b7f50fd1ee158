// hvsim - the simulated hypervisor daemon (DESIGN.md section 5; hvsim(1M)).
//
// How it fits: the daemons' "sim" hypervisor backend (lib/hv_sim.cpp) is a
// client of hvsim's socket <root>/var/run/xvm/hvsim.sock (mode 0666; only
// peers holding xvm_control are served - server.cpp). The protocol is a
// small length-checked binary one (lib/hv_proto.h); event channels, ring
// pages, dump files and the domain-event subscription travel as
// descriptors, so the hot paths (notify, ring I/O) never pass through
// hvsim. One event loop; the state lives in sim.cpp (domains, guests,
// channels), the rules in domain_table.cpp, guest processes are started
// by the launcher (launcher.cpp), the privileged half.
//
// Restart: guests do not survive hvsim (the launcher kills them when hvsim
// goes away; they also die with the launcher). A new hvsim starts with only
// dom0 and removes stale state. Documented in hvsim(1M), tested in
// tests/e2e/hvsim_e2e_test.cpp (RestartEndsGuestsCleanly).
//
// Start-up checklist: options -> privilege table -> directories as root ->
// fork the guest launcher (guest_proc.h) -> socket -> drop to xvm with no
// capabilities -> signals -> loop. Exit codes follow SMF: 0 stopped
// cleanly, 96 configuration error, 95 fatal error.
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "lib/priv/daemon_caps.h"
#include "lib/priv/daemon_priv.h"
#include "lib/base/daemonize.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "daemons/hvsim/options.h"
#include "lib/base/paths.h"
#include "lib/priv/priv_db.h"
#include "daemons/hvsim/server.h"
#include "daemons/hvsim/sim.h"
#include "lib/base/unix_socket.h"

namespace xvm::hvsim {
namespace {

constexpr int kExitFatal = 95;
constexpr int kExitConfig = 96;

Result<GuestSpec> guest_spec(const Options& o) {
    GuestSpec spec;
    spec.program = o.guest_program;
    if (::access(spec.program.c_str(), X_OK) < 0)
        return errno_error(cat("guest program ", spec.program));
    if (::geteuid() != 0) return spec;  // cannot switch: guests run as we do
    struct passwd* pw = ::getpwnam(o.guest_user.c_str());
    if (pw == nullptr) return make_error(cat("guest user ", o.guest_user, " does not exist"));
    struct group* gr = ::getgrnam(o.guest_group.c_str());
    if (gr == nullptr) return make_error(cat("guest group ", o.guest_group, " does not exist"));
    if (pw->pw_uid == 0) return make_error(cat("guest user ", o.guest_user, " is root"));
    auto caps = DaemonCaps::load_installed();
    if (!caps) return std::move(caps).error();
    auto keep = caps->keep_for("hvsim-launcher");
    if (!keep) return std::move(keep).error();
    spec.launcher_keep = *keep;
    spec.switch_user = true;
    spec.uid = pw->pw_uid;
    spec.gid = gr->gr_gid;
    return spec;
}

// Creates the missing parents of `path` (0755), as root owns them.
Status make_parents(const std::string& path) {
    for (std::size_t at = path.find('/', 1); at != std::string::npos; at = path.find('/', at + 1)) {
        std::string dir = path.substr(0, at);
        if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST)
            return errno_error(cat("cannot create ", dir));
    }
    return {};
}

// <root>/var/run/xvm (0755) and the state directory (0700), owned by xvm
// when we are root so that hvsim can still create files after the drop.
Status make_directories(const Options& o) {
    struct passwd* xvm = ::geteuid() == 0 ? ::getpwnam("xvm") : nullptr;
    if (::geteuid() == 0 && xvm == nullptr) return make_error("user xvm does not exist");
    std::string run = o.socket.substr(0, o.socket.rfind('/'));
    if (Status s = make_parents(run); !s) return s;
    for (const auto& [dir, mode] : {std::pair{run, 0755}, std::pair{o.state_dir, 0700}}) {
        if (::mkdir(dir.c_str(), static_cast<mode_t>(mode)) < 0 && errno != EEXIST)
            return errno_error(cat("cannot create ", dir));
        if (xvm != nullptr && ::chown(dir.c_str(), xvm->pw_uid, xvm->pw_gid) < 0)
            return errno_error(cat("cannot give ", dir, " to xvm"));
    }
    return clean_state_dir(o.state_dir);
}

Status drop_privileges() {
    if (::geteuid() != 0) {
        log_warnx("not started as root: privileges not dropped, guests share our identity");
        return {};
    }
    auto spec = daemon_drop_spec("hvsim");
    if (!spec) return std::move(spec).error();
    return drop_daemon_privileges(*spec);
}

int serve(const Options& o, Launcher& launcher, PrivDb db, UniqueFd listen_fd,
          ReadyNotifier& ready) {
    auto loop = EventLoop::create();
    if (!loop) return log_error(loop.error()), kExitFatal;
    auto sim = Sim::create(**loop, SimConfig{o.host, o.state_dir, &launcher});
    if (!sim) return log_error(sim.error()), kExitConfig;
    Server server(**loop, **sim, std::move(db), std::move(listen_fd));
    Status ok = server.start();
    // Nothing is ever read here outside a request: readable means EOF.
    if (ok)
        ok = (*loop)->add_fd(launcher.fd(), EPOLLIN, [&](std::uint32_t) {
            log_warnx("the guest launcher exited: stopping");
            (*loop)->stop();
            return Status();
        });
    for (int signo : {SIGTERM, SIGINT})
        if (ok)
            ok = (*loop)->add_signal(signo, [&](const signalfd_siginfo&) {
                (*loop)->stop();
                return Status();
            });
    if (!ok) return log_error(ok.error()), kExitFatal;
    ::signal(SIGPIPE, SIG_IGN);
    log_info(cat("ready on ", o.socket, ": ", o.host.cpus, " CPUs, ", o.host.memory_kib / 1024,
                 " MiB, dom0 ", o.host.dom0_kib / 1024, " MiB"));
    if (Status s = ready.notify(); !s) log_error(s.error());
    Status ran = (*loop)->run();
    (*sim)->shutdown_all();
    if (!ran) return log_error(ran.error()), kExitFatal;
    log_info("stopped");
    return 0;
}

int run(int argc, char** argv) {
    auto options = parse_options(std::vector<std::string>(argv + 1, argv + argc));
    if (!options) {
        std::cerr << options.error().message << "\n";
        return kExitConfig;
    }
    const Options& o = *options;
    log_init("hvsim", o.debug);
    auto db = PrivDb::load_installed();
    if (!db) return log_error(db.error()), kExitConfig;
    auto guest = guest_spec(o);
    if (!guest) return log_error(guest.error().context("hvsim")), kExitConfig;
    if (o.check_only) {
        std::cout << "hvsim: configuration OK\n";
        return 0;
    }
    // Detach first: the guest launcher forked below dies with its parent.
    ReadyNotifier ready;
    if (o.background) {
        auto detached = daemonize();
        if (!detached) return log_error(detached.error()), kExitFatal;
        ready = std::move(*detached);
    }
    if (Status s = make_directories(o); !s) return log_error(s.error()), kExitFatal;
    // Before the socket exists, so the launcher holds nothing of it.
    auto launcher = Launcher::start(*guest);
    if (!launcher) return log_error(launcher.error()), kExitFatal;
    auto listen_fd = listen_unix(o.socket, 0666);
    if (!listen_fd) return log_error(listen_fd.error()), kExitFatal;
    if (Status s = drop_privileges(); !s) {
        log_error(s.error().context("hvsim: cannot drop privileges"));
        return kExitFatal;
    }
    return serve(o, *launcher, std::move(*db), std::move(*listen_fd), ready);
}

}  // namespace
}  // namespace xvm::hvsim

int main(int argc, char** argv) {
    return xvm::hvsim::run(argc, argv);
}
