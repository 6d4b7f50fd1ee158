#include "lib/base/paths.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace xvm {
namespace {

class PathsTest : public ::testing::Test {
protected:
    void TearDown() override { ::unsetenv("XVM_ROOT"); }
};

TEST_F(PathsTest, UnsetRootLeavesPathsAlone) {
    ::unsetenv("XVM_ROOT");
    EXPECT_EQ(xvm_root(), "");
    EXPECT_EQ(root_path("/var/run/xenstored/socket"), "/var/run/xenstored/socket");
}

TEST_F(PathsTest, SlashRootIsNoRoot) {
    ::setenv("XVM_ROOT", "/", 1);
    EXPECT_EQ(root_path("/etc/svc/repository.tdb"), "/etc/svc/repository.tdb");
}

TEST_F(PathsTest, RootIsPrefixedWithoutDoubleSlash) {
    ::setenv("XVM_ROOT", "/tmp/r//", 1);
    EXPECT_EQ(xvm_root(), "/tmp/r");
    EXPECT_EQ(root_path("/var/log/xen"), "/tmp/r/var/log/xen");
}

TEST_F(PathsTest, RelativePathsAreNotRooted) {
    ::setenv("XVM_ROOT", "/tmp/r", 1);
    EXPECT_EQ(root_path("relative/file"), "relative/file");
    EXPECT_EQ(root_path(""), "");
}

}  // namespace
}  // namespace xvm
