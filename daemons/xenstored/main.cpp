// xenstored: start-up only. Parse options, open the store and the sockets
// as root, drop to xvm with no capabilities, serve. Everything else lives
// in the library the tests and fuzzers link (server.cpp, dispatch.cpp...).
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <optional>

#include "daemons/xenstored/config.h"
#include "lib/priv/daemon_priv.h"
#include "lib/base/daemonize.h"
#include "lib/base/event_loop.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/priv/priv_db.h"
#include "daemons/xenstored/server.h"
#include "daemons/xenstored/store.h"
#include "lib/base/unix_socket.h"

using namespace xvm;
using namespace xvm::xs;

namespace {

constexpr int kExitConfig = 96;  // SMF_EXIT_ERR_CONFIG
constexpr rlim_t kWantedFiles = 65536;

int fail(const Error& e, int code = 1) {
    log_error(e);
    return code;
}

// Creates `dir` and its parents; the last component is owned by xvm:xvm so
// the dropped daemon can keep using it.
Status make_run_dir(const std::string& dir, uid_t uid, gid_t gid) {
    for (std::size_t at = dir.find('/', 1);; at = dir.find('/', at + 1)) {
        std::string part = dir.substr(0, at);
        if (::mkdir(part.c_str(), 0755) < 0 && errno != EEXIST)
            return errno_error(cat("cannot create ", part));
        if (at == std::string::npos) break;
    }
    if (::chown(dir.c_str(), uid, gid) < 0) return errno_error(cat("cannot chown ", dir));
    return {};
}

Status chown_to(const std::string& path, uid_t uid, gid_t gid) {
    if (::chown(path.c_str(), uid, gid) < 0) return errno_error(cat("cannot chown ", path));
    return {};
}

// 10,000 clients need more descriptors than the usual 1024; only root can
// raise the hard limit, so this happens before the drop.
void raise_file_limit() {
    struct rlimit rl {};
    if (::getrlimit(RLIMIT_NOFILE, &rl) < 0) return;
    rlimit want{std::max(rl.rlim_cur, kWantedFiles), std::max(rl.rlim_max, kWantedFiles)};
    if (::setrlimit(RLIMIT_NOFILE, &want) < 0) {
        want.rlim_cur = rl.rlim_max;
        want.rlim_max = rl.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &want) < 0) log_warn("cannot raise RLIMIT_NOFILE");
    }
}

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

// Into the background unless -N. The sockets already exist, which is the
// readiness a start method waits for, so the parent may go as soon as the
// pid file is written.
Status go_background(const Config& c) {
    ReadyNotifier ready;
    if (!c.no_fork) {
        auto detached = daemonize();
        if (!detached) return std::move(detached).error();
        ready = std::move(*detached);
    }
    if (!c.pid_file.empty()) {
        std::string text = cat(::getpid(), "\n");
        UniqueFd fd(::open(c.pid_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!fd || ::write(fd.get(), text.data(), text.size()) != ssize_t(text.size()))
            return errno_error(cat("cannot write pid file ", c.pid_file));
    }
    return ready.notify();
}

}  // namespace

int main(int argc, char** argv) {
    Result<Config> config = load_config(argc, argv);
    log_init("xenstored", config && config->debug);
    if (!config) {
        log_error(config.error());
        std::fputs(usage_text().c_str(), stderr);
        return kExitConfig;
    }
    const Config& c = *config;
    Result<PrivDb> privdb = PrivDb::load_installed();
    if (!privdb) return fail(privdb.error(), kExitConfig);
    auto rings = ring_backend(c.hypervisor);
    if (!rings) return fail(rings.error(), kExitConfig);
    // dom0's own kernel ring: its files are root's, so mapped before the drop.
    std::optional<RingEndpoint> kernel_ring;
    if (*rings) {
        Result<RingEndpoint> k = (*rings)->connect_local_kernel();
        if (k) kernel_ring = std::move(*k);
        else if (k.error().code != ENOSYS)
            return fail(k.error().context("xenstored: cannot open dom0's kernel ring"));
    }

    struct passwd* pw = ::getpwnam("xvm");
    struct group* gr = ::getgrnam("xvm");
    uid_t uid = pw ? pw->pw_uid : ::getuid();
    gid_t gid = gr ? gr->gr_gid : ::getgid();
    if (c.drop_privileges && (!pw || !gr))
        return fail(make_error("user or group xvm does not exist"), kExitConfig);
    if (Status s = make_run_dir(c.run_dir, uid, gid); !s) return fail(s.error());

    bool start_empty = c.new_store || (c.init_store && ::access(c.tdb_path.c_str(), F_OK) < 0 &&
                                       errno == ENOENT);
    if (start_empty && !c.new_store) log_info(cat("no store at ", c.tdb_path, ": starting empty"));
    auto tdb = TdbFile::open(c.tdb_path, start_empty, c.tdb_hash_size);
    if (!tdb) return fail(tdb.error());
    if (Status s = chown_to(c.tdb_path, uid, gid); !s) return fail(s.error());
    auto store = Store::load(std::move(*tdb));
    if (!store) return fail(store.error().context(cat("cannot load ", c.tdb_path)));

    auto rw = listen_unix(c.socket_path, 0666);
    if (!rw) return fail(rw.error());
    auto ro = listen_unix(c.socket_ro_path, 0666);
    if (!ro) return fail(ro.error());
    for (const std::string& p : {c.socket_path, c.socket_ro_path})
        if (Status s = chown_to(p, uid, gid); !s) return fail(s.error());
    raise_file_limit();
    if (Status s = go_background(c); !s) return fail(s.error());

    if (c.drop_privileges) {
        if (Status s = drop_daemon_privileges(DropSpec{}); !s) return fail(s.error());
    }
    std::signal(SIGPIPE, SIG_IGN);
    auto loop = EventLoop::create();
    if (!loop) return fail(loop.error());
    Server server(c, **loop, **store, *privdb, std::move(*rings));
    for (int sig : {SIGTERM, SIGINT}) {
        Status s = (*loop)->add_signal(sig, [&](const signalfd_siginfo&) {
            (*loop)->stop();
            return Status();
        });
        if (!s) return fail(s.error());
    }
    if (Status s = server.serve(std::move(*rw), std::move(*ro)); !s) return fail(s.error());
    if (kernel_ring) {
        if (Status s = server.serve_kernel_ring(std::move(*kernel_ring)); !s) return fail(s.error());
    }
    server.reconnect_domains();
    log_info(cat("serving ", c.socket_path, " and ", c.socket_ro_path, " with ",
                 (*store)->node_count(), " nodes from ", c.tdb_path));
    Status ran = (*loop)->run();
    if (!ran) return fail(ran.error());
    log_info("exiting on signal");
    return 0;
}
