#include "daemons/xenstored/commit_hook.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm::xs {

std::unique_ptr<CommitHook> CommitHook::from_environment() {
    const char* dir = std::getenv("XENSTORED_TEST_COMMIT_HOOK");
    if (dir == nullptr || *dir == '\0') return nullptr;
    log_warnx(cat("test hook: every commit waits for ", dir, "/go (XENSTORED_TEST_COMMIT_HOOK)"));
    return std::unique_ptr<CommitHook>(new CommitHook(dir));
}

Status CommitHook::before_commit() {
    if (!at_) at_.reset(::open((dir_ + "/at").c_str(), O_WRONLY | O_CLOEXEC));
    if (!go_) go_.reset(::open((dir_ + "/go").c_str(), O_RDONLY | O_CLOEXEC));
    if (!at_ || !go_) return errno_error(cat("test hook: cannot open the FIFOs in ", dir_));
    char c = 'c';
    if (::write(at_.get(), &c, 1) != 1) return errno_error("test hook: cannot write " + dir_ + "/at");
    ssize_t n;
    do n = ::read(go_.get(), &c, 1);
    while (n < 0 && errno == EINTR);
    if (n == 1 && c == 'f') return make_error("test hook: commit failed on purpose", ENOSPC);
    return {};
}

}  // namespace xvm::xs
