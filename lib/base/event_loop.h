// The single-threaded event loop every daemon runs: fd handlers (epoll),
// timers whose nearest deadline is the wait timeout, and signals delivered
// through a signalfd. Handlers do bounded, non-blocking work and return a
// Status; a failed handler is logged and the loop goes on - no exception or
// error crosses the loop. A handler may remove itself or any other fd or
// timer while the loop is dispatching: a removed entry gets no further
// callbacks, even for events already collected in the same pass.
#pragma once

#include <sys/signalfd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>

#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm {

class EventLoop {
public:
    using Clock = std::chrono::steady_clock;
    using FdHandler = std::function<Status(std::uint32_t events)>;
    using TimerHandler = std::function<Status()>;
    using SignalHandler = std::function<Status(const signalfd_siginfo&)>;
    using TimerId = std::uint64_t;

    static Result<std::unique_ptr<EventLoop>> create();
    ~EventLoop();

    // Watches fd for `events` (EPOLLIN, EPOLLOUT, ...). The fd is not owned;
    // remove it before closing it.
    Status add_fd(int fd, std::uint32_t events, FdHandler handler);
    Status modify_fd(int fd, std::uint32_t events);
    // Safe to call from any handler, including fd's own; unknown fds are
    // ignored.
    void remove_fd(int fd);
    bool watching(int fd) const { return fds_.contains(fd); }

    // Runs `handler` once after `delay`.
    TimerId add_timer(Clock::duration delay, TimerHandler handler);
    void cancel_timer(TimerId id);

    // Blocks `signo` for the whole process and delivers it to `handler`.
    // Call before starting threads or children that should inherit the mask.
    Status add_signal(int signo, SignalHandler handler);

    // Dispatches until stop() is called. Fails only if epoll itself fails.
    Status run();
    // Waits at most `max_wait` (forever when nullopt, but never past the next
    // timer) and dispatches what is ready once.
    Status run_once(std::optional<Clock::duration> max_wait);
    void stop() { stopping_ = true; }

private:
    struct FdEntry {
        int fd;
        std::uint64_t token;
        FdHandler handler;
    };

    EventLoop(UniqueFd epoll_fd) : epoll_fd_(std::move(epoll_fd)) {}
    int wait_timeout_ms(std::optional<Clock::duration> max_wait) const;
    void run_due_timers();
    Status on_signalfd();
    void report(const Status& status) const;

    UniqueFd epoll_fd_;
    UniqueFd signal_fd_;
    sigset_t signal_mask_{};
    std::unordered_map<int, std::uint64_t> fds_;  // fd -> token
    std::unordered_map<std::uint64_t, std::shared_ptr<FdEntry>> entries_;
    std::uint64_t next_token_ = 1;
    std::map<std::pair<Clock::time_point, TimerId>, TimerHandler> timers_;
    std::unordered_map<TimerId, Clock::time_point> timer_deadlines_;
    TimerId next_timer_ = 1;
    std::unordered_map<int, SignalHandler> signal_handlers_;
    bool stopping_ = false;
};

}  // namespace xvm
