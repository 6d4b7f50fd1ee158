#include "tests/e2e/xs_harness.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "lib/xen/xs_wire.h"

namespace xvm::test {

using Clock = std::chrono::steady_clock;

std::string XsReply::error() const {
    if (type != XS_ERROR) return "";
    return std::string(payload.c_str());
}

std::string nul_join(const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& p : parts) {
        out += p;
        out += '\0';
    }
    return out;
}

XsClient::XsClient(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        fd_ = fd;
    } else if (fd >= 0) {
        ::close(fd);
    }
}

XsClient::XsClient(XsClient&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), req_(o.req_), buf_(std::move(o.buf_)),
      events_(std::move(o.events_)) {}

XsClient::~XsClient() {
    if (fd_ >= 0) ::close(fd_);
}

bool XsClient::send_raw(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += n;
    }
    return true;
}

bool XsClient::send(std::uint32_t type, const std::string& payload, std::uint32_t tx) {
    std::string msg;
    xs_append(msg, type, req_++, tx, payload);
    return send_raw(msg);
}

std::optional<XsReply> XsClient::next(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (true) {
        if (buf_.size() >= sizeof(xsd_sockmsg)) {
            xsd_sockmsg h;
            std::memcpy(&h, buf_.data(), sizeof h);
            if (buf_.size() >= sizeof h + h.len) {
                XsReply r{h.type, h.req_id, h.tx_id, buf_.substr(sizeof h, h.len)};
                buf_.erase(0, sizeof h + h.len);
                return r;
            }
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char tmp[65536];
        ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n <= 0) return std::nullopt;
        buf_.append(tmp, n);
    }
}

std::optional<XsReply> XsClient::reply(std::chrono::milliseconds timeout) {
    while (true) {
        auto r = next(timeout);
        if (!r || r->type != XS_WATCH_EVENT) return r;
        events_.push_back(*r);
    }
}

std::optional<XsReply> XsClient::call(std::uint32_t type, const std::string& payload,
                                      std::uint32_t tx) {
    if (!send(type, payload, tx)) return std::nullopt;
    return reply();
}

std::optional<std::string> XsClient::event(std::chrono::milliseconds timeout) {
    std::optional<XsReply> r;
    if (!events_.empty()) {
        r = events_.front();
        events_.erase(events_.begin());
    } else {
        r = next(timeout);
        if (!r || r->type != XS_WATCH_EVENT) return std::nullopt;
    }
    auto parts = xs_split(r->payload);
    if (parts.size() < 2) return std::nullopt;
    return std::string(parts[0]) + " " + std::string(parts[1]);
}

bool XsClient::closed_by_peer(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        pollfd p{fd_, POLLIN, 0};
        int left = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
        if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
        char tmp[65536];
        ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
    }
    return false;
}

std::size_t XsClient::readable_now() const {
    int n = 0;
    if (::ioctl(fd_, FIONREAD, &n) < 0) return 0;
    return buf_.size() + static_cast<std::size_t>(n);
}

std::string XsClient::read(const std::string& path) {
    auto r = call(XS_READ, nul_join({path}));
    if (!r || r->type != XS_READ) return "<" + (r ? r->error() : std::string("no reply")) + ">";
    return r->payload;
}

bool XsClient::write(const std::string& path, const std::string& value, std::uint32_t tx) {
    auto r = call(XS_WRITE, path + std::string(1, '\0') + value, tx);
    return r && r->type == XS_WRITE;
}

Xenstored::Xenstored(const TempRoot& root, std::vector<std::string> extra, bool new_store,
                     std::map<std::string, std::string> env)
    : root_(root) {
    env["XVM_ROOT"] = root.path();
    std::vector<std::string> argv{XENSTORED_BIN, "-N"};
    if (new_store) argv.push_back("--new-store");
    argv.insert(argv.end(), extra.begin(), extra.end());
    child_.emplace(Child::spawn(argv, env, root / "/xenstored.log"));
}

std::string Xenstored::log() const { return read_file(root_ / "/xenstored.log"); }

bool Xenstored::wait_ready(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        XsClient c(socket());
        if (c.valid()) {
            auto r = c.call(XS_GET_DOMAIN_PATH, nul_join({"0"}));
            if (r && r->type == XS_GET_DOMAIN_PATH) return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval
    }
    return false;
}

}  // namespace xvm::test
