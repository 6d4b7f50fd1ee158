#include "lib/base/event_loop.h"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <csignal>
#include <vector>

namespace xvm {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<EventLoop> make_loop() {
    auto loop = EventLoop::create();
    EXPECT_TRUE(loop);
    return std::move(loop).value();
}

UniqueFd make_eventfd() { return UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)); }

void signal_fd(int fd) {
    uint64_t one = 1;
    ASSERT_EQ(::write(fd, &one, sizeof one), 8);
}

TEST(EventLoop, TimersFireInDeadlineOrder) {
    auto loop = make_loop();
    std::vector<int> order;
    auto start = EventLoop::Clock::now();  // before the deadlines are set: they count from add_timer
    loop->add_timer(30ms, [&] { order.push_back(3); loop->stop(); return Status(); });
    loop->add_timer(10ms, [&] { order.push_back(1); return Status(); });
    loop->add_timer(20ms, [&] { order.push_back(2); return Status(); });
    ASSERT_TRUE(loop->run());
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
    EXPECT_GE(EventLoop::Clock::now() - start, 30ms);  // never early
}

TEST(EventLoop, CancelledTimerNeverFires) {
    auto loop = make_loop();
    bool fired = false;
    auto id = loop->add_timer(5ms, [&] { fired = true; return Status(); });
    loop->add_timer(20ms, [&] { loop->stop(); return Status(); });
    loop->cancel_timer(id);
    ASSERT_TRUE(loop->run());
    EXPECT_FALSE(fired);
}

TEST(EventLoop, TimerMayCancelAnotherDueTimer) {
    auto loop = make_loop();
    bool second = false;
    EventLoop::TimerId victim = 0;
    loop->add_timer(1ms, [&] { loop->cancel_timer(victim); return Status(); });
    victim = loop->add_timer(2ms, [&] { second = true; return Status(); });
    loop->add_timer(10ms, [&] { loop->stop(); return Status(); });
    ASSERT_TRUE(loop->run());
    EXPECT_FALSE(second);
}

TEST(EventLoop, FdHandlerRunsOnReadiness) {
    auto loop = make_loop();
    UniqueFd efd = make_eventfd();
    int calls = 0;
    ASSERT_TRUE(loop->add_fd(efd.get(), EPOLLIN, [&](uint32_t events) {
        EXPECT_TRUE(events & EPOLLIN);
        uint64_t v;
        EXPECT_EQ(::read(efd.get(), &v, sizeof v), 8);
        ++calls;
        return Status();
    }));
    ASSERT_TRUE(loop->run_once(0ms));
    EXPECT_EQ(calls, 0);
    signal_fd(efd.get());
    ASSERT_TRUE(loop->run_once(1s));
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(loop->add_fd(efd.get(), EPOLLIN, [](uint32_t) { return Status(); }));
}

TEST(EventLoop, HandlerMayRemoveItselfAndOthersDuringDispatch) {
    auto loop = make_loop();
    UniqueFd a = make_eventfd(), b = make_eventfd();
    int a_calls = 0, b_calls = 0;
    // Whichever runs first removes both; the other must not be called even
    // though its event was collected in the same epoll_wait.
    auto remover = [&](int& counter) {
        return [&](uint32_t) {
            ++counter;
            loop->remove_fd(a.get());
            loop->remove_fd(b.get());
            return Status();
        };
    };
    ASSERT_TRUE(loop->add_fd(a.get(), EPOLLIN, remover(a_calls)));
    ASSERT_TRUE(loop->add_fd(b.get(), EPOLLIN, remover(b_calls)));
    signal_fd(a.get());
    signal_fd(b.get());
    ASSERT_TRUE(loop->run_once(1s));
    EXPECT_EQ(a_calls + b_calls, 1);
    EXPECT_FALSE(loop->watching(a.get()));
    EXPECT_FALSE(loop->watching(b.get()));
    ASSERT_TRUE(loop->run_once(0ms));
    EXPECT_EQ(a_calls + b_calls, 1);
}

TEST(EventLoop, RemovedFdNumberReusedInSamePassGetsOnlyItsOwnEvents) {
    auto loop = make_loop();
    UniqueFd a = make_eventfd(), b = make_eventfd();
    int old_b_calls = 0, new_b_calls = 0;
    ASSERT_TRUE(loop->add_fd(a.get(), EPOLLIN, [&](uint32_t) {
        loop->remove_fd(b.get());
        return loop->add_fd(b.get(), EPOLLIN, [&](uint32_t) { ++new_b_calls; return Status(); });
    }));
    ASSERT_TRUE(loop->add_fd(b.get(), EPOLLIN, [&](uint32_t) { ++old_b_calls; return Status(); }));
    signal_fd(a.get());
    signal_fd(b.get());
    ASSERT_TRUE(loop->run_once(1s));
    // Either b's old handler ran before a's, or neither b handler ran in
    // this pass; the re-added handler is never fed the stale event.
    EXPECT_LE(old_b_calls, 1);
    EXPECT_EQ(new_b_calls, 0);
}

TEST(EventLoop, FailingHandlerIsLoggedAndLoopContinues) {
    auto loop = make_loop();
    int ran = 0;
    loop->add_timer(1ms, [&] { ++ran; return Status(make_error("handler broke")); });
    loop->add_timer(5ms, [&] { ++ran; loop->stop(); return Status(); });
    testing::internal::CaptureStderr();
    ASSERT_TRUE(loop->run());
    std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(ran, 2);
    EXPECT_NE(log.find("handler broke"), std::string::npos);
}

TEST(EventLoop, SignalsArriveThroughSignalfd) {
    auto loop = make_loop();
    int got = 0;
    ASSERT_TRUE(loop->add_signal(SIGUSR1, [&](const signalfd_siginfo& info) {
        got = static_cast<int>(info.ssi_signo);
        loop->stop();
        return Status();
    }));
    ASSERT_TRUE(loop->add_signal(SIGUSR2, [&](const signalfd_siginfo&) { return Status(); }));
    loop->add_timer(1ms, [] {
        ::raise(SIGUSR1);
        return Status();
    });
    loop->add_timer(5s, [&] { loop->stop(); return Status(); });  // safety net
    ASSERT_TRUE(loop->run());
    EXPECT_EQ(got, SIGUSR1);
}

}  // namespace
}  // namespace xvm
