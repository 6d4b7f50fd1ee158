// End-to-end tests of xenstored: the real daemon in a temporary XVM_ROOT,
// driven by Xen's own test program, Debian's xenstore-utils and a raw
// xs_wire client.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <grp.h>

#include <csignal>
#include <map>
#include <set>

#include "tests/e2e/xs_harness.h"
#include "lib/xen/xs_wire.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTestXenstore = "/usr/lib/xen-4.17/bin/test-xenstore";

class XenstoredE2E : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = needs_root()) GTEST_SKIP() << *why;
        ASSERT_EQ(run(XVM_SOURCE_DIR "/cmd/xvm-accounts/xvm-accounts >/dev/null"), 0);
    }
    Xenstored& start(std::vector<std::string> extra = {}, bool fresh = true) {
        daemon_.emplace(root_, std::move(extra), fresh);
        EXPECT_TRUE(daemon_->wait_ready()) << daemon_->log();
        return *daemon_;
    }
    // Runs a shell command with XENSTORED_PATH set to the daemon's socket.
    int sh(const std::string& cmd, const std::string& socket = "") {
        return run("XENSTORED_PATH='" + (socket.empty() ? daemon_->socket() : socket) + "' " +
                   cmd);
    }
    std::string out(const std::string& cmd) {
        std::string file = root_ / "/out.txt";
        sh(cmd + " > '" + file + "' 2>&1");
        std::string text = read_file(file);
        while (!text.empty() && text.back() == '\n') text.pop_back();
        return text;
    }

    TempRoot root_;
    std::optional<Xenstored> daemon_;
};

TEST_F(XenstoredE2E, XenTestXenstoreAllTests) {
    start();
    EXPECT_EQ(sh(std::string(kTestXenstore) + " >/dev/null"), 0) << daemon_->log();
}

TEST_F(XenstoredE2E, XenTestXenstoreThousandIterations) {
    start();
    EXPECT_EQ(sh(std::string(kTestXenstore) + " -i 1000 >/dev/null"), 0) << daemon_->log();
}

TEST_F(XenstoredE2E, XenTestXenstoreRandomMode) {
    start();
    EXPECT_EQ(sh(std::string(kTestXenstore) + " -r 10 >/dev/null"), 0) << daemon_->log();
}

TEST_F(XenstoredE2E, XenstoreUtilsRoundTrip) {
    start();
    ASSERT_EQ(sh("xenstore-write /vm/1/name guest1"), 0);
    ASSERT_EQ(sh("xenstore-write /vm/1/memory 512"), 0);
    EXPECT_EQ(out("xenstore-read /vm/1/name"), "guest1");
    EXPECT_EQ(out("xenstore-list /vm/1"), "name\nmemory");
    EXPECT_EQ(out("xenstore-ls /vm"), "1 = \"\"\n name = \"guest1\"\n memory = \"512\"");
    EXPECT_EQ(sh("xenstore-exists /vm/1/name"), 0);
    EXPECT_NE(sh("xenstore-exists /vm/1/nothing 2>/dev/null"), 0);
    ASSERT_EQ(sh("xenstore-chmod /vm/1/name b3 r5"), 0);
    std::string perms = out("xenstore-ls -p /vm/1");
    EXPECT_NE(perms.find("(b3,r5)"), std::string::npos) << perms;
    EXPECT_NE(perms.find("(n0)"), std::string::npos) << perms;
    // Relative paths resolve under /local/domain/0 for dom0 clients.
    ASSERT_EQ(sh("xenstore-write rel value"), 0);
    EXPECT_EQ(out("xenstore-read /local/domain/0/rel"), "value");

    Child watch = Child::spawn({"/usr/bin/xenstore-watch", "-n", "3", "/vm/1"},
                               {{"XENSTORED_PATH", daemon_->socket()}}, root_ / "/watch.log");
    EXPECT_EQ(watch.read_line(10s), "/vm/1");  // fires once when set up
    ASSERT_EQ(sh("xenstore-write /vm/1/state running"), 0);
    EXPECT_EQ(watch.read_line(10s), "/vm/1/state");
    ASSERT_EQ(sh("xenstore-rm /vm/1/memory"), 0);
    EXPECT_EQ(watch.read_line(10s), "/vm/1/memory");
    EXPECT_EQ(sh("xenstore-exists /vm/1/memory 2>/dev/null") != 0, true);
    int status = watch.wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_EQ(sh("xenstore-rm /vm"), 0);
    EXPECT_NE(sh("xenstore-read /vm/1/name 2>/dev/null"), 0);
}

