// svc.startd - the master restarter (svc.startd(1M)). Runs as root in
// the foreground; its own messages go to stderr (the stack scripts point
// it at <root>/var/svc/log/svc.startd.log).
//   svc.startd [-d]
// Start-up: drop inherited descriptors, open and check the repository
// (a damaged one stops us with instructions: nothing is ever created over
// it), decide fresh start or re-adoption - a fresh start keeps a copy of
// the good repository - take the control socket, become child subreaper
// so daemonised service processes are reaped here, then loop.
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "daemons/svc.startd/control.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/paths.h"
#include "daemons/svc.startd/restarter.h"

namespace {

using namespace xvm;

constexpr std::string_view kBootMarker = "/etc/svc/volatile/svc.startd.boot";

// The marker lives in the volatile directory (a tmpfs on a real system):
// absent means this root has just booted.
Result<bool> fresh_start() {
    std::string dir = root_path("/etc/svc/volatile");
    for (std::string d : {root_path("/etc"), root_path("/etc/svc"), dir})
        if (::mkdir(d.c_str(), 0755) < 0 && errno != EEXIST) return errno_error(cat("cannot create ", d));
    std::string marker = root_path(kBootMarker);
    int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ::close(fd);
        return true;
    }
    if (errno == EEXIST) return false;
    return errno_error(cat("cannot create ", marker));
}

// Descriptors: 0, 1, 2 open (to /dev/null when the caller closed them, so
// nothing we open later lands there), nothing else inherited, and the soft
// limit raised to the hard one - the reserve that keeps the restarter's
// own work (logs, contracts, methods) going while clients come and go.
void setup_descriptors() {
    for (int fd = 0; fd < 3; ++fd)
        if (::fcntl(fd, F_GETFD) < 0) (void)::open("/dev/null", O_RDWR);  // takes the lowest free number: fd
    if (::syscall(SYS_close_range, 3U, ~0U, 0) < 0)
        for (int fd = 3; fd < 1024; ++fd) (void)::close(fd);  // kernels before 5.9
    struct rlimit rl {};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 1 << 16);
        (void)::setrlimit(RLIMIT_NOFILE, &rl);  // the default limit still leaves room
    }
}

// Refuses a repository that does not check out; on a fresh start keeps a
// copy of the good one (illumos' /etc/svc/repository-boot).
Status check_repository(smf::Repository& repo, bool fresh) {
    if (auto st = repo.verify(); !st) return st;
    if (!fresh) return {};
    auto copy = repo.backup("boot");
    if (!copy) return std::move(copy).error().context("cannot keep a copy of the repository");
    log_info(cat("repository checked; copy kept in ", *copy));
    return {};
}

int run(bool debug) {
    log_init("svc.startd", debug);
    if (::geteuid() != 0) {
        log_warnx("must be run as root");
        return 1;
    }
    setup_descriptors();
    auto repo = smf::Repository::open(true);
    if (!repo) return log_error(repo.error()), 1;
    auto fresh = fresh_start();
    if (!fresh) return log_error(fresh.error()), 1;
    if (auto st = check_repository(**repo, *fresh); !st) {
        log_error(st.error());
        // The next start must check again (and not take this one as a boot).
        if (*fresh) (void)::unlink(root_path(kBootMarker).c_str());
        return 1;
    }
    auto loop = EventLoop::create();
    if (!loop) return log_error(loop.error()), 1;
    // Orphaned service processes are re-parented to us, so their deaths
    // (and core dumps) are seen, as a contract's members would be.
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) return log_warn("PR_SET_CHILD_SUBREAPER"), 1;
    auto restarter = startd::Restarter::create(**loop, **repo);
    if (!restarter) return log_error(restarter.error()), 1;
    startd::Restarter* r = restarter->get();
    auto st = (*loop)->add_signal(SIGCHLD, [r](const signalfd_siginfo&) { return r->on_sigchld(); });
    if (st) st = (*loop)->add_fd(r->inotify_fd(), EPOLLIN, [r](std::uint32_t) { return r->on_inotify(); });
    EventLoop* l = loop->get();
    for (int sig : {SIGTERM, SIGINT})
        if (st) st = l->add_signal(sig, [l](const signalfd_siginfo&) -> Status { l->stop(); return {}; });
    if (st) (void)l->add_signal(SIGPIPE, [](const signalfd_siginfo&) -> Status { return {}; });
    if (!st) return log_error(st.error()), 1;
    log_info(cat(*fresh ? "starting" : "restarting: re-adopting running services", " (root ",
                 xvm_root().empty() ? "/" : xvm_root(), ")"));
    if (auto s = r->start(*fresh); !s) return log_error(s.error()), 1;
    // Users other than root read the public copy: make sure it is current
    // even when starting changed nothing.
    if (auto s = (*repo)->publish(); !s) log_error(s.error().context("cannot write the users' copy of the repository"));
    // The socket appears once every instance has its restarter group, so a
    // command that waits on it (svcadm -s) never meets an instance svc.startd
    // has not looked at yet.
    auto control = startd::ControlServer::create(**loop, *r);
    if (!control) return log_error(control.error()), 1;
    if (auto s = l->run(); !s) return log_error(s.error()), 1;
    r->remove_empty_contracts();
    // Services keep running: a new svc.startd adopts them.
    log_info("exiting; services left running");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    bool debug = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "-d") == 0) {
            debug = true;
        } else {
            std::fprintf(stderr, "usage: svc.startd [-d]\n");
            return 2;
        }
    }
    return run(debug);
}
