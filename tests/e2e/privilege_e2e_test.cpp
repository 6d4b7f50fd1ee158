// End-to-end tests of the privilege model (docs/design.md section 2): a real
// process drops privilege through the library and is inspected from
// outside; a real server decides on real peers of four kinds.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <map>

#include "tests/e2e/harness.h"
#include "lib/base/unix_socket.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

class PrivilegeE2E : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = needs_root()) GTEST_SKIP() << *why;
        ASSERT_EQ(run(XVM_SOURCE_DIR "/cmd/xvm-accounts/xvm-accounts >/dev/null"), 0);
        struct passwd* pw = ::getpwnam("xvm");
        ASSERT_NE(pw, nullptr);
        xvm_uid_ = pw->pw_uid;
        struct group* gr = ::getgrnam("xvm");
        ASSERT_NE(gr, nullptr);
        xvm_gid_ = gr->gr_gid;
    }

    std::string ids(unsigned id) {
        std::string s = std::to_string(id);
        return s + "\t" + s + "\t" + s + "\t" + s;
    }

    uid_t xvm_uid_ = 0;
    gid_t xvm_gid_ = 0;
    TempRoot root_;
};

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
    return s;
}

TEST_F(PrivilegeE2E, DropWithNoCapabilities) {
    Child helper = Child::spawn({DROP_HELPER}, {}, root_ / "/drop.log");
    ASSERT_EQ(helper.read_line(10s), "dropped") << read_file(root_ / "/drop.log");
    auto st = proc_status(helper.pid());
    EXPECT_EQ(st["Uid"], ids(xvm_uid_));
    EXPECT_EQ(st["Gid"], ids(xvm_gid_));
    EXPECT_EQ(trim(st["Groups"]), std::to_string(xvm_gid_));
    for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"})
        EXPECT_EQ(st[set], "0000000000000000") << set;
    EXPECT_EQ(st["NoNewPrivs"], "1");
    helper.close_stdin();
    int status = helper.wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(PrivilegeE2E, DropKeepingExactlyCapChown) {
    Child helper = Child::spawn({DROP_HELPER, "--caps", "CAP_CHOWN"}, {}, root_ / "/drop.log");
    ASSERT_EQ(helper.read_line(10s), "dropped") << read_file(root_ / "/drop.log");
    auto st = proc_status(helper.pid());
    EXPECT_EQ(st["Uid"], ids(xvm_uid_));
    EXPECT_EQ(st["Gid"], ids(xvm_gid_));
    EXPECT_EQ(trim(st["Groups"]), std::to_string(xvm_gid_));
    EXPECT_EQ(st["CapEff"], "0000000000000001");  // bit 0 = CAP_CHOWN
    EXPECT_EQ(st["CapPrm"], "0000000000000001");
    EXPECT_EQ(st["CapBnd"], "0000000000000001");
    EXPECT_EQ(st["CapInh"], "0000000000000000");
    EXPECT_EQ(st["CapAmb"], "0000000000000000");
    EXPECT_EQ(st["NoNewPrivs"], "1");
}

TEST_F(PrivilegeE2E, MissingUserFailsClosed) {
    Child helper = Child::spawn({DROP_HELPER, "--user", "xvmt-no-such-user"}, {},
                                root_ / "/drop.log");
    EXPECT_EQ(helper.read_line(10s), std::nullopt);  // never says "dropped"
    int status = helper.wait();
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 95);
    EXPECT_NE(read_file(root_ / "/drop.log")
                  .find("cannot drop privileges: user xvmt-no-such-user does not exist"),
              std::string::npos);
}

TEST_F(PrivilegeE2E, MissingGroupFailsClosed) {
    Child helper = Child::spawn({DROP_HELPER, "--group", "xvmt-no-such-group"}, {},
                                root_ / "/drop.log");
    EXPECT_EQ(helper.read_line(10s), std::nullopt);
    int status = helper.wait();
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 95);
    EXPECT_NE(read_file(root_ / "/drop.log")
                  .find("cannot drop privileges: group xvmt-no-such-group does not exist"),
              std::string::npos);
}

// Connects to `socket` as `user` (root when empty) from a forked child and
// returns the server's answer; `pid` receives the child's pid.
std::string connect_as(const std::string& user, const std::string& socket, pid_t* pid) {
    int fds[2];
    if (::pipe(fds) < 0) return "pipe failed";
    *pid = ::fork();
    if (*pid == 0) {
        ::close(fds[0]);
        if (!user.empty()) {
            struct passwd* pw = ::getpwnam(user.c_str());
            if (pw == nullptr || ::initgroups(user.c_str(), pw->pw_gid) < 0 ||
                ::setgid(pw->pw_gid) < 0 || ::setuid(pw->pw_uid) < 0)
                ::_exit(3);
        }
        std::string answer = "no connection";
        if (auto fd = connect_unix(socket)) {
            char buf[128];
            ssize_t n = ::read(fd->get(), buf, sizeof buf);
            answer = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "no answer";
        }
        (void)!::write(fds[1], answer.data(), answer.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string answer;
    char buf[128];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) answer.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int status;
    ::waitpid(*pid, &status, 0);
    if (!answer.empty() && answer.back() == '\n') answer.pop_back();
    return answer;
}

TEST_F(PrivilegeE2E, PeerCheckTable) {
    TestUsers users;
    users.add("xvmt-ctl", "xvm");
    users.add("xvmt-adm", "xvmadm");
    users.add("xvmt-none", "");
    const std::string refused = "refused: Permission denied";
    // peer -> expected answers for policies xvm_control, virt_manage, either
    const std::map<std::string, std::array<bool, 3>> table = {
        {"", {true, true, true}},  // root
        {"xvmt-ctl", {true, false, true}},
        {"xvmt-adm", {false, true, true}},
        {"xvmt-none", {false, false, false}},
    };
    const std::array<std::string, 3> policies = {"xvm_control", "virt_manage", "either"};
    for (std::size_t p = 0; p < policies.size(); ++p) {
        std::string socket = root_ / ("/" + policies[p] + ".sock");
        std::string log = root_ / ("/" + policies[p] + ".log");
        Child server = Child::spawn({PEER_SERVER, "--socket", socket, "--policy", policies[p]},
                                    {{"XVM_ROOT", root_.path()}}, log);
        ASSERT_EQ(server.read_line(10s), "ready") << read_file(log);
        for (const auto& [user, expect] : table) {
            pid_t pid = 0;
            std::string answer = connect_as(user, socket, &pid);
            std::string who = user.empty() ? "root" : user;
            uid_t uid = user.empty() ? 0 : users.uid(user);
            std::string line = "refused test connection for uid " + std::to_string(uid) +
                               " pid " + std::to_string(pid);
            if (expect[p]) {
                EXPECT_EQ(answer, "accepted") << who << " under " << policies[p];
            } else {
                EXPECT_EQ(answer, refused) << who << " under " << policies[p];
                EXPECT_NE(read_file(log).find(line), std::string::npos)
                    << "no refusal logged for " << who << " under " << policies[p] << ":\n"
                    << read_file(log);
            }
        }
        server.kill(SIGTERM);
        int status = server.wait();
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        // Exactly one log line per refusal.
        std::string text = read_file(log);
        std::size_t lines = 0;
        for (std::size_t at = 0; (at = text.find("refused test connection", at)) != std::string::npos; ++at)
            ++lines;
        std::size_t expected = 0;
        for (const auto& [user, expect] : table) expected += expect[p] ? 0 : 1;
        EXPECT_EQ(lines, expected) << text;
    }
}

}  // namespace
}  // namespace xvm::test