TEST_F(XenstoredE2E, SigkillLosesNoAcknowledgedWrite) {
    start();
    std::map<std::uint32_t, std::string> sent;  // req_id -> key
    std::set<std::string> acked;
    {
        XsClient c(daemon_->socket());
        ASSERT_TRUE(c.valid());
        std::uint32_t next = 1;
        bool killed = false;
        while (true) {
            // Keep 16 writes in flight so the kill lands mid-stream.
            while (!killed && sent.size() - acked.size() < 16) {
                std::string key = "/kill/n" + std::to_string(next);
                sent[next] = key;
                if (!c.send(XS_WRITE, key + std::string(1, '\0') + "v" + std::to_string(next)))
                    break;
                ++next;
            }
            auto r = c.reply(5s);
            if (!r) break;
            ASSERT_EQ(r->type, XS_WRITE) << r->error();
            acked.insert(sent[r->req_id]);
            if (!killed && acked.size() == 2000) {
                daemon_->child().kill(SIGKILL);
                killed = true;
            }
        }
        ASSERT_TRUE(killed);
    }
    daemon_->child().wait();
    start({}, false);
    XsClient c(daemon_->socket());
    for (const std::string& key : acked)
        ASSERT_EQ(c.read(key), "v" + key.substr(key.find('n') + 1)) << key;
    auto check = c.call(XS_CONTROL, nul_join({"check"}));
    ASSERT_TRUE(check);
    EXPECT_EQ(check->payload, std::string("OK", 3));
    EXPECT_EQ(run("tdbdump '" + root_ / "/var/run/xenstored/tdb" + "' | grep -q '\"/kill/n1\"'"), 0);
}

TEST_F(XenstoredE2E, MissingStoreNeedsNewStoreOption) {
    Xenstored d(root_, {}, false);
    int status = d.child().wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    EXPECT_NE(d.log().find("--new-store"), std::string::npos) << d.log();
}

TEST_F(XenstoredE2E, CorruptStoreIsReported) {
    ASSERT_EQ(run("mkdir -p '" + root_ / "/var/run/xenstored" + "' && head -c 8192 /dev/urandom > '" +
                  root_ / "/var/run/xenstored/tdb" + "'"), 0);
    Xenstored d(root_, {}, false);
    int status = d.child().wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    EXPECT_NE(d.log().find("corrupt"), std::string::npos) << d.log();
}

TEST_F(XenstoredE2E, InitStoreStartsEmptyOnlyWhenThereIsNoStore) {
    {
        Xenstored fresh(root_, {"--init-store"}, false);
        ASSERT_TRUE(fresh.wait_ready()) << fresh.log();
        EXPECT_NE(fresh.log().find(": starting empty"), std::string::npos) << fresh.log();
        XsClient c(fresh.socket());
        ASSERT_TRUE(c.write("/kept", "yes"));
    }
    {
        Xenstored again(root_, {"--init-store"}, false);  // loads, does not wipe
        ASSERT_TRUE(again.wait_ready()) << again.log();
        XsClient c(again.socket());
        EXPECT_EQ(c.read("/kept"), "yes");
    }
    ASSERT_EQ(run("head -c 8192 /dev/urandom > '" + root_ / "/var/run/xenstored/tdb" + "'"), 0);
    Xenstored damaged(root_, {"--init-store"}, false);
    int status = damaged.child().wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    EXPECT_NE(damaged.log().find("corrupt"), std::string::npos) << damaged.log();
}

