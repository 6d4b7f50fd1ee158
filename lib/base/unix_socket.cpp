#include "lib/base/unix_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "lib/base/format.h"

namespace xvm {
namespace {

Result<sockaddr_un> make_address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        return make_error(cat("socket path ", path, " is empty or longer than ",
                              sizeof addr.sun_path - 1, " bytes"),
                          ENAMETOOLONG);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

// Removes a leftover socket from a previous run; refuses to remove anything
// that is not a socket.
Status remove_stale_socket(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) {
        if (errno == ENOENT) return {};
        return errno_error(cat("cannot examine ", path));
    }
    if (!S_ISSOCK(st.st_mode))
        return make_error(cat("cannot bind ", path, ": a file that is not a socket is in the way"),
                          EEXIST);
    if (::unlink(path.c_str()) < 0) return errno_error(cat("cannot remove stale socket ", path));
    return {};
}

}  // namespace

Result<UniqueFd> listen_unix(const std::string& path, mode_t mode, int backlog) {
    Result<sockaddr_un> addr = make_address(path);
    if (!addr) return std::move(addr).error();
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return errno_error("cannot create unix socket");
    Status removed = remove_stale_socket(path);
    if (!removed) return std::move(removed).error();
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) < 0)
        return errno_error(cat("cannot bind ", path));
    // chmod after bind: the mode of a socket file follows the umask at bind.
    if (::chmod(path.c_str(), mode) < 0) return errno_error(cat("cannot set mode of ", path));
    if (::listen(fd.get(), backlog) < 0) return errno_error(cat("cannot listen on ", path));
    return fd;
}

Result<UniqueFd> connect_unix(const std::string& path) {
    Result<sockaddr_un> addr = make_address(path);
    if (!addr) return std::move(addr).error();
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return errno_error("cannot create unix socket");
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) < 0)
        return errno_error(cat("cannot connect to ", path));
    return fd;
}

Result<UniqueFd> accept_unix(int listen_fd) {
    UniqueFd fd(::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) return errno_error("cannot accept connection");
    return fd;
}

}  // namespace xvm
