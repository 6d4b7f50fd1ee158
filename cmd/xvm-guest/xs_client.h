// The guest's xenstore client: xs_wire messages over the shared xenstore
// ring (lib/xen/ring.h, lib/xen/xs_wire.h) with event-channel notifications, as a
// paravirtualised kernel's xenbus driver does. Asynchronous: requests are
// queued and written as the ring has room; each reply goes to the callback
// of its request id, WATCH_EVENTs to the watch callback.
//
// Notification rule (as Xen's): notify the peer after producing requests
// and after consuming replies (it may be waiting for room).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.h"
#include "lib/xen/ring.h"

namespace xvm::guest {

class XsClient {
  public:
    // Reply: error code 0 and the payload, or an xenstore errno and "".
    using ReplyFn = std::function<void(int err, std::string_view payload)>;
    using WatchFn = std::function<void(std::string_view path, std::string_view token)>;

    XsClient(xenstore_domain_interface* page, int notify_fd) : page_(page), notify_fd_(notify_fd) {}

    void request(std::uint32_t type, std::string_view payload, ReplyFn reply);
    void read(const std::string& path, ReplyFn reply);
    void write(const std::string& path, std::string_view value, ReplyFn reply = nullptr);
    void watch(const std::string& path, const std::string& token, ReplyFn reply = nullptr);
    void on_watch(WatchFn fn) { on_watch_ = std::move(fn); }

    // Moves bytes both ways; call on every store event-channel wake-up.
    // An error means the ring is corrupt: the connection is dead.
    Status pump();

  private:
    Status flush();
    Status receive();
    void notify();

    xenstore_domain_interface* page_;
    int notify_fd_;
    std::string out_;
    std::string in_;
    std::uint32_t next_id_ = 1;
    std::map<std::uint32_t, ReplyFn> pending_;
    WatchFn on_watch_;
};

}  // namespace xvm::guest
