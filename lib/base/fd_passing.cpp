#include "lib/base/fd_passing.h"

#include <sys/socket.h>

#include <cstring>

#include "lib/base/format.h"

namespace xvm {

Status send_with_fds(int sock, std::span<const char> data, std::span<const int> fds) {
    if (fds.size() > kMaxPassedFds)
        return make_error(cat("cannot pass ", fds.size(), " descriptors: at most ", kMaxPassedFds,
                              " per message"));
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPassedFds)]{};
    std::size_t sent = 0;
    while (sent < data.size()) {
        iovec iov{const_cast<char*>(data.data() + sent), data.size() - sent};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        if (sent == 0 && !fds.empty()) {
            msg.msg_control = control;
            msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
            cmsghdr* c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
            std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
        }
        ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error("cannot send on socket");
        }
        sent += static_cast<std::size_t>(n);
    }
    return {};
}

Result<std::size_t> recv_with_fds(int sock, std::span<char> out, std::vector<UniqueFd>& fds) {
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPassedFds)]{};
    iovec iov{out.data(), out.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return errno_error("cannot receive on socket");
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            fds.emplace_back(fd);
        }
    }
    if (msg.msg_flags & MSG_CTRUNC)
        return make_error("received descriptors were truncated: peer sent more than allowed",
                          EPROTO);
    return static_cast<std::size_t>(n);
}

}  // namespace xvm
