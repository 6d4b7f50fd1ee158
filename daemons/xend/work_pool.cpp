#include "daemons/xend/work_pool.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "daemons/xend/worker.h"
#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm::xend {

Result<std::unique_ptr<WorkPool>> WorkPool::start(EventLoop& loop,
                                                  std::vector<std::unique_ptr<Worker>> workers) {
    UniqueFd wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!wake) return errno_error("cannot create the worker eventfd");
    std::unique_ptr<WorkPool> pool(new WorkPool(loop, std::move(wake)));
    WorkPool* self = pool.get();
    if (Status s = loop.add_fd(pool->wake_.get(), EPOLLIN, [self](std::uint32_t) { return self->on_wake(); });
        !s)
        return std::move(s).error();
    pool->workers_ = std::move(workers);
    for (auto& w : pool->workers_) pool->threads_.emplace_back([self, &w] { self->run(*w); });
    return pool;
}

WorkPool::~WorkPool() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        jobs_.clear();
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    loop_.remove_fd(wake_.get());
}

Status WorkPool::submit(Job job) {
    {
        std::lock_guard lock(mu_);
        if (jobs_.size() >= kMaxQueued)
            return make_error(cat("xend is busy: ", kMaxQueued, " operations are waiting; try again later"),
                              EBUSY);
        jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
    return {};
}

std::size_t WorkPool::busy() const {
    std::lock_guard lock(mu_);
    return jobs_.size() + running_;
}

void WorkPool::run(Worker& worker) {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
            ++running_;
        }
        Done done = job(worker);
        finished(std::move(done));
    }
}

void WorkPool::finished(Done done) {
    {
        std::lock_guard lock(mu_);
        --running_;
        if (done) done_.push_back(std::move(done));
    }
    const std::uint64_t one = 1;
    // EAGAIN only when the counter is saturated: the loop is awake anyway.
    (void)!::write(wake_.get(), &one, sizeof one);
}

Status WorkPool::on_wake() {
    std::uint64_t count;
    (void)!::read(wake_.get(), &count, sizeof count);  // EAGAIN: a spurious wake
    std::deque<Done> ready;
    {
        std::lock_guard lock(mu_);
        ready.swap(done_);
    }
    for (Done& d : ready) d();
    return {};
}

}  // namespace xvm::xend
