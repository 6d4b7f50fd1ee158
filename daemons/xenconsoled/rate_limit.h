// Xen's per-domain event rate limit (tools/console/daemon/io.c,
// RATE_LIMIT_ALLOWANCE / RATE_LIMIT_PERIOD): at most `allowance` event-
// channel notifications of one domain are served per period; the one that
// reaches the allowance masks the channel until the period ends. Each
// notification drains the whole ring, so a flooding guest gets at most
// allowance * ring size bytes per period and the daemon's time stays with
// the other domains.
#pragma once

#include <chrono>
#include <cstdint>

namespace xvm::console {

class RateLimit {
  public:
    using Clock = std::chrono::steady_clock;

    RateLimit(std::uint32_t allowance, std::chrono::milliseconds period)
        : allowance_(allowance), period_(period) {}

    // Counts one notification at `now`; true when the channel must now be
    // masked until period_end().
    bool count(Clock::time_point now);
    Clock::time_point period_end() const { return period_end_; }
    // The masked period is over: a new one starts at `now`.
    void unmask(Clock::time_point now);
    bool masked() const { return masked_; }
    void set(std::uint32_t allowance, std::chrono::milliseconds period) {
        allowance_ = allowance;
        period_ = period;
    }
    // Times the channel had to be masked.
    std::uint64_t mask_count() const { return masks_; }

  private:
    std::uint32_t allowance_;
    std::chrono::milliseconds period_;
    Clock::time_point period_end_{};
    std::uint32_t events_ = 0;
    bool masked_ = false;
    std::uint64_t masks_ = 0;
};

}  // namespace xvm::console
