// The accept loop every daemon shares (lib/priv/peer_listener.h), against
// the real xenstored: running out of descriptors backs off with one log
// line and recovers; a connect loop by an unprivileged user is logged once
// plus a summary, not once per connection (hardening issue items 7 and 8).
// And what a peer sends cannot forge a log line (item 12).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <string>
#include <vector>

#include "lib/base/format.h"
#include "lib/xen/xs_wire.h"
#include "tests/e2e/xs_harness.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

std::size_t open_fds(pid_t pid) {
    std::size_t n = 0;
    DIR* d = ::opendir(cat("/proc/", pid, "/fd").c_str());
    if (d == nullptr) return 0;
    while (dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') ++n;
    ::closedir(d);
    return n;
}

class PeerListenerE2E : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = needs_root()) GTEST_SKIP() << *why;
        ASSERT_EQ(run(XVM_SOURCE_DIR "/cmd/xvm-accounts/xvm-accounts >/dev/null"), 0);
        daemon_.emplace(root_, std::vector<std::string>{});
        ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    }
    bool serves() {
        XsClient c(daemon_->socket());
        if (!c.valid()) return false;
        auto r = c.call(XS_WRITE, nul_join({"/alive"}) + "yes", 0);
        return r && r->error().empty();
    }

    TempRoot root_;
    std::optional<Xenstored> daemon_;
};

TEST_F(PeerListenerE2E, OutOfDescriptorsBacksOffLogsOnceAndRecovers) {
    pid_t pid = daemon_->pid();
    std::size_t limit = open_fds(pid) + 8;
    // As xvm, the daemon's own user: lowering another process's limit needs
    // no capability then (CAP_SYS_RESOURCE may be missing in a container).
    ASSERT_EQ(run(cat("setpriv --reuid=xvm --regid=xvm --clear-groups prlimit --pid ", pid,
                      " --nofile=", limit, ":", limit)),
              0);
    // More clients than descriptors left: the daemon accepts until EMFILE,
    // the rest wait in the backlog while the listener is paused.
    std::vector<XsClient> hogs;
    for (int i = 0; i < 32; ++i) hogs.emplace_back(daemon_->socket());
    ASSERT_TRUE(eventually([&] { return daemon_->log().find("not accepting") != std::string::npos; }))
        << daemon_->log();
    // Three back-off periods later still one line: no spinning, no log flood.
    XsClient waiting(daemon_->socket());
    EXPECT_FALSE(eventually([&] { return false; }, 3s));
    EXPECT_EQ(count(daemon_->log(), "not accepting"), 1u) << daemon_->log();
    // Free the descriptors: the daemon accepts again and serves everyone.
    hogs.clear();
    EXPECT_TRUE(eventually([&] { return serves(); }, 10s)) << daemon_->log();
    auto r = waiting.call(XS_READ, nul_join({"/alive"}));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->payload, "yes");
    EXPECT_NE(daemon_->log().find("accepting connections again"), std::string::npos);
}

TEST_F(PeerListenerE2E, ARefusedConnectLoopIsLoggedOnceThenSummed) {
    TestUsers users;
    users.add("xvmx-pl-none", "");
    uid_t none = users.uid("xvmx-pl-none");
    constexpr int kConnects = 400;
    ASSERT_EQ(exit_code_as(none, [&] {
                  for (int i = 0; i < kConnects; ++i) {
                      XsClient c(daemon_->socket());
                      auto r = c.call(XS_READ, nul_join({"/"}));
                      if (!r || r->error() != "EACCES") return false;
                  }
                  return true;
              }),
              0);
    std::string line = cat("refused xenstore socket for uid ", none, " pid ");
    std::string summary =
        cat("... ", kConnects - 1, " more refusals of xenstore socket for uid ", none,
            " in the last 10 s");
    EXPECT_TRUE(eventually([&] { return daemon_->log().find(summary) != std::string::npos; }, 20s))
        << daemon_->log();
    EXPECT_EQ(count(daemon_->log(), line), 1u) << daemon_->log();
    EXPECT_TRUE(serves());
}

// Item 12: descriptors a parent leaves open do not survive into the daemon.
TEST(DaemonDescriptors, NothingInheritedSurvivesTheStart) {
    if (auto why = needs_root()) GTEST_SKIP() << *why;
    TempRoot root;
    std::string secret = root / "/inherited";
    write_file(secret, "not for xvm\n");
    int fd = ::open(secret.c_str(), O_RDONLY);  // no O_CLOEXEC: inherited on purpose
    ASSERT_GE(fd, 0);
    Xenstored d(root, {});
    ASSERT_TRUE(d.wait_ready()) << d.log();
    ::close(fd);
    std::string dir = cat("/proc/", d.pid(), "/fd");
    DIR* fds = ::opendir(dir.c_str());
    ASSERT_NE(fds, nullptr);
    while (dirent* e = ::readdir(fds)) {
        char target[512] = {};
        ssize_t n = ::readlink((dir + "/" + e->d_name).c_str(), target, sizeof target - 1);
        if (n > 0) {
            EXPECT_NE(std::string(target, n), secret) << "descriptor " << e->d_name;
        }
    }
    ::closedir(fds);
}

TEST_F(PeerListenerE2E, ControlPrintCannotForgeALogLine) {
    XsClient c(daemon_->socket());
    std::string forged = "hello\n2026-11-29T00:00:00.000Z xenstored[1]: refresh: quotas nodes 1";
    auto r = c.call(XS_CONTROL, nul_join({"print", forged}));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error(), "");
    EXPECT_TRUE(eventually([&] {
        return daemon_->log().find("CONTROL print: hello\\n2026-11-29T00:00:00.000Z") !=
               std::string::npos;
    })) << daemon_->log();
    EXPECT_EQ(daemon_->log().find("\n2026-11-29T00:00:00.000Z"), std::string::npos)
        << "a forged line reached the log";
}

}  // namespace
}  // namespace xvm::test
