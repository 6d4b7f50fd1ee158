#include "cmd/xvm-method/run_dirs.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace xvm::method {
namespace {

TEST(RunDirs, ParsesTheShippedTable) {
    std::ifstream in(XVM_SOURCE_DIR "/privileges/xctl_dirs");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto dirs = parse_run_dirs(text, "xctl_dirs");
    ASSERT_TRUE(dirs) << dirs.error().message;
    std::vector<std::string> paths;
    for (const auto& d : *dirs) paths.push_back(d.path);
    EXPECT_EQ(paths, (std::vector<std::string>{"/var/run/xend", "/var/lib/xend", "/var/lib/xend/domains",
                                               "/var/xen/dump", "/var/log/xen"}));
    EXPECT_EQ((*dirs)[3].mode, 0700u);
    EXPECT_EQ((*dirs)[3].user, "xvm");
}

TEST(RunDirs, ReportsEveryBadLine) {
    auto dirs = parse_run_dirs("/ok 0755 xvm\n"
                               "relative 0755 xvm\n"
                               "/a/../b 0755 xvm\n"
                               "/m 0777 xvm\n"
                               "/m2 rwx xvm\n"
                               "/o 0755\n"
                               "/r 0755 root\n"
                               "/x 0755 xvm extra\n"
                               "/ok 0700 xvm\n"
                               "/g 0755 xvm:\n",
                               "t");
    ASSERT_FALSE(dirs);
    const std::string& m = dirs.error().message;
    EXPECT_NE(m.find("t:2: path \"relative\" is not a plain absolute path"), std::string::npos) << m;
    EXPECT_NE(m.find("t:3: path \"/a/../b\""), std::string::npos) << m;
    EXPECT_NE(m.find("t:4: mode 0777 is not allowed (at most 0775)"), std::string::npos) << m;
    EXPECT_NE(m.find("t:5: mode \"rwx\" is not an octal mode"), std::string::npos) << m;
    EXPECT_NE(m.find("t:6: expected: path mode owner"), std::string::npos) << m;
    EXPECT_NE(m.find("t:7: owner root"), std::string::npos) << m;
    EXPECT_NE(m.find("t:8: unexpected \"extra\""), std::string::npos) << m;
    EXPECT_NE(m.find("t:9: /ok is listed twice"), std::string::npos) << m;
    EXPECT_NE(m.find("t:10: owner \"xvm:\""), std::string::npos) << m;
}

TEST(RunDirs, CommentsAndBlankLinesAreIgnored) {
    auto dirs = parse_run_dirs("# c\n\n   \n/a 0700 xvm   # why\n", "t");
    ASSERT_TRUE(dirs) << dirs.error().message;
    ASSERT_EQ(dirs->size(), 1u);
    EXPECT_EQ((*dirs)[0].line, 4);
}

class RunDirsAsRoot : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "making directories for another account needs root";
        xvm_ = ::getpwnam("xvm");
        if (xvm_ == nullptr) GTEST_SKIP() << "user xvm does not exist (scripts/xvm-accounts)";
        char tmpl[] = "/tmp/xvm-rundirs-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        root_ = tmpl;
    }
    void TearDown() override {
        if (!root_.empty()) (void)std::system(("rm -rf '" + root_ + "'").c_str());
    }
    struct stat stat_of(const std::string& p) {
        struct stat st {};
        EXPECT_EQ(::lstat((root_ + p).c_str(), &st), 0) << p;
        return st;
    }
    struct passwd* xvm_ = nullptr;
    std::string root_;
};

TEST_F(RunDirsAsRoot, MakesThemOwnedByTheAccount) {
    auto dirs = parse_run_dirs("/var/lib/xend 0755 xvm\n/var/lib/xend/domains 0700 xvm\n", "t");
    ASSERT_TRUE(dirs);
    ASSERT_TRUE(make_run_dirs(*dirs, root_));
    auto st = stat_of("/var/lib/xend/domains");
    EXPECT_EQ(st.st_uid, xvm_->pw_uid);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    EXPECT_EQ(stat_of("/var/lib").st_uid, 0u);  // parents stay root's
    // Again: idempotent.
    EXPECT_TRUE(make_run_dirs(*dirs, root_));
}

TEST_F(RunDirsAsRoot, AnOlderRootOwnedDirectoryIsHandedOver) {
    ASSERT_EQ(std::system(("mkdir -p '" + root_ + "/var/xen/dump' && chmod 0755 '" + root_ +
                           "/var/xen/dump'").c_str()), 0);
    auto dirs = parse_run_dirs("/var/xen/dump 0700 xvm\n", "t");
    ASSERT_TRUE(make_run_dirs(*dirs, root_));
    auto st = stat_of("/var/xen/dump");
    EXPECT_EQ(st.st_uid, xvm_->pw_uid);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
}

// The attack: xvm owns /var/lib/xend and plants a link where root is about
// to make (and chown) domains/, pointing at a directory of root's.
TEST_F(RunDirsAsRoot, APlantedSymlinkIsRefusedNotFollowed) {
    auto dirs = parse_run_dirs("/var/lib/xend 0755 xvm\n/var/lib/xend/domains 0700 xvm\n", "t");
    ASSERT_TRUE(make_run_dirs(*dirs, root_));
    ASSERT_EQ(::rmdir((root_ + "/var/lib/xend/domains").c_str()), 0);
    std::string target = root_ + "/precious";
    ASSERT_EQ(::mkdir(target.c_str(), 0755), 0);
    ASSERT_EQ(::symlink(target.c_str(), (root_ + "/var/lib/xend/domains").c_str()), 0);
    // Planted by xvm: a link of root's own making would be followed.
    ASSERT_EQ(::lchown((root_ + "/var/lib/xend/domains").c_str(), xvm_->pw_uid, xvm_->pw_gid), 0);
    auto made = make_run_dirs(*dirs, root_);
    ASSERT_FALSE(made);
    EXPECT_NE(made.error().message.find("/var/lib/xend/domains is a symbolic link: refused"),
              std::string::npos)
        << made.error().message;
    auto st = stat_of("/precious");
    EXPECT_EQ(st.st_uid, 0u);  // untouched
    EXPECT_EQ(st.st_mode & 07777, 0755u);
}

TEST_F(RunDirsAsRoot, AnUnknownAccountIsAnError) {
    auto dirs = parse_run_dirs("/d 0755 no-such-user-xvm\n", "t");
    ASSERT_TRUE(dirs);
    auto made = make_run_dirs(*dirs, root_);
    ASSERT_FALSE(made);
    EXPECT_NE(made.error().message.find("user no-such-user-xvm does not exist"), std::string::npos);
}

}  // namespace
}  // namespace xvm::method
