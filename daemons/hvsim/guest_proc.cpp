#include "guest_proc.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <vector>

#include "format.h"
#include "guest_abi.h"

namespace xvm::hvsim {
namespace {

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void child_fail(const char* what) {
    const char* err = ::strerror(errno);
    (void)!::write(STDERR_FILENO, "hvsim guest: cannot ", 20);
    (void)!::write(STDERR_FILENO, what, ::strlen(what));
    (void)!::write(STDERR_FILENO, ": ", 2);
    (void)!::write(STDERR_FILENO, err, ::strlen(err));
    (void)!::write(STDERR_FILENO, "\n", 1);
    ::_exit(127);
}

[[noreturn]] void run_child(const GuestSpec& spec, const std::array<int, guest_abi::kFdCount>& fds,
                            const std::vector<char*>& argv, pid_t parent) {
    // Move the descriptors out of the way first: a source may sit on a
    // target number.
    std::array<int, guest_abi::kFdCount> high{};
    for (std::size_t i = 0; i < fds.size(); ++i) {
        high[i] = ::fcntl(fds[i], F_DUPFD, 64);
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
        if (::setgroups(0, nullptr) < 0) child_fail("clear supplementary groups");
        if (::setresgid(spec.gid, spec.gid, spec.gid) < 0) child_fail("set the guest group");
        if (::setresuid(spec.uid, spec.uid, spec.uid) < 0) child_fail("set the guest user");
    }
    // After the identity change, which clears it. A guest must not outlive
    // hvsim: its pages and channels would be orphaned (see hvsim(1M)).
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) child_fail("set the parent-death signal");
    if (::getppid() != parent) ::_exit(127);
    ::execv(argv[0], argv.data());
    child_fail("execute the guest program");
}

}  // namespace

Result<GuestProcess> spawn_guest(const GuestSpec& spec, const GuestArgs& args,
                                 const DomainPages& pages, const PortFds& store,
                                 const PortFds& console) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return errno_error("cannot create a guest control channel");
    UniqueFd ours(sv[0]), theirs(sv[1]);

    std::vector<std::string> words = {spec.program,
                                      "--domid", cat(args.domid),
                                      "--memory-kib", cat(args.memory_kib),
                                      "--vcpus", cat(args.vcpus),
                                      "--kernel", args.kernel,
                                      "--extra", args.extra};
    if (args.resume) words.push_back("--resume");
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    const std::array<int, guest_abi::kFdCount> fds = {
        theirs.get(),     pages.xenstore.get(), pages.console.get(),  pages.memory.get(),
        store.wait_fd,    store.notify_fd,      console.wait_fd,      console.notify_fd};

    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) return errno_error(cat("cannot start the guest of domain ", args.domid));
    if (pid == 0) run_child(spec, fds, argv, parent);

    GuestProcess process;
    process.pid = pid;
    process.control = std::move(ours);
    process.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!process.pidfd) {
        Error error = errno_error(cat("cannot watch the guest of domain ", args.domid));
        kill_and_reap(process);
        return error;
    }
    return process;
}

void kill_and_reap(GuestProcess& process) {
    if (process.pid <= 0) return;
    // ESRCH cannot happen for an unreaped child; nothing else is possible.
    (void)::kill(process.pid, SIGKILL);
    int status;
    while (::waitpid(process.pid, &status, 0) < 0 && errno == EINTR) {
    }
    process.pid = -1;
    process.pidfd.reset();
    process.control.reset();
}

}  // namespace xvm::hvsim
