// The forked child of a method and its failure report. The child only
// makes system calls on what svc.startd resolved before fork (context.h),
// and reports a failure as one line, "R|M errno message", before _exit.
#include "daemons/svc.startd/spawn.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "lib/base/format.h"

namespace xvm::startd {
namespace {

// Exit status of a child that reported a failure; the report, not this,
// decides what happens.
constexpr int kReportedExit = 127;

[[noreturn]] void report(int fd, bool restarter_side, const Error& e) {
    std::string line = cat(restarter_side ? "R " : "M ", e.code, " ", e.message);
    (void)!::write(fd, line.data(), line.size());  // an empty pipe takes one short write
    ::_exit(kReportedExit);
}

// Descriptors 0, 1, 2 and nothing else after exec: everything from 3 up
// becomes close-on-exec (the report pipe already is, and must stay open
// until then).
Status only_standard_descriptors() {
    if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return {};
    if (errno != ENOSYS && errno != EINVAL) return errno_error("close_range");
    // Kernels before 5.11: mark them one by one.
    long max = ::sysconf(_SC_OPEN_MAX);
    for (int fd = 3; fd < (max > 0 ? max : 1024); ++fd) (void)::fcntl(fd, F_SETFD, FD_CLOEXEC);
    return {};
}

[[noreturn]] void exec_child(const smf::Contract* contract, int log_fd, int report_fd, const MethodContext& ctx,
                             const std::string& command) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // svc.startd blocks signals for its signalfd
    for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
    ::setsid();
    if (contract != nullptr)
        if (auto st = contract->join(0); !st) report(report_fd, true, st.error());
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0 || ::dup2(devnull, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0)
        report(report_fd, true, errno_error("cannot set up standard descriptors"));
    if (auto st = only_standard_descriptors(); !st) report(report_fd, true, st.error());
    // A credential the system cannot grant now (EAGAIN: the user's process
    // limit) is retried; one it refuses is the method's.
    if (auto st = apply_context(ctx); !st) report(report_fd, transient_errno(st.error().code), st.error());
    std::vector<char*> envp;
    for (const std::string& e : ctx.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    std::string line = "exec " + command;
    char* argv[] = {const_cast<char*>("/bin/sh"), const_cast<char*>("-c"), line.data(), nullptr};
    ::execve("/bin/sh", argv, envp.data());
    int err = errno;
    report(report_fd, transient_errno(err), errno_error("cannot execute /bin/sh", err));
}

}  // namespace

bool transient_errno(int err) {
    return err == EAGAIN || err == ENOMEM || err == EMFILE || err == ENFILE || err == ENOBUFS || err == EINTR ||
           err == ETXTBSY;
}

Result<Launch> spawn_method(const smf::Contract* contract, const MethodContext& ctx, const std::string& command,
                            int log_fd) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return errno_error("cannot create the method's report pipe");
    UniqueFd rd(p[0]), wr(p[1]);
    pid_t pid = ::fork();
    if (pid < 0) return errno_error("cannot fork");
    if (pid == 0) exec_child(contract, log_fd, wr.get(), ctx, command);
    // Our write end closes on return: once the child has exited, a read
    // finds its report or EOF and never waits.
    return Launch{pid, std::move(rd)};
}

std::optional<SpawnFailure> read_spawn_report(int fd) {
    if (fd < 0) return std::nullopt;
    char buf[512];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    if (n <= 2) return std::nullopt;  // EOF: the exec happened
    std::string line(buf, static_cast<std::size_t>(n));
    SpawnFailure f;
    f.restarter_side = line[0] == 'R';
    auto sp = line.find(' ', 2);
    f.message = sp == std::string::npos ? line.substr(2) : line.substr(sp + 1);
    return f;
}

}  // namespace xvm::startd
