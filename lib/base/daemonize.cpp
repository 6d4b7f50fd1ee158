#include "lib/base/daemonize.h"

#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "lib/base/format.h"

namespace xvm {

Status ReadyNotifier::notify() {
    if (!fd_) return {};
    char ready = 1;
    if (::write(fd_.get(), &ready, 1) != 1) return errno_error("cannot tell the parent we are ready");
    fd_.reset();
    return {};
}

Result<ReadyNotifier> daemonize(int lost_status) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return errno_error("cannot create the readiness pipe");
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    pid_t child = ::fork();
    if (child < 0) return errno_error("cannot fork into the background");
    if (child == 0) {
        read_end.reset();
        if (::setsid() < 0) return errno_error("cannot start a new session");
        return ReadyNotifier(std::move(write_end));
    }
    write_end.reset();
    char ready = 0;
    ssize_t n;
    do {
        n = ::read(read_end.get(), &ready, 1);
    } while (n < 0 && errno == EINTR);
    if (n == 1) ::_exit(0);
    // The child ended (or closed the pipe) without being ready: report its
    // status as ours, so the restarter sees the real failure.
    int status = 0;
    if (::waitpid(child, &status, 0) == child && WIFEXITED(status))
        ::_exit(WEXITSTATUS(status) == 0 ? lost_status : WEXITSTATUS(status));
    ::_exit(lost_status);
}

}  // namespace xvm
