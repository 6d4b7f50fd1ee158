// xend's client of the XenStore: Debian's libxenstore (xenstore.h), the
// client library every Xen toolstack uses, behind a small C++ face -
// results instead of NULL + errno, strings instead of malloc'd buffers.
//
// One XsClient per thread that uses it (the loop and each worker): a
// handle that watches gets libxenstore's reader thread, through which
// every reply then travels (a cross-CPU wake-up per request), so watches
// live on a handle of their own (watch() / fileno() / take_events()).
//
// The socket is the one XENSTORED_PATH names (xend sets it under
// XVM_ROOT); errors name the path and the operation.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/base/result.h"

struct xs_handle;

namespace xvm::xend {

// One entry of a node's permissions: the first names the owner (who may
// do everything) and what every other domain may do; the rest are
// exceptions ("n5", "r0").
struct XsPerm {
    std::uint32_t dom = 0;
    char access = 'n';  // 'n' none, 'r' read, 'w' write, 'b' both
    bool operator==(const XsPerm&) const = default;
};

class XsClient {
public:
    // Connects to the socket of XENSTORED_PATH (never the xenbus device).
    static Result<std::unique_ptr<XsClient>> open();
    ~XsClient();
    XsClient(const XsClient&) = delete;
    XsClient& operator=(const XsClient&) = delete;

    Result<std::string> read(const std::string& path);
    // nullopt when the node does not exist.
    Result<std::optional<std::string>> read_optional(const std::string& path);
    Status write(const std::string& path, const std::string& value);
    Status mkdir(const std::string& path);
    // Removing a node that does not exist is not an error.
    Status remove(const std::string& path);
    Result<std::vector<std::string>> directory(const std::string& path);
    Status set_perms(const std::string& path, const std::vector<XsPerm>& perms);

    Status introduce(std::uint32_t dom, std::uint64_t mfn, std::uint32_t port);
    // Releasing a domain xenstored no longer knows is not an error.
    Status release(std::uint32_t dom);

    // Transactions over this handle; end(false) commits, EAGAIN = retry.
    Status begin();
    Status end(bool abort);

    Status watch(const std::string& path, const std::string& token);
    int fileno();
    // Pending watch events (path, token); an error when the connection is
    // gone.
    Result<std::vector<std::pair<std::string, std::string>>> take_events();

private:
    explicit XsClient(xs_handle* h) : h_(h) {}
    xs_handle* h_;
    std::uint32_t tx_ = 0;  // XBT_NULL when none
};

}  // namespace xvm::xend
