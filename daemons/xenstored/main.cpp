// xenstored: start-up only, the daemon kit's checklist (daemons/kit/
// daemon_start.h): configuration -> background -> run directory as root ->
// open the hypervisor as root -> drop to xvm with no capabilities -> store
// and sockets as xvm -> signals (HUP = refresh) -> ready -> serve.
// Everything else lives in the library the tests and fuzzers link
// (server.cpp, dispatch.cpp...).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "daemons/kit/daemon_start.h"
#include "daemons/xenstored/config.h"
#include "daemons/xenstored/server.h"
#include "daemons/xenstored/store.h"
#include "lib/base/event_loop.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/unix_socket.h"
#include "lib/priv/priv_db.h"
#include "lib/smf/scf.h"

using namespace xvm;
using namespace xvm::xs;

namespace {

// 10,000 clients need more descriptors than the usual 1024.
constexpr rlim_t kWantedFiles = 65536;

Result<std::unique_ptr<RingBackend>> ring_backend(const std::string& setting) {
    if (setting.empty()) return std::unique_ptr<RingBackend>();
    if (setting.starts_with("files:")) return file_rings(setting.substr(6));
    Result<Backend> backend = parse_backend(setting);
    if (!backend) return std::move(backend).error().context("--hypervisor");
    // Opened as root, before the drop; xvm keeps the right to use it anyway
    // (group xvm holds xvm_control).
    Result<std::unique_ptr<Hypervisor>> hv = open_hypervisor(*backend);
    if (!hv) return std::move(hv).error().context("xenstored: cannot open the hypervisor");
    return hypervisor_rings(std::move(*hv));
}

// As xvm, in the directory root made for us.
Result<std::unique_ptr<Store>> open_store(const Config& c) {
    bool start_empty = c.new_store || (c.init_store && ::access(c.tdb_path.c_str(), F_OK) < 0 &&
                                       errno == ENOENT);
    if (start_empty && !c.new_store) log_info(cat("no store at ", c.tdb_path, ": starting empty"));
    auto tdb = TdbFile::open(c.tdb_path, start_empty, c.tdb_hash_size);
    if (!tdb) return std::move(tdb).error();
    auto store = Store::load(std::move(*tdb));
    if (!store) return std::move(store).error().context(cat("cannot load ", c.tdb_path));
    return store;
}

// svcadm refresh: new quotas in force whole, or the old ones stay.
void refresh(Config& c) {
    if (Status s = reload_quotas(c); !s) {
        log_warnx(cat("refresh: ", s.error().message, "; the previous configuration stays in force"));
        return;
    }
    std::string quotas = describe_quotas(c.quotas);
    std::replace(quotas.begin(), quotas.end(), '\n', ',');
    log_info(cat("refresh: quotas ", quotas));
}

}  // namespace

int main(int argc, char** argv) {
    Result<Config> config = load_config(argc, argv);
    log_init("xenstored", config && config->debug);
    if (!config) {
        std::fputs(usage_text().c_str(), stderr);
        return kit::exit_config(config.error());
    }
    Config& c = *config;
    if (c.check_only) {
        std::printf("xenstored: configuration OK\n");
        return SMF_EXIT_OK;
    }
    Result<PrivDb> privdb = PrivDb::load_installed();
    if (!privdb) return kit::exit_config(privdb.error());
    auto start = kit::DaemonStart::begin({.daemon = "xenstored",
                                          .run_dirs = {{c.run_dir, 0755, {"tdb"}}},
                                          .open_files = kWantedFiles,
                                          .background = !c.no_fork,
                                          .drop = c.drop_privileges,
                                          .pid_file = c.pid_file});
    if (!start) return kit::exit_fatal(start.error());
    auto rings = ring_backend(c.hypervisor);
    if (!rings) return kit::exit_config(rings.error());
    // dom0's own kernel ring: its files are root's, so mapped before the drop.
    std::optional<RingEndpoint> kernel_ring;
    if (*rings) {
        Result<RingEndpoint> k = (*rings)->connect_local_kernel();
        if (k) kernel_ring = std::move(*k);
        else if (k.error().code != ENOSYS)
            return kit::exit_fatal(k.error().context("xenstored: cannot open dom0's kernel ring"));
    }
    if (Status s = start->drop(); !s) return kit::exit_fatal(s.error());

    auto loop = EventLoop::create();
    if (!loop) return kit::exit_fatal(loop.error());
    // Signals before the sockets: a TERM once they exist stops us cleanly.
    if (Status s = start->handle_signals(**loop, [&c] { refresh(c); }); !s)
        return kit::exit_fatal(s.error());
    auto store = open_store(c);
    if (!store) return kit::exit_fatal(store.error());
    auto rw = listen_unix(c.socket_path, 0666);
    if (!rw) return kit::exit_fatal(rw.error());
    auto ro = listen_unix(c.socket_ro_path, 0666);
    if (!ro) return kit::exit_fatal(ro.error());
    Server server(c, **loop, **store, *privdb, std::move(*rings));
    if (Status s = server.serve(std::move(*rw), std::move(*ro)); !s) return kit::exit_fatal(s.error());
    if (kernel_ring) {
        if (Status s = server.serve_kernel_ring(std::move(*kernel_ring)); !s)
            return kit::exit_fatal(s.error());
    }
    server.reconnect_domains();
    log_info(cat("serving ", c.socket_path, " and ", c.socket_ro_path, " with ",
                 (*store)->node_count(), " nodes from ", c.tdb_path));
    if (Status s = start->ready(); !s) log_error(s.error());
    Status ran = (*loop)->run();
    if (!ran) return kit::exit_fatal(ran.error());
    log_info("exiting on signal");
    return SMF_EXIT_OK;
}
