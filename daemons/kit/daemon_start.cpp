#include "daemons/kit/daemon_start.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/trusted_dir.h"
#include "lib/priv/daemon_priv.h"
#include "lib/smf/scf.h"

namespace xvm::kit {
namespace {

Status lookup_xvm(uid_t& uid, gid_t& gid) {
    struct passwd* pw = ::getpwnam("xvm");
    struct group* gr = ::getgrnam("xvm");
    if (pw == nullptr || gr == nullptr)
        return make_error("user or group xvm does not exist (xvm-accounts(1M) creates them)",
                          ENOENT);
    uid = pw->pw_uid;
    gid = gr->gr_gid;
    return {};
}

// Without root there is nobody to defend against: plain mkdir -p.
Status make_own_dir(const RunDir& dir) {
    for (std::size_t at = dir.path.find('/', 1);; at = dir.path.find('/', at + 1)) {
        std::string part = dir.path.substr(0, at);
        if (::mkdir(part.c_str(), at == std::string::npos ? dir.mode : 0755) < 0 && errno != EEXIST)
            return errno_error(cat("cannot create ", part));
        if (at == std::string::npos) return {};
    }
}

// Only root can raise the hard limit; a container without
// CAP_SYS_RESOURCE gets what the hard limit allows.
void raise_open_files(rlim_t want) {
    struct rlimit rl {};
    if (want == 0 || ::getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want) return;
    struct rlimit raised{want, std::max(rl.rlim_max, want)};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return;
    raised = {rl.rlim_max, rl.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) < 0) log_warn("cannot raise RLIMIT_NOFILE");
}

Status adopt_files(int dir, const RunDir& run, uid_t uid, gid_t gid) {
    for (const std::string& name : run.adopt) {
        std::string shown = cat(run.path, "/", name);
        UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        if (!fd && errno == ENOENT) continue;
        if (!fd && errno == ELOOP) return make_error(cat(shown, " is a symbolic link: refused"), ELOOP);
        if (!fd) return errno_error(cat("cannot open ", shown));
        struct stat st {};
        if (::fstat(fd.get(), &st) < 0) return errno_error(cat("cannot examine ", shown));
        if (!S_ISREG(st.st_mode)) return make_error(cat(shown, " is not a regular file: refused"));
        if (st.st_uid != uid && ::fchown(fd.get(), uid, gid) < 0)
            return errno_error(cat("cannot give ", shown, " to uid ", uid));
    }
    return {};
}

Status write_pid_file(const std::string& path) {
    std::string text = cat(::getpid(), "\n");
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        return errno_error(cat("cannot write pid file ", path));
    return {};
}

}  // namespace

Result<DaemonStart> DaemonStart::begin(const StartSpec& spec) {
    // Whatever our parent left open beyond 0, 1 and 2 is not ours to keep
    // (a restarter's or a shell's descriptors must not survive the drop).
    if (::close_range(3, ~0U, 0) < 0) return errno_error("cannot close inherited descriptors");
    DaemonStart d;
    d.spec_ = spec;
    bool root = ::geteuid() == 0;
    d.spec_.drop = spec.drop && root;
    if (!root) log_warnx(cat("not started as root: running as uid ", ::getuid(), " without a drop"));
    d.uid_ = ::getuid();
    d.gid_ = ::getgid();
    if (d.spec_.drop) {
        if (Status s = lookup_xvm(d.uid_, d.gid_); !s) return std::move(s).error();
    }
    if (spec.background) {
        auto notifier = daemonize(SMF_EXIT_ERR_FATAL);
        if (!notifier) return std::move(notifier).error();
        d.notifier_ = std::move(*notifier);
    }
    for (const RunDir& dir : spec.run_dirs) {
        Status made = root ? Status() : make_own_dir(dir);
        if (root) {
            auto fd = make_trusted_dir(dir.path, {d.uid_, d.gid_, dir.mode});
            made = fd ? adopt_files(fd->get(), dir, d.uid_, d.gid_) : Status(std::move(fd).error());
        }
        if (!made) return std::move(made).error();
    }
    raise_open_files(spec.open_files);
    if (!spec.pid_file.empty()) {
        if (Status s = write_pid_file(spec.pid_file); !s) return std::move(s).error();
    }
    return d;
}

Status DaemonStart::drop() {
    if (!spec_.drop) return {};
    auto how = daemon_drop_spec(spec_.daemon);
    if (!how) return std::move(how).error();
    return drop_daemon_privileges(*how);
}

Status DaemonStart::handle_signals(EventLoop& loop, std::function<void()> on_refresh) {
    ::signal(SIGPIPE, SIG_IGN);  // a client gone mid-reply is an EPIPE, not a death
    for (int sig : {SIGTERM, SIGINT}) {
        Status s = loop.add_signal(sig, [&loop](const signalfd_siginfo&) {
            loop.stop();
            return Status();
        });
        if (!s) return s;
    }
    return loop.add_signal(SIGHUP, [refresh = std::move(on_refresh)](const signalfd_siginfo&) {
        if (refresh) refresh();
        return Status();
    });
}

Status DaemonStart::ready() { return notifier_.notify(); }

int exit_config(const Error& error) {
    log_error(error);
    return SMF_EXIT_ERR_CONFIG;
}

int exit_fatal(const Error& error) {
    log_error(error);
    return SMF_EXIT_ERR_FATAL;
}

}  // namespace xvm::kit
