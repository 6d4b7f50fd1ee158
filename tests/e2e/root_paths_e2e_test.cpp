// The hardening issue, item 2: links planted by xvm in the directories it
// owns must never steer what the daemons do as root at start-up. Before
// the daemon kit, xenstored chowned <run>/tdb and hvsim its state
// directory by path as root, following such links: xvm could take any
// file of the system. Each test plants the link as xvm, restarts the
// daemon as root (as its SMF start method would) and shows the start is
// refused with a clear message and the target is untouched.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "lib/base/format.h"
#include "tests/e2e/xs_harness.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

class RootPathsE2E : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = needs_root()) GTEST_SKIP() << *why;
        ASSERT_EQ(run(XVM_SOURCE_DIR "/cmd/xvm-accounts/xvm-accounts >/dev/null"), 0);
        victim_ = root_ / "/victim";
        write_file(victim_, "root's secret\n");
        ASSERT_EQ(::chmod(victim_.c_str(), 0600), 0);
        ASSERT_EQ(::mkdir((root_ / "/victim.d").c_str(), 0700), 0);
    }
    // Runs a shell command as user xvm (what a compromised daemon can do).
    int as_xvm(const std::string& command) {
        return run("setpriv --reuid=xvm --regid=xvm --clear-groups sh -c '" + command + "'");
    }
    static uid_t owner(const std::string& path) {
        struct stat st {};
        return ::lstat(path.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
    }
    static int exit_code(Child& c) {
        int status = c.wait();
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    TempRoot root_;
    std::string victim_;
};

TEST_F(RootPathsE2E, XenstoredRefusesALinkPlantedAsItsStore) {
    {
        Xenstored first(root_, {});
        ASSERT_TRUE(first.wait_ready()) << first.log();
        first.child().kill(SIGTERM);
        ASSERT_EQ(exit_code(first.child()), 0);
    }
    std::string tdb = root_ / "/var/run/xenstored/tdb";
    ASSERT_EQ(as_xvm("rm -f " + tdb + " && ln -s " + victim_ + " " + tdb), 0);
    Xenstored second(root_, {"--init-store"}, false);
    EXPECT_EQ(exit_code(second.child()), 95) << second.log();  // SMF_EXIT_ERR_FATAL
    EXPECT_NE(second.log().find(tdb + " is a symbolic link: refused"), std::string::npos)
        << second.log();
    EXPECT_EQ(owner(victim_), 0u);
    EXPECT_EQ(read_file(victim_), "root's secret\n");
}

TEST_F(RootPathsE2E, XenstoredRefusesALinkedRunDirectory) {
    // The daemon's own directory a link that root did not make (a link
    // root made - Debian's /var/run -> /run - is walked and checked).
    ASSERT_EQ(run("mkdir -p " + root_ / "/var/run"), 0);
    ASSERT_EQ(::symlink((root_ / "/victim.d").c_str(), (root_ / "/var/run/xenstored").c_str()), 0);
    ASSERT_EQ(::lchown((root_ / "/var/run/xenstored").c_str(), 65534, 65534), 0);
    Xenstored d(root_, {});
    EXPECT_EQ(exit_code(d.child()), 95) << d.log();
    EXPECT_NE(d.log().find("/var/run/xenstored is a symbolic link: refused"), std::string::npos)
        << d.log();
    EXPECT_EQ(owner(root_ / "/victim.d"), 0u);
}

TEST_F(RootPathsE2E, HvsimRefusesALinkPlantedAsItsStateDirectory) {
    auto hvsim = [&] {
        return Child::spawn({HVSIM_PROGRAM, "-d", "--guest", GUEST_PROGRAM},
                            {{"XVM_ROOT", root_.path()}}, root_ / "/hvsim.log");
    };
    {
        Child first = hvsim();
        ASSERT_TRUE(eventually([&] { return ::access((root_ / "/var/run/xvm/hvsim.sock").c_str(), F_OK) == 0; }))
            << read_file(root_ / "/hvsim.log");
        first.kill(SIGTERM);
        ASSERT_EQ(exit_code(first), 0) << read_file(root_ / "/hvsim.log");
    }
    std::string state = root_ / "/var/run/xvm/hvsim";
    ASSERT_EQ(owner(state), owner(root_ / "/var/run/xvm"));  // xvm's
    ASSERT_EQ(as_xvm("rm -rf " + state + " && ln -s " + root_ / "/victim.d" + " " + state), 0);
    Child second = hvsim();
    EXPECT_EQ(exit_code(second), 95) << read_file(root_ / "/hvsim.log");
    EXPECT_NE(read_file(root_ / "/hvsim.log").find(state + " is a symbolic link: refused"),
              std::string::npos)
        << read_file(root_ / "/hvsim.log");
    EXPECT_EQ(owner(root_ / "/victim.d"), 0u);
}

// Item 10: whoever creates the stack's root first must not be able to
// replace what stack-up then runs as root.
TEST_F(RootPathsE2E, StackUpRefusesARootOthersCouldHavePrepared) {
    auto stack_up = [](const std::string& root) {
        return capture({XVM_SOURCE_DIR "/scripts/stack-up", root});
    };
    std::string foreign = root_ / "/foreign";
    ASSERT_EQ(::mkdir(foreign.c_str(), 0755), 0);
    ASSERT_EQ(::chown(foreign.c_str(), 65534, 65534), 0);
    Output o = stack_up(foreign);
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.err.find(foreign + " belongs to uid 65534, not root; refused"), std::string::npos)
        << o.err;
    EXPECT_EQ(::access((foreign + "/usr").c_str(), F_OK), -1) << "installed into it anyway";

    std::string planted = root_ / "/planted";
    ASSERT_EQ(run("mkdir -p " + planted + "/usr/lib/svc/bin"), 0);
    ASSERT_EQ(::chmod(planted.c_str(), 0755), 0);
    ASSERT_EQ(::chown((planted + "/usr/lib/svc/bin").c_str(), 65534, 65534), 0);
    o = stack_up(planted);
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.err.find(planted + "/usr/lib/svc/bin belongs to uid 65534, not root"),
              std::string::npos)
        << o.err;

    std::string open = root_ / "/open";
    ASSERT_EQ(::mkdir(open.c_str(), 0777), 0);
    ASSERT_EQ(::chmod(open.c_str(), 0777), 0);
    o = stack_up(open + "/root");
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.err.find(open + " may be written by others"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace xvm::test
