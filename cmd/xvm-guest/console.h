// The guest's console: text out through the console ring's "out" half,
// keystrokes in through its "in" half (lib/xen/ring.h), with event-channel
// notifications, as a PV guest's hvc_xen driver does. Output the ring
// cannot take yet waits in a queue (bounded: a bulk "spew" is generated as
// the ring drains, never buffered whole); input is cut into lines for the
// shell (Guest::command in guest.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "lib/base/result.h"
#include "lib/xen/ring.h"

namespace xvm::guest {

inline constexpr std::size_t kMaxLine = 256;
inline constexpr std::size_t kMaxQueued = 64 * 1024;

class Console {
  public:
    using LineFn = std::function<void(std::string_view line)>;

    Console(xencons_interface* page, int notify_fd) : page_(page), notify_fd_(notify_fd) {}

    // Queues text (dropped, as a real console drops, beyond kMaxQueued).
    void print(std::string_view text);
    // Queues `bytes` of generated lines, produced as the ring drains.
    void spew(std::uint64_t bytes) { spew_left_ += bytes; }
    void on_line(LineFn fn) { on_line_ = std::move(fn); }
    bool idle() const { return out_.empty() && spew_left_ == 0; }

    // Moves bytes both ways; call on every console event-channel wake-up.
    Status pump();

  private:
    void refill();
    void notify();

    xencons_interface* page_;
    int notify_fd_;
    std::string out_;
    std::uint64_t spew_left_ = 0;
    std::uint64_t spew_line_ = 0;
    std::string line_;
    bool discarding_ = false;  // the current input line is over kMaxLine
    LineFn on_line_;
};

}  // namespace xvm::guest