TEST_F(XenstoredE2E, RunsAsXvmWithNoCapabilities) {
    start();
    struct passwd* pw = ::getpwnam("xvm");
    ASSERT_NE(pw, nullptr);
    EXPECT_EQ(identity_mismatch(daemon_->pid(), "xenstored"), "");
    struct stat sb {};
    ASSERT_EQ(::stat((root_ / "/var/run/xenstored/tdb").c_str(), &sb), 0);
    EXPECT_EQ(sb.st_uid, pw->pw_uid);
    ASSERT_EQ(::stat(daemon_->socket().c_str(), &sb), 0);
    EXPECT_EQ(sb.st_mode & 0777, 0666u);
}

TEST_F(XenstoredE2E, PeerCheckTableOnBothSockets) {
    start();
    TestUsers users;
    users.add("xvmx-xs-xvm", "xvm");
    users.add("xvmx-xs-adm", "xvmadm");
    users.add("xvmx-xs-none", "");
    ASSERT_EQ(sh("xenstore-write /peer ok"), 0);
    struct Row {
        std::string user;
        bool allowed;
    };
    for (const Row& row : {Row{"root", true}, Row{"xvmx-xs-xvm", true},
                           Row{"xvmx-xs-adm", true}, Row{"xvmx-xs-none", false}}) {
        for (const std::string& sock : {daemon_->socket(), daemon_->socket_ro()}) {
            std::string as = row.user == "root"
                                 ? ""
                                 : "setpriv --reuid=" + row.user + " --regid=nogroup --init-groups ";
            std::string got = out("XENSTORED_PATH='" + sock + "' " + as + "xenstore-read /peer");
            if (row.allowed) EXPECT_EQ(got, "ok") << row.user << " " << sock;
            else EXPECT_NE(got, "ok") << row.user << " " << sock;
        }
    }
    // On the wire: EACCES to the first request, then the connection closes.
    uid_t none = users.uid("xvmx-xs-none");
    for (const std::string& sock : {daemon_->socket(), daemon_->socket_ro()}) {
        EXPECT_EQ(exit_code_as(none, [&] {
                      XsClient c(sock);
                      auto r = c.call(XS_READ, nul_join({"/peer"}));
                      return r && r->error() == "EACCES" && c.closed_by_peer();
                  }),
                  0)
            << sock;
    }
    std::string uid = std::to_string(users.uid("xvmx-xs-none"));
    std::string log = daemon_->log();
    EXPECT_NE(log.find("uid " + uid + " pid "), std::string::npos) << log;
}

TEST_F(XenstoredE2E, SocketRoRefusesEveryModification) {
    start();
    XsClient rw(daemon_->socket());
    ASSERT_TRUE(rw.write("/ro/x", "1"));
    XsClient ro(daemon_->socket_ro());
    ASSERT_TRUE(ro.valid());
    EXPECT_EQ(ro.read("/ro/x"), "1");
    const std::vector<std::pair<std::uint32_t, std::string>> mods = {
        {XS_WRITE, std::string("/ro/x\0" "2", 7)},
        {XS_MKDIR, nul_join({"/ro/y"})},
        {XS_RM, nul_join({"/ro/x"})},
        {XS_SET_PERMS, nul_join({"/ro/x", "b0"})},
        {XS_INTRODUCE, nul_join({"5", "1", "1"})},
        {XS_RELEASE, nul_join({"5"})},
        {XS_RESUME, nul_join({"5"})},
        {XS_SET_TARGET, nul_join({"5", "6"})},
        {XS_CONTROL, nul_join({"log", "on"})},
    };
    for (const auto& [type, payload] : mods) {
        auto r = ro.call(type, payload);
        ASSERT_TRUE(r) << xs_type_name(type);
        EXPECT_EQ(r->error(), "EROFS") << xs_type_name(type);
    }
    auto tx = ro.call(XS_TRANSACTION_START, std::string(1, '\0'));
    ASSERT_TRUE(tx && tx->type == XS_TRANSACTION_START);
    std::uint32_t id = std::stoul(tx->payload);
    auto w = ro.call(XS_WRITE, std::string("/ro/x\0" "3", 7), id);
    EXPECT_EQ(w->error(), "EROFS");
    EXPECT_EQ(rw.read("/ro/x"), "1");
    EXPECT_EQ(rw.read("/ro/y"), "<ENOENT>");
}

}  // namespace
}  // namespace xvm::test
