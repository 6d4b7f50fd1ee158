#include "daemons/hvsim/options.h"

#include <gtest/gtest.h>

namespace xvm::hvsim {
namespace {

TEST(Options, HostSizeFromOptions) {
    auto o = parse_options({"--cpus", "8", "--memory-mib", "2048", "--dom0-mib", "512", "-d"});
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_EQ(o->host.cpus, 8u);
    EXPECT_EQ(o->host.memory_kib, 2048u * 1024);
    EXPECT_EQ(o->host.dom0_kib, 512u * 1024);
    EXPECT_TRUE(o->debug);
}

TEST(Options, ReportsEveryErrorNotJustTheFirst) {
    auto o = parse_options({"--cpus", "0", "--memory-mib", "lots", "--colour", "red"});
    ASSERT_FALSE(o);
    const std::string& m = o.error().message;
    EXPECT_NE(m.find("--cpus: 0 is not in 1..128"), std::string::npos) << m;
    EXPECT_NE(m.find("--memory-mib: lots is not in 1..1073741824"), std::string::npos) << m;
    EXPECT_NE(m.find("--colour: unknown setting colour"), std::string::npos) << m;
}

TEST(Options, Dom0MustFitTheHost) {
    auto o = parse_options({"--memory-mib", "512", "--dom0-mib", "1024"});
    ASSERT_FALSE(o);
    EXPECT_NE(o.error().message.find("dom0-mib: 1024 MiB is more than the host's 512 MiB"),
              std::string::npos);
}

TEST(Options, MissingValue) {
    auto o = parse_options({"--cpus"});
    ASSERT_FALSE(o);
    EXPECT_NE(o.error().message.find("option --cpus needs a value"), std::string::npos);
}

}  // namespace
}  // namespace xvm::hvsim
