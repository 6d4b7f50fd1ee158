#include "daemons/hvsim/launcher.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <set>
#include <vector>

#include "lib/base/fd_passing.h"
#include "lib/base/format.h"
#include "lib/xen/guest_abi.h"
#include "lib/xen/hv_proto.h"
#include "lib/base/log.h"
#include "lib/priv/cred_switch.h"
#include "lib/smf/scf.h"

namespace xvm::hvsim {
namespace {

enum Request : std::uint8_t { kSpawn = 1, kSignal = 2 };
constexpr char kRestricted = 'R';  // the launcher's first message
constexpr std::size_t kMaxMessage = 16 * 1024;
constexpr auto kExitWait = std::chrono::seconds(5);

// ---- the guest child, between fork and exec: async-signal-safe only ----

[[noreturn]] void child_fail(const char* what) {
    const char* err = ::strerror(errno);
    for (const char* part : {"hvsim launcher: guest cannot ", what, ": ", err, "\n"})
        (void)!::write(STDERR_FILENO, part, ::strlen(part));
    ::_exit(127);
}

[[noreturn]] void run_child(const GuestSpec& spec, const std::vector<UniqueFd>& fds,
                            const std::vector<char*>& argv, pid_t parent) {
    // Move the descriptors out of the way first: a source may sit on a
    // target number.
    std::array<int, guest_abi::kFdCount> high{};
    for (std::size_t i = 0; i < high.size(); ++i) {
        high[i] = ::fcntl(fds[i].get(), F_DUPFD, 64);
        if (high[i] < 0) child_fail("duplicate descriptors");
    }
    for (std::size_t i = 0; i < high.size(); ++i)
        if (::dup2(high[i], guest_abi::kControlFd + static_cast<int>(i)) < 0)
            child_fail("place descriptors");
    if (::close_range(guest_abi::kControlFd + guest_abi::kFdCount, ~0U, 0) < 0)
        child_fail("close other descriptors");
    sigset_t none;
    sigemptyset(&none);
    if (::sigprocmask(SIG_SETMASK, &none, nullptr) < 0) child_fail("reset the signal mask");
    if (spec.switch_user) {
        // No groups, no capabilities; the launcher lacks CAP_SETPCAP, so
        // the bounding set stays as it is (cred_switch.h says why that is
        // harmless).
        CredSpec guest{.uid = spec.uid, .gid = spec.gid, .groups = {}, .keep = 0,
                       .reduce_bounding = false};
        if (!switch_credentials(guest)) child_fail("switch to the guest user");
    }
    // After the identity change, which clears it: a guest dies with the
    // launcher, which dies with hvsim.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) child_fail("set the parent-death signal");
    if (::getppid() != parent) ::_exit(127);
    ::execv(argv[0], argv.data());
    child_fail("execute the guest program");
}

// ---- the launcher process ----

struct LauncherState {
    const GuestSpec& spec;
    int sock;
    std::set<pid_t> children;
};

void reply(int sock, int err, pid_t pid, int fd) {
    WireWriter w;
    w.u32(static_cast<std::uint32_t>(err));
    w.u32(static_cast<std::uint32_t>(pid));
    std::string out = w.take();
    std::vector<int> fds;
    if (fd >= 0) fds.push_back(fd);
    // hvsim is gone if this fails; the loop sees EOF next.
    (void)send_with_fds(sock, out, fds);
}

void on_spawn(LauncherState& st, WireReader& r, std::vector<UniqueFd>& fds) {
    guest_abi::GuestStart a;
    a.domid = r.u32("domid");
    a.memory_kib = r.u64("memory_kib");
    a.vcpus = r.u32("vcpus");
    a.resume = r.u8("resume") != 0;
    a.kernel = r.str("kernel");
    a.extra = r.str("extra");
    if (!r.finish() || fds.size() != guest_abi::kFdCount) return reply(st.sock, EINVAL, 0, -1);
    std::vector<std::string> words = guest_abi::to_words(a);
    words.insert(words.begin(), st.spec.program);
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    pid_t self = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) return reply(st.sock, errno, 0, -1);
    if (pid == 0) run_child(st.spec, fds, argv, self);
    st.children.insert(pid);
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd) {
        int err = errno;
        (void)::kill(pid, SIGKILL);  // our child: cannot fail
        return reply(st.sock, err, 0, -1);
    }
    reply(st.sock, 0, pid, pidfd.get());
}

