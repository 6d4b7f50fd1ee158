#include "daemons/xend/balloon.h"

#include <gtest/gtest.h>

#include "daemons/xend/test_hypervisor.h"

namespace xvm::xend {
namespace {

using test::TestHypervisor;

BalloonPolicy policy(std::uint64_t min_mib, int* sleeps = nullptr) {
    BalloonPolicy p;
    p.dom0_min_kib = min_mib * 1024;
    p.sleep = [sleeps](std::chrono::milliseconds) {
        if (sleeps) ++*sleeps;
    };
    return p;
}

TEST(Balloon, EnoughFreeMemoryTouchesNothing) {
    TestHypervisor hv;  // 1 GiB host, dom0 512 MiB: 512 MiB free
    ASSERT_TRUE(balloon_free(hv, 512 * 1024, policy(196)));
    EXPECT_EQ(hv.target_calls, 0);
}

TEST(Balloon, TakesTheShortfallFromDom0) {
    TestHypervisor hv;
    hv.guests_kib = 400 * 1024;  // 112 MiB free
    ASSERT_TRUE(balloon_free(hv, 300 * 1024, policy(196)));
    EXPECT_EQ(hv.dom0_kib, 324u * 1024);
    EXPECT_EQ(hv.target_calls, 1);
}

TEST(Balloon, NeverBelowDom0MinMemAndSaysSoWithTheNumbers) {
    TestHypervisor hv;
    hv.guests_kib = 400 * 1024;
    auto r = balloon_free(hv, 500 * 1024, policy(196));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "I need 512000 KiB, but dom0_min_mem is 200704 KiB (config/dom0-min-mem 196 MiB) and shrinking to "
              "200704 KiB would leave only 438272 KiB free.");
    EXPECT_EQ(hv.target_calls, 0);  // refused before touching dom0
    EXPECT_EQ(hv.dom0_kib, 512u * 1024);
}

TEST(Balloon, OffWhenDom0MinMemIsZero) {
    TestHypervisor hv;
    auto r = balloon_free(hv, 600 * 1024, policy(0));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "Not enough free memory and enable-dom0-ballooning is False, so I cannot release any more.  I need "
              "614400 KiB but only have 524288.");
}

TEST(Balloon, WaitsForASlowDom0) {
    TestHypervisor hv;
    hv.guests_kib = 400 * 1024;
    hv.dom0_yields = 50 * 1024;  // gives 50 MiB per request
    int sleeps = 0;
    ASSERT_TRUE(balloon_free(hv, 300 * 1024, policy(196, &sleeps)));
    EXPECT_GE(hv.free_kib(), 300u * 1024);
    EXPECT_GE(sleeps, 3);
}

TEST(Balloon, GivesUpOnADom0ThatNeverYields) {
    TestHypervisor hv;
    hv.guests_kib = 400 * 1024;
    hv.dom0_yields = 0;
    int sleeps = 0;
    auto r = balloon_free(hv, 300 * 1024, policy(196, &sleeps));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "Not enough memory is available, and dom0 cannot be shrunk any further");
    EXPECT_EQ(sleeps, 20);                 // the original's tries for less than 1 GiB short
    EXPECT_EQ(hv.target_kib, 512u * 1024);  // the target given back
}

}  // namespace
}  // namespace xvm::xend
