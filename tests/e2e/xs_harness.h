// xenstored end-to-end helpers on top of harness.h: a running daemon in a
// TempRoot, and a raw xs_wire client (no libxenstore) that can also send
// the broken messages robustness tests need.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"

namespace xvm::test {

struct XsReply {
    std::uint32_t type = 0;
    std::uint32_t req_id = 0;
    std::uint32_t tx_id = 0;
    std::string payload;
    // "ENOENT" for an XS_ERROR reply, "" otherwise.
    std::string error() const;
};

class XsClient {
public:
    // Connects to `path`; invalid() if that failed.
    explicit XsClient(const std::string& path);
    XsClient(XsClient&& other) noexcept;
    ~XsClient();
    bool valid() const { return fd_ >= 0; }
    int fd() const { return fd_; }

    // Sends raw bytes (robustness tests); false if the peer is gone.
    bool send_raw(const std::string& bytes);
    bool send(std::uint32_t type, const std::string& payload, std::uint32_t tx = 0);
    // The next message that is not a watch event (events are kept);
    // nullopt on EOF or timeout.
    std::optional<XsReply> reply(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Bytes waiting to be read on the socket right now (nothing is read).
    std::size_t readable_now() const;
    // send + reply.
    std::optional<XsReply> call(std::uint32_t type, const std::string& payload,
                                std::uint32_t tx = 0);
    // The next watch event as "path token".
    std::optional<std::string> event(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // True when the daemon closed the connection within `timeout`.
    bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // Conveniences that expect success.
    std::string read(const std::string& path);
    bool write(const std::string& path, const std::string& value, std::uint32_t tx = 0);

private:
    std::optional<XsReply> next(std::chrono::milliseconds timeout);
    int fd_ = -1;
    std::uint32_t req_ = 1;
    std::string buf_;
    std::vector<XsReply> events_;
};

// "a\0b\0" from {"a", "b"}.
std::string nul_join(const std::vector<std::string>& parts);

// A xenstored in `root`, started with `extra` options, ready when its
// socket accepts a connection.
class Xenstored {
public:
    Xenstored(const TempRoot& root, std::vector<std::string> extra, bool new_store = true,
              std::map<std::string, std::string> env = {});
    pid_t pid() const { return child_->pid(); }
    std::string socket() const { return root_ / "/var/run/xenstored/socket"; }
    std::string socket_ro() const { return root_ / "/var/run/xenstored/socket_ro"; }
    std::string log() const;
    Child& child() { return *child_; }
    // Waits until the socket answers; false after `timeout`.
    bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(20));

private:
    const TempRoot& root_;
    std::optional<Child> child_;
};

}  // namespace xvm::test