void on_signal(LauncherState& st, WireReader& r) {
    auto pid = static_cast<pid_t>(r.u32("pid"));
    auto signo = static_cast<int>(r.u32("signal"));
    if (!r.finish()) return reply(st.sock, EINVAL, 0, -1);
    // Only our own living guests, only these signals: a compromised hvsim
    // gains nothing beyond what it already controls.
    if (!st.children.contains(pid) || (signo != SIGKILL && signo != SIGSTOP && signo != SIGCONT))
        return reply(st.sock, EPERM, pid, -1);
    reply(st.sock, ::kill(pid, signo) < 0 ? errno : 0, pid, -1);
}

void reap(LauncherState& st) {
    pid_t pid;
    while ((pid = ::waitpid(-1, nullptr, WNOHANG)) > 0) st.children.erase(pid);
}

// Root keeps exactly what privileges/daemon_caps lists for hvsim-launcher
// (CAP_SETUID, CAP_SETGID, CAP_KILL), no groups, no new privileges.
Status restrict_launcher(const GuestSpec& spec) {
    if (::geteuid() != 0) {
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return errno_error("no_new_privs");
        return {};
    }
    return switch_credentials(CredSpec{.uid = 0, .gid = 0, .groups = {}, .keep = spec.launcher_keep});
}

[[noreturn]] void launcher_main(int sock, const GuestSpec& spec) {
    log_init("hvsim-launcher");
    if (::close_range(static_cast<unsigned>(sock) + 1, ~0U, 0) < 0) {
        log_warn("cannot close inherited descriptors");
        ::_exit(SMF_EXIT_ERR_FATAL);
    }
    if (Status s = restrict_launcher(spec); !s) {
        log_error(s.error().context("cannot restrict the launcher"));
        ::_exit(SMF_EXIT_ERR_FATAL);
    }
    // hvsim goes on only once we are restricted (Launcher::start waits).
    if (::send(sock, &kRestricted, 1, 0) != 1) ::_exit(SMF_EXIT_ERR_FATAL);
    // svcadm refresh xctl/hvsim runs `:kill -HUP`, which signals every
    // process of the service's contract: hvsim takes it as its refresh,
    // but the launcher and the guests (which inherit the disposition
    // through fork and exec) have nothing to refresh and must not die of it.
    (void)::signal(SIGHUP, SIG_IGN);  // cannot fail for SIGHUP
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &chld, nullptr);
    UniqueFd sigfd(::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK));
    LauncherState st{spec, sock, {}};
    std::vector<char> buf(kMaxMessage);
    for (;;) {
        pollfd p[2] = {{sock, POLLIN, 0}, {sigfd.get(), POLLIN, 0}};
        if (::poll(p, 2, -1) < 0 && errno != EINTR) break;
        if (p[1].revents & POLLIN) {
            signalfd_siginfo info;
            while (::read(sigfd.get(), &info, sizeof info) > 0) {
            }
            reap(st);
        }
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        std::vector<UniqueFd> fds;
        auto n = recv_with_fds(sock, buf, fds);
        if (!n || *n == 0) break;  // hvsim is gone
        WireReader r(std::string_view(buf.data(), *n), "launcher request");
        std::uint8_t type = r.u8("type");
        if (type == kSpawn)
            on_spawn(st, r, fds);
        else if (type == kSignal)
            on_signal(st, r);
        else
            reply(sock, EINVAL, 0, -1);
    }
    for (pid_t pid : st.children) (void)::kill(pid, SIGKILL);  // our children
    while (::waitpid(-1, nullptr, 0) > 0) {
    }
    ::_exit(0);
}

}  // namespace

