#include "lib/base/trusted_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace xvm {
namespace {

class TrustedDir : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (checks ownership by root)";
        char tmpl[] = "/tmp/xvm-trusted-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        top_ = tmpl;
        ::chmod(top_.c_str(), 0755);
    }
    void TearDown() override {
        if (!top_.empty()) (void)!std::system(("rm -rf '" + top_ + "'").c_str());
    }
    std::string top_;
};

TEST_F(TrustedDir, CreatesTheChainAndGivesTheLastToItsOwner) {
    auto dir = make_trusted_dir(top_ + "/var/run/xvm", {60000, 60000, 0750});
    ASSERT_TRUE(dir) << dir.error().message;
    struct stat st {};
    ASSERT_EQ(::stat((top_ + "/var/run/xvm").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 60000u);
    EXPECT_EQ(st.st_mode & 07777, 0750u);
    ASSERT_EQ(::stat((top_ + "/var/run").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 0u);
}

// A link someone other than root made (as xvm can in its own directories).
TEST_F(TrustedDir, RefusesASymlinkAnywhere) {
    ASSERT_EQ(::mkdir((top_ + "/elsewhere").c_str(), 0755), 0);
    ASSERT_EQ(::symlink((top_ + "/elsewhere").c_str(), (top_ + "/run").c_str()), 0);
    ASSERT_EQ(::lchown((top_ + "/run").c_str(), 60000, 60000), 0);
    auto dir = make_trusted_dir(top_ + "/run/xvm", {60000, 60000, 0755});
    ASSERT_FALSE(dir);
    EXPECT_EQ(dir.error().message, top_ + "/run is a symbolic link: refused");
    struct stat st {};
    EXPECT_NE(::stat((top_ + "/elsewhere/xvm").c_str(), &st), 0) << "followed the link";
    auto last = make_trusted_dir(top_ + "/run", {60000, 60000, 0755});
    ASSERT_FALSE(last);
    ASSERT_EQ(::stat((top_ + "/elsewhere").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 0u) << "chowned through the link";
}

// Debian's /var/run -> /run: only root could have made such a link, and
// its target is walked under the same checks.
TEST_F(TrustedDir, FollowsALinkOnlyRootCouldHaveMade) {
    ASSERT_EQ(::mkdir((top_ + "/run").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((top_ + "/var").c_str(), 0755), 0);
    ASSERT_EQ(::symlink("../run", (top_ + "/var/run").c_str()), 0);
    auto dir = make_trusted_dir(top_ + "/var/run/xvm", {60000, 60000, 0755});
    ASSERT_TRUE(dir) << dir.error().message;
    struct stat st {};
    ASSERT_EQ(::stat((top_ + "/run/xvm").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 60000u);
    // The target is checked like any other path: an open one is refused.
    ASSERT_EQ(::chmod((top_ + "/run").c_str(), 0777), 0);
    auto open = make_trusted_dir(top_ + "/var/run/xvm", {60000, 60000, 0755});
    ASSERT_FALSE(open);
    EXPECT_NE(open.error().message.find("/run is writable by others: refused"), std::string::npos)
        << open.error().message;
}

TEST_F(TrustedDir, RefusesForeignOwnersAndWritableParents) {
    std::string foreign = top_ + "/foreign";
    ASSERT_EQ(::mkdir(foreign.c_str(), 0755), 0);
    ASSERT_EQ(::chown(foreign.c_str(), 12345, 12345), 0);
    auto dir = make_trusted_dir(foreign, {60000, 60000, 0755});
    ASSERT_FALSE(dir);
    EXPECT_EQ(dir.error().message, foreign + " belongs to uid 12345: refused");
    auto below = make_trusted_dir(foreign + "/x", {60000, 60000, 0755});
    ASSERT_FALSE(below);
    EXPECT_EQ(below.error().message, foreign + " belongs to uid 12345, not root: refused");
    std::string open = top_ + "/open";
    ASSERT_EQ(::mkdir(open.c_str(), 0755), 0);
    ASSERT_EQ(::chmod(open.c_str(), 0777), 0);
    auto writable = make_trusted_dir(open + "/x", {60000, 60000, 0755});
    ASSERT_FALSE(writable);
    EXPECT_EQ(writable.error().message, open + " is writable by others: refused");
    ASSERT_EQ(::chmod(open.c_str(), 01777), 0);  // sticky, as /tmp: fine
    EXPECT_TRUE(make_trusted_dir(open + "/x", {60000, 60000, 0755}));
}

TEST_F(TrustedDir, TakesOverItsOwnExistingDirectory) {
    std::string own = top_ + "/own";
    ASSERT_EQ(::mkdir(own.c_str(), 0700), 0);
    ASSERT_EQ(::chown(own.c_str(), 60000, 60000), 0);
    ASSERT_TRUE(make_trusted_dir(own, {60000, 60000, 0755}));
    EXPECT_TRUE(open_trusted_dir(own, 60000));
    EXPECT_FALSE(open_trusted_dir(own, 60001));
}

}  // namespace
}  // namespace xvm
