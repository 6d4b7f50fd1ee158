// xenconsoled: start-up only, the daemon kit's checklist (daemons/kit/
// daemon_start.h): configuration -> background -> run and log directories
// made as root -> open the hypervisor as root -> drop to xvm with no
// capabilities -> signals (HUP = refresh) -> xenstore, the guests that
// already run, the console socket - all as xvm -> ready -> serve.
// Everything else lives in the library the tests link (server.cpp...).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "daemons/kit/daemon_start.h"
#include "daemons/xenconsoled/config.h"
#include "daemons/xenconsoled/server.h"
#include "lib/base/event_loop.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/trusted_dir.h"
#include "lib/base/unix_socket.h"
#include "lib/priv/priv_db.h"
#include "lib/smf/scf.h"

using namespace xvm;
using namespace xvm::console;

namespace {

// Each client and each guest's pty, ring and log take descriptors.
constexpr rlim_t kWantedFiles = 8192;

// svcadm refresh: the new settings whole, or the old ones stay; logs are
// reopened either way (rotation).
void refresh(Config& c, Server& server) {
    std::vector<std::string> notes;
    if (Status s = reload_settings(c, notes); !s)
        log_warnx(cat("refresh: ", s.error().message, "; the previous configuration stays in force"));
    else
        log_info(cat("refresh: ", describe(c.settings)));
    for (const std::string& note : notes) log_info(cat("refresh: ", note));
    server.refresh();
}

// As xvm, in the directory root made for us: opened once, files below it
// are created with openat (guest_log.cpp).
Result<UniqueFd> open_log_dir(const Config& c, uid_t owner) {
    return open_trusted_dir(c.settings.log_path(), owner);
}

}  // namespace

int main(int argc, char** argv) {
    Result<Config> config = load_config(argc, argv);
    log_init("xenconsoled", config && config->debug);
    if (!config) {
        std::fputs(usage_text().c_str(), stderr);
        return kit::exit_config(config.error());
    }
    Config& c = *config;
    if (c.check_only) {
        std::printf("xenconsoled: configuration OK: %s\n", describe(c.settings).c_str());
        return SMF_EXIT_OK;
    }
    Result<PrivDb> privdb = PrivDb::load_installed();
    if (!privdb) return kit::exit_config(privdb.error());
    auto start = kit::DaemonStart::begin({.daemon = "xenconsoled",
                                          .run_dirs = {{c.run_dir, 0755},
                                                       {c.settings.log_path(), 0755}},
                                          .open_files = kWantedFiles,
                                          .background = !c.no_fork,
                                          .drop = c.drop_privileges,
                                          .pid_file = c.pid_file});
    if (!start) return kit::exit_fatal(start.error());
    // Opened as root; xvm keeps the right to use it anyway (group xvm
    // holds xvm_control).
    auto hv = open_hypervisor(*parse_backend(c.hypervisor));
    if (!hv) return kit::exit_config(hv.error().context("xenconsoled: cannot open the hypervisor"));
    if (Status s = start->drop(); !s) return kit::exit_fatal(s.error());

    auto loop = EventLoop::create();
    if (!loop) return kit::exit_fatal(loop.error());
    // Before libxenstore starts its reader thread, so that it inherits the
    // blocked signals the signalfd needs.
    Server* server_ptr = nullptr;
    if (Status s = start->handle_signals(**loop, [&] { if (server_ptr) refresh(c, *server_ptr); }); !s)
        return kit::exit_fatal(s.error());
    auto log_dir = open_log_dir(c, start->uid());
    if (!log_dir) return kit::exit_fatal(log_dir.error());
    Server server(**loop, **hv, *privdb, c, std::move(*log_dir));
    server_ptr = &server;
    if (Status s = server.start_discovery(); !s) return kit::exit_fatal(s.error());
    auto listen = listen_unix(c.socket_path, 0666);
    if (!listen) return kit::exit_fatal(listen.error());
    if (Status s = server.serve(std::move(*listen)); !s) return kit::exit_fatal(s.error());
    log_info(cat("serving ", c.socket_path, " with ", server.domain_count(), " guest consoles; ",
                 describe(c.settings)));
    if (Status s = start->ready(); !s) log_error(s.error());
    Status ran = (*loop)->run();
    server.stop();
    if (!ran) return kit::exit_fatal(ran.error());
    if (server.fatal()) return kit::exit_fatal(*server.fatal());
    log_info("exiting on signal");
    return SMF_EXIT_OK;
}
