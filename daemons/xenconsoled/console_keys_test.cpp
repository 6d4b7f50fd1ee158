// The console keys come from the guest's own store directory: every value
// is checked and the limit capped.
#include "daemons/xenconsoled/console_keys.h"

#include <gtest/gtest.h>

namespace xvm::console {
namespace {

TEST(ConsoleKeys, MissingKeysMeanWait) {
    auto k = parse_console_keys({std::nullopt, "5", std::nullopt, std::nullopt});
    ASSERT_TRUE(k);
    EXPECT_FALSE(*k);
    k = parse_console_keys({"123", std::nullopt, std::nullopt, std::nullopt});
    ASSERT_TRUE(k);
    EXPECT_FALSE(*k);
}

TEST(ConsoleKeys, WhatXendWrites) {
    auto k = parse_console_keys({"4711", "3", "1048576", "xenconsoled"});
    ASSERT_TRUE(k && *k) << (k ? "" : k.error().message);
    EXPECT_EQ((*k)->ring_ref, 4711u);
    EXPECT_EQ((*k)->port, 3u);
    EXPECT_EQ((*k)->limit, 1048576u);
    EXPECT_FALSE((*k)->limit_adjusted);
    EXPECT_TRUE(served_type((*k)->type));
    EXPECT_FALSE(served_type("ioemu"));
    EXPECT_TRUE(served_type(""));
}

TEST(ConsoleKeys, BadValuesAreNamed) {
    auto k = parse_console_keys({"12x", "3", std::nullopt, std::nullopt});
    ASSERT_FALSE(k);
    EXPECT_NE(k.error().message.find("console/ring-ref '12x'"), std::string::npos);
    for (const char* port : {"0", "-1", "", "3 ", "99999999999"}) {
        k = parse_console_keys({"1", port, std::nullopt, std::nullopt});
        ASSERT_FALSE(k) << port;
        EXPECT_NE(k.error().message.find("console/port"), std::string::npos);
    }
    k = parse_console_keys({"1", "3", "lots", std::nullopt});
    ASSERT_FALSE(k);
    EXPECT_NE(k.error().message.find("console/limit 'lots'"), std::string::npos);
}

TEST(ConsoleKeys, LimitIsCappedNeverUnbounded) {
    auto k = parse_console_keys({"1", "3", "0", std::nullopt});  // Xen: unlimited
    ASSERT_TRUE(k && *k);
    EXPECT_EQ((*k)->limit, kDefaultLimit);
    EXPECT_TRUE((*k)->limit_adjusted);
    k = parse_console_keys({"1", "3", "99999999999", std::nullopt});
    ASSERT_TRUE(k && *k);
    EXPECT_EQ((*k)->limit, kMaxLimit);
    k = parse_console_keys({"1", "3", "10", std::nullopt});
    ASSERT_TRUE(k && *k);
    EXPECT_EQ((*k)->limit, kMinLimit);
    k = parse_console_keys({"1", "3", std::nullopt, std::nullopt});
    ASSERT_TRUE(k && *k);
    EXPECT_EQ((*k)->limit, kDefaultLimit);
    EXPECT_FALSE((*k)->limit_adjusted);
}

}  // namespace
}  // namespace xvm::console
