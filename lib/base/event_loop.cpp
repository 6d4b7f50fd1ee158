#include "lib/base/event_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <vector>

#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm {

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
    UniqueFd fd(::epoll_create1(EPOLL_CLOEXEC));
    if (!fd) return errno_error("cannot create epoll instance");
    return std::unique_ptr<EventLoop>(new EventLoop(std::move(fd)));
}

EventLoop::~EventLoop() = default;

Status EventLoop::add_fd(int fd, std::uint32_t events, FdHandler handler) {
    if (fds_.contains(fd)) return make_error(cat("fd ", fd, " is already in the event loop"), EEXIST);
    std::uint64_t token = next_token_++;
    struct epoll_event ev {};
    ev.events = events;
    ev.data.u64 = token;
    if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &ev) < 0)
        return errno_error(cat("cannot watch fd ", fd));
    fds_[fd] = token;
    entries_[token] = std::make_shared<FdEntry>(FdEntry{fd, token, std::move(handler)});
    return {};
}

Status EventLoop::modify_fd(int fd, std::uint32_t events) {
    auto it = fds_.find(fd);
    if (it == fds_.end()) return make_error(cat("fd ", fd, " is not in the event loop"), ENOENT);
    struct epoll_event ev {};
    ev.events = events;
    ev.data.u64 = it->second;
    if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, fd, &ev) < 0)
        return errno_error(cat("cannot change events of fd ", fd));
    return {};
}

void EventLoop::remove_fd(int fd) {
    auto it = fds_.find(fd);
    if (it == fds_.end()) return;
    // Fails only if the fd was already closed, which removed it from epoll.
    (void)::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
    // The entry may be executing right now: the dispatcher holds its own
    // reference, so erasing here only stops later callbacks.
    entries_.erase(it->second);
    fds_.erase(it);
}

EventLoop::TimerId EventLoop::add_timer(Clock::duration delay, TimerHandler handler) {
    TimerId id = next_timer_++;
    Clock::time_point deadline = Clock::now() + delay;
    timers_.emplace(std::make_pair(deadline, id), std::move(handler));
    timer_deadlines_[id] = deadline;
    return id;
}

void EventLoop::cancel_timer(TimerId id) {
    auto it = timer_deadlines_.find(id);
    if (it == timer_deadlines_.end()) return;
    timers_.erase({it->second, id});
    timer_deadlines_.erase(it);
}

Status EventLoop::add_signal(int signo, SignalHandler handler) {
    sigaddset(&signal_mask_, signo);
    if (::sigprocmask(SIG_BLOCK, &signal_mask_, nullptr) < 0)
        return errno_error(cat("cannot block signal ", signo));
    int fd = ::signalfd(signal_fd_ ? signal_fd_.get() : -1, &signal_mask_,
                        SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) return errno_error(cat("cannot create signalfd for signal ", signo));
    if (!signal_fd_) {
        signal_fd_.reset(fd);
        Status added = add_fd(fd, EPOLLIN, [this](std::uint32_t) { return on_signalfd(); });
        if (!added) return added;
    }
    signal_handlers_[signo] = std::move(handler);
    return {};
}

Status EventLoop::on_signalfd() {
    struct signalfd_siginfo info {};
    while (::read(signal_fd_.get(), &info, sizeof info) == sizeof info) {
        auto it = signal_handlers_.find(static_cast<int>(info.ssi_signo));
        if (it != signal_handlers_.end()) report(it->second(info));
    }
    if (errno != EAGAIN) return errno_error("cannot read signalfd");
    return {};
}

int EventLoop::wait_timeout_ms(std::optional<Clock::duration> max_wait) const {
    std::optional<Clock::duration> wait = max_wait;
    if (!timers_.empty()) {
        Clock::duration until = timers_.begin()->first.first - Clock::now();
        if (!wait || until < *wait) wait = until;
    }
    if (!wait) return -1;
    if (*wait <= Clock::duration::zero()) return 0;
    // Round up so a timer is never woken for before its deadline.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(*wait).count();
    return ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms);
}

void EventLoop::run_due_timers() {
    Clock::time_point now = Clock::now();
    // Collect first: a handler may add or cancel timers while we run.
    std::vector<TimerId> due;
    for (auto it = timers_.begin(); it != timers_.end() && it->first.first <= now; ++it)
        due.push_back(it->first.second);
    for (TimerId id : due) {
        auto deadline = timer_deadlines_.find(id);
        if (deadline == timer_deadlines_.end()) continue;  // cancelled meanwhile
        auto node = timers_.extract({deadline->second, id});
        timer_deadlines_.erase(deadline);
        report(node.mapped()());
    }
}

Status EventLoop::run_once(std::optional<Clock::duration> max_wait) {
    std::array<struct epoll_event, 64> events;
    int n = ::epoll_wait(epoll_fd_.get(), events.data(), events.size(), wait_timeout_ms(max_wait));
    if (n < 0) {
        if (errno == EINTR) return {};
        return errno_error("epoll_wait failed");
    }
    for (int i = 0; i < n; ++i) {
        auto it = entries_.find(events[i].data.u64);
        if (it == entries_.end()) continue;  // removed earlier in this pass
        std::shared_ptr<FdEntry> entry = it->second;
        report(entry->handler(events[i].events));
    }
    run_due_timers();
    return {};
}

Status EventLoop::run() {
    stopping_ = false;
    while (!stopping_) {
        Status status = run_once(std::nullopt);
        if (!status) return status;
    }
    return {};
}

void EventLoop::report(const Status& status) const {
    if (!status) log_error(status.error());
}

}  // namespace xvm
