#include "lib/priv/daemon_caps.h"

#include <gtest/gtest.h>
#include <linux/capability.h>

namespace xvm {
namespace {

TEST(DaemonCaps, ReadsTheShippedFile) {
    auto table = DaemonCaps::load(XVM_SOURCE_DIR "/privileges/daemon_caps");
    ASSERT_TRUE(table) << table.error().message;
    EXPECT_EQ(*table->keep_for("xenstored"), 0u);
    EXPECT_EQ(*table->keep_for("hvsim-launcher"),
              cap_bit(CAP_SETUID) | cap_bit(CAP_SETGID) | cap_bit(CAP_KILL));
    auto missing = table->keep_for("no-such-daemon");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("no line for no-such-daemon"), std::string::npos);
}

TEST(DaemonCaps, ErrorsNameTheLine) {
    auto twice = DaemonCaps::parse("a none\n  # why\na CAP_KILL\n", "f");
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().message, "f:3: a is listed twice");
    auto bad = DaemonCaps::parse("a CAP_NOPE\n", "f");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "f:1: unknown capability \"CAP_NOPE\"");
    auto bare = DaemonCaps::parse("a\n", "f");
    ASSERT_FALSE(bare);
    EXPECT_EQ(bare.error().message, "f:1: a has no capability list");
}

}  // namespace
}  // namespace xvm