Result<Launcher> Launcher::start(const GuestSpec& spec) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return errno_error("cannot create the launcher channel");
    UniqueFd ours(sv[0]), theirs(sv[1]);
    pid_t pid = ::fork();
    if (pid < 0) return errno_error("cannot start the launcher");
    if (pid == 0) {
        ours.reset();
        int fd = theirs.release();
        // close_range in launcher_main keeps fds <= sock: move it low first.
        if (::dup2(fd, 3) < 0) ::_exit(SMF_EXIT_ERR_FATAL);
        launcher_main(3, spec);
    }
    // Nothing else happens until the launcher has dropped what it must not
    // keep: it answers with one byte, or ends (EOF) when it could not.
    char first = 0;
    ssize_t n;
    do {
        n = ::recv(ours.get(), &first, 1, 0);
    } while (n < 0 && errno == EINTR);
    if (n != 1 || first != kRestricted)
        return make_error("the guest launcher could not restrict itself (see its log line)", EPERM);
    return Launcher(std::move(ours), pid);
}

Result<std::string> Launcher::exchange(const std::string& request, std::span<const int> fds,
                                       std::vector<UniqueFd>& received) {
    if (Status s = send_with_fds(sock_.get(), request, fds); !s)
        return s.error().context("launcher");
    std::vector<char> buf(64);
    auto n = recv_with_fds(sock_.get(), buf, received);
    if (!n) return n.error().context("launcher");
    if (*n == 0) return make_error("the launcher has exited", EPIPE);
    return std::string(buf.data(), *n);
}

Result<GuestProcess> Launcher::spawn(const guest_abi::GuestStart& args, const DomainPages& pages,
                                     const PortFds& store, const PortFds& console) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
        return errno_error("cannot create a guest control channel");
    UniqueFd ours(sv[0]), theirs(sv[1]);
    WireWriter w;
    w.u8(kSpawn);
    w.u32(args.domid);
    w.u64(args.memory_kib);
    w.u32(args.vcpus);
    w.u8(args.resume ? 1 : 0);
    w.str(args.kernel);
    w.str(args.extra);
    const int fds[guest_abi::kFdCount] = {
        theirs.get(),  pages.xenstore.get(), pages.console.get(), pages.memory.get(),
        store.wait_fd, store.notify_fd,      console.wait_fd,     console.notify_fd};
    std::vector<UniqueFd> received;
    auto answer = exchange(w.take(), fds, received);
    if (!answer) return std::move(answer).error();
    WireReader r(*answer, "launcher reply");
    int err = static_cast<int>(r.u32("errno"));
    pid_t pid = static_cast<pid_t>(r.u32("pid"));
    if (Status s = r.finish(); !s) return std::move(s).error();
    if (err != 0) return errno_error(cat("cannot start the guest of domain ", args.domid), err);
    if (received.size() != 1) return make_error("launcher reply without a pidfd", EPROTO);
    GuestProcess process;
    process.pid = pid;
    process.pidfd = std::move(received[0]);
    process.control = std::move(ours);
    return process;
}

Status Launcher::signal(pid_t pid, int signo) {
    WireWriter w;
    w.u8(kSignal);
    w.u32(static_cast<std::uint32_t>(pid));
    w.u32(static_cast<std::uint32_t>(signo));
    std::vector<UniqueFd> received;
    auto answer = exchange(w.take(), {}, received);
    if (!answer) return std::move(answer).error();
    WireReader r(*answer, "launcher reply");
    int err = static_cast<int>(r.u32("errno"));
    (void)r.u32("pid");
    if (Status s = r.finish(); !s) return s;
    if (err != 0)
        return errno_error(cat("cannot send signal ", signo, " to guest process ", pid), err);
    return {};
}

Status Launcher::kill_and_wait(GuestProcess& process) {
    if (process.pid <= 0) return {};
    Status s = signal(process.pid, SIGKILL);
    // EPERM: the launcher already reaped it - it has exited.
    if (!s && s.error().code != EPERM) return s;
    pollfd p{process.pidfd.get(), POLLIN, 0};
    int waited = ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kExitWait).count()));
    if (waited == 0)
        return make_error(cat("guest process ", process.pid, " did not exit within 5 s of SIGKILL"),
                          ETIMEDOUT);
    process.pid = -1;
    return {};
}

}  // namespace xvm::hvsim
