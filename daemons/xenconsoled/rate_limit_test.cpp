// Xen's rate limit, with an explicit clock: the allowance-th notification
// of a period masks; a new period starts when the old one ended.
#include "daemons/xenconsoled/rate_limit.h"

#include <gtest/gtest.h>

namespace xvm::console {
namespace {

using namespace std::chrono_literals;

TEST(RateLimit, ThirtiethNotificationInAPeriodMasks) {
    RateLimit r(30, 200ms);
    auto t = RateLimit::Clock::time_point{} + 1h;
    for (int i = 1; i < 30; ++i) EXPECT_FALSE(r.count(t + std::chrono::microseconds(i))) << i;
    EXPECT_TRUE(r.count(t + 1ms));
    EXPECT_TRUE(r.masked());
    EXPECT_EQ(r.period_end(), t + std::chrono::microseconds(1) + 200ms);  // from the first
    r.unmask(t + 200ms);
    EXPECT_FALSE(r.masked());
    EXPECT_FALSE(r.count(t + 201ms));
    EXPECT_EQ(r.mask_count(), 1u);
}

TEST(RateLimit, SlowGuestsAreNeverMasked) {
    RateLimit r(30, 200ms);
    auto t = RateLimit::Clock::time_point{} + 1h;
    for (int i = 0; i < 1000; ++i) EXPECT_FALSE(r.count(t + i * 10ms));  // 20 per period
    EXPECT_EQ(r.mask_count(), 0u);
}

TEST(RateLimit, NewSettingsApplyToTheNextCount) {
    RateLimit r(30, 200ms);
    auto t = RateLimit::Clock::time_point{} + 1h;
    r.set(2, 50ms);
    EXPECT_FALSE(r.count(t));
    EXPECT_TRUE(r.count(t + 1ms));
    EXPECT_EQ(r.period_end(), t + 50ms);
}

}  // namespace
}  // namespace xvm::console
