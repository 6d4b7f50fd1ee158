// hvsim - the simulated hypervisor daemon (docs/design.md section 5; hvsim(1M)).
//
// How it fits: the daemons' "sim" hypervisor backend (lib/xen/hv_sim.cpp) is a
// client of hvsim's socket <root>/var/run/xvm/hvsim.sock (mode 0666; only
// peers holding xvm_control are served - server.cpp). The protocol is a
// small length-checked binary one (lib/xen/hv_proto.h); event channels, ring
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
// Start-up: the daemon kit's checklist (daemons/kit/daemon_start.h):
// options -> privilege table -> background -> directories as root -> fork
// the guest launcher (guest_proc.h) -> drop to xvm with no capabilities ->
// stale state and socket as xvm -> signals -> ready -> loop. Exit codes
// are SMF's (SMF_EXIT_*).
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
#include "daemons/kit/daemon_start.h"
#include "lib/smf/scf.h"
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

Result<GuestSpec> guest_spec(const Settings& s) {
    GuestSpec spec;
    spec.program = s.guest_program;
    if (::access(spec.program.c_str(), X_OK) < 0)
        return errno_error(cat("guest program ", spec.program));
    if (::geteuid() != 0) return spec;  // cannot switch: guests run as we do
    struct passwd* pw = ::getpwnam(s.guest_user.c_str());
    if (pw == nullptr) return make_error(cat("guest user ", s.guest_user, " does not exist"));
    struct group* gr = ::getgrnam(s.guest_group.c_str());
    if (gr == nullptr) return make_error(cat("guest group ", s.guest_group, " does not exist"));
    if (pw->pw_uid == 0) return make_error(cat("guest user ", s.guest_user, " is root"));
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

std::string parent_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

int serve(const Options& o, Launcher& launcher, PrivDb db, kit::DaemonStart& start) {
    const Settings& s = o.settings;
    auto loop = EventLoop::create();
    if (!loop) return kit::exit_fatal(loop.error());
    // Signals first: a TERM that arrives once the socket exists must stop
    // us cleanly, not kill us.
    Status ok = start.handle_signals(**loop, [] {
        // The host's shape cannot change under its guests: refresh says so.
        log_info("refresh: the host's settings take effect at the next restart");
    });
    if (!ok) return kit::exit_fatal(ok.error());
    // As xvm from here: the state of an earlier run, then the socket.
    if (Status cleaned = clean_state_dir(s.state_dir); !cleaned)
        return kit::exit_fatal(cleaned.error());
    auto listen_fd = listen_unix(s.socket, 0666);
    if (!listen_fd) return kit::exit_fatal(listen_fd.error());
    auto sim = Sim::create(**loop, SimConfig{o.host, s.state_dir, &launcher});
    if (!sim) return kit::exit_config(sim.error());
    Server server(**loop, **sim, std::move(db), std::move(*listen_fd));
    ok = server.start();
    // Nothing is ever read here outside a request: readable means EOF.
    if (ok)
        ok = (*loop)->add_fd(launcher.fd(), EPOLLIN, [&](std::uint32_t) {
            log_warnx("the guest launcher exited: stopping");
            (*loop)->stop();
            return Status();
        });
    if (!ok) return kit::exit_fatal(ok.error());
    log_info(cat("ready on ", s.socket, ": ", o.host.cpus, " CPUs, ", o.host.memory_kib / 1024,
                 " MiB, dom0 ", o.host.dom0_kib / 1024, " MiB"));
    if (Status r = start.ready(); !r) log_error(r.error());
    Status ran = (*loop)->run();
    (*sim)->shutdown_all();
    if (!ran) return kit::exit_fatal(ran.error());
    log_info("stopped");
    return SMF_EXIT_OK;
}

int run(int argc, char** argv) {
    auto options = parse_options(std::vector<std::string>(argv + 1, argv + argc));
    if (!options) {
        std::cerr << options.error().message << "\n";
        return SMF_EXIT_ERR_CONFIG;
    }
    const Options& o = *options;
    log_init("hvsim", o.debug);
    auto db = PrivDb::load_installed();
    if (!db) return kit::exit_config(db.error());
    auto guest = guest_spec(o.settings);
    if (!guest) return kit::exit_config(guest.error().context("hvsim"));
    if (o.check_only) {
        std::cout << "hvsim: configuration OK\n";
        return SMF_EXIT_OK;
    }
    // Detach first: the guest launcher forked below dies with its parent.
    auto start = kit::DaemonStart::begin(
        {.daemon = "hvsim",
         .run_dirs = {{parent_of(o.settings.socket), 0755}, {o.settings.state_dir, 0700}},
         .background = o.background});
    if (!start) return kit::exit_fatal(start.error());
    // Before the drop (it stays root with three capabilities) and before
    // the socket exists, so that it holds nothing of it.
    auto launcher = Launcher::start(*guest);
    if (!launcher) return kit::exit_fatal(launcher.error());
    if (Status s = start->drop(); !s) return kit::exit_fatal(s.error().context("hvsim"));
    return serve(o, *launcher, std::move(*db), *start);
}

}  // namespace
}  // namespace xvm::hvsim

int main(int argc, char** argv) {
    return xvm::hvsim::run(argc, argv);
}
