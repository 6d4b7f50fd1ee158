// xend's threads: the event loop (one thread: every socket, every lookup,
// every piece of xend's state) and a small fixed pool of workers for the
// operations that block - building a domain (ballooning waits for dom0 to
// give memory back), destroying one, core dumps, restarts. A job runs on a
// worker with that worker's own hypervisor and store connections
// (Worker), touches nothing of the loop's state, and returns a completion
// that the loop thread runs: all state changes happen on the loop. So
// `xm list` is answered while a create or a dump runs, and no lock guards
// xend's tables.
//
// Bounds: at most kMaxQueued jobs wait; submit() refuses more (the caller
// answers "busy"). Stopping lets running jobs finish and drops the queued
// ones (their completions never run).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "lib/base/event_loop.h"
#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm::xend {

struct Worker;  // worker.h: one worker's connections

class WorkPool {
public:
    static constexpr std::size_t kMaxQueued = 256;

    using Done = std::function<void()>;          // runs on the loop thread
    using Job = std::function<Done(Worker&)>;    // runs on a worker

    // One thread per Worker. Call after the loop's signals are registered
    // (threads inherit the blocked signal mask).
    static Result<std::unique_ptr<WorkPool>> start(EventLoop& loop,
                                                   std::vector<std::unique_ptr<Worker>> workers);
    ~WorkPool();
    WorkPool(const WorkPool&) = delete;
    WorkPool& operator=(const WorkPool&) = delete;

    // From the loop thread. An error when kMaxQueued jobs already wait.
    Status submit(Job job);
    // Jobs waiting or running (loop thread).
    std::size_t busy() const;
    std::size_t size() const { return threads_.size(); }

private:
    WorkPool(EventLoop& loop, UniqueFd wake) : loop_(loop), wake_(std::move(wake)) {}
    void run(Worker& worker);
    void finished(Done done);
    Status on_wake();

    EventLoop& loop_;
    UniqueFd wake_;  // eventfd: completions are waiting
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::thread> threads_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> jobs_;
    std::deque<Done> done_;
    std::size_t running_ = 0;
    bool stopping_ = false;
};

}  // namespace xvm::xend
