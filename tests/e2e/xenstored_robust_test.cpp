// Robustness of xenstored against hostile or broken clients: each case
// checks the bad client is answered or dropped and that the daemon keeps
// serving everyone else.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <set>

#include "lib/xen/ring.h"
#include "daemons/xenstored/ring_backend.h"
#include "tests/e2e/test_guest.h"
#include "tests/e2e/xs_harness.h"
#include "lib/xen/xs_wire.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

class XenstoredRobust : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = needs_root()) GTEST_SKIP() << *why;
        ASSERT_EQ(run(XVM_SOURCE_DIR "/cmd/xvm-accounts/xvm-accounts >/dev/null"), 0);
    }
    void start(std::vector<std::string> extra = {}, bool fresh = true) {
        daemon_.emplace(root_, std::move(extra), fresh);
        ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    }
    // The daemon still answers a fresh client.
    void expect_serving() {
        XsClient c(daemon_->socket());
        ASSERT_TRUE(c.valid());
        ASSERT_TRUE(c.write("/alive", "yes"));
        EXPECT_EQ(c.read("/alive"), "yes");
    }
    static std::string header(std::uint32_t type, std::uint32_t len) {
        xsd_sockmsg h{type, 7, 0, len};
        return std::string(reinterpret_cast<const char*>(&h), sizeof h);
    }

    TempRoot root_;
    std::optional<Xenstored> daemon_;
};

TEST_F(XenstoredRobust, OversizedLengthDisconnects) {
    start();
    XsClient c(daemon_->socket());
    ASSERT_TRUE(c.send_raw(header(XS_READ, XENSTORE_PAYLOAD_MAX + 1)));
    EXPECT_TRUE(c.closed_by_peer());
    expect_serving();
    EXPECT_NE(daemon_->log().find("more than the maximum"), std::string::npos) << daemon_->log();
}

TEST_F(XenstoredRobust, MalformedRequestsGetErrorsAndServiceContinues) {
    start();
    XsClient c(daemon_->socket());
    ASSERT_TRUE(c.write("/m", "1"));
    struct Case {
        std::uint32_t type;
        std::string payload;
        const char* error;
    };
    const Case cases[] = {
        {XS_READ, "/m", "EINVAL"},                         // path without its NUL
        {XS_READ, std::string("/m\0/n\0", 6), "EINVAL"},  // two paths
        {XS_READ, nul_join({"/bad path"}), "EINVAL"},      // invalid character
        {XS_READ, nul_join({"/a//b"}), "EINVAL"},
        {XS_READ, nul_join({"/m/"}), "EINVAL"},
        {XS_READ, nul_join({"@introduceDomain"}), "EINVAL"},
        {XS_WRITE, "/m", "EINVAL"},  // no value separator
        {XS_READ, nul_join({"/nothing"}), "ENOENT"},
        {XS_RM, nul_join({"/"}), "EINVAL"},
        {XS_RM, nul_join({"/no/parent"}), "ENOENT"},
        {XS_SET_PERMS, nul_join({"/m", "x0"}), "EINVAL"},
        {XS_UNWATCH, nul_join({"/m", "tok"}), "ENOENT"},
        {XS_TRANSACTION_END, nul_join({"T"}), "ENOENT"},
        {XS_WATCH_EVENT, "", "EINVAL"},
        {XS_ERROR, "", "EINVAL"},
        {XS_SET_TARGET + 1, "", "EINVAL"},
        {999, "", "EINVAL"},
        {XS_INTRODUCE, nul_join({"3", "1", "1"}), "ENOSYS"},  // no hypervisor
        {XS_RELEASE, nul_join({"3"}), "ENOENT"},
    };
    for (const Case& k : cases) {
        auto r = c.call(k.type, k.payload);
        ASSERT_TRUE(r) << xs_type_name(k.type);
        EXPECT_EQ(r->error(), k.error) << xs_type_name(k.type) << " " << k.payload;
    }
    EXPECT_EQ(c.read("/m"), "1");  // same connection still served
}

TEST_F(XenstoredRobust, HalfMessageThenVanish) {
    start();
    for (int i = 0; i < 20; ++i) {
        XsClient c(daemon_->socket());
        std::string msg = header(XS_WRITE, 100) + "/half";
        ASSERT_TRUE(c.send_raw(msg.substr(0, 5 + i)));
    }
    expect_serving();
}

TEST_F(XenstoredRobust, TenThousandSimultaneousConnections) {
    struct rlimit rl {};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &rl), 0);
    rl.rlim_max = std::max<rlim_t>(rl.rlim_max, 20000);
    rl.rlim_cur = rl.rlim_max;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &rl), 0) << std::strerror(errno);
    start();
    std::vector<XsClient> clients;
    clients.reserve(10000);
    for (int i = 0; i < 10000; ++i) {
        clients.emplace_back(daemon_->socket());
        ASSERT_TRUE(clients.back().valid()) << i;
    }
    for (auto& c : clients) ASSERT_TRUE(c.send(XS_GET_DOMAIN_PATH, nul_join({"7"})));
    int answered = 0;
    for (auto& c : clients) {
        auto r = c.reply();
        if (r && r->payload == nul_join({"/local/domain/7"})) ++answered;
    }
    EXPECT_EQ(answered, 10000);
    expect_serving();
}

TEST_F(XenstoredRobust, ClientThatNeverReadsIsDroppedOthersUnaffected) {
    start({"-Q", "output-bytes=262144"});
    XsClient lazy(daemon_->socket());
    ASSERT_TRUE(lazy.send(XS_WATCH, nul_join({"/flood", "t"})));
    XsClient writer(daemon_->socket());
    XsClient watcher(daemon_->socket());
    ASSERT_TRUE(watcher.call(XS_WATCH, nul_join({"/flood/x", "w"})));
    std::string deep = "/flood/" + std::string(1500, 'p');
    bool dropped = false;
    for (int i = 0; i < 4000 && !dropped; ++i) {
        ASSERT_TRUE(writer.write(deep + std::to_string(i), "v"));
        dropped = daemon_->log().find("quota-output-bytes") != std::string::npos;
    }
    EXPECT_TRUE(dropped) << daemon_->log();
    EXPECT_TRUE(lazy.closed_by_peer());
    ASSERT_TRUE(writer.write("/flood/x", "1"));
    EXPECT_EQ(watcher.event(), "/flood/x w");  // the initial event
    EXPECT_EQ(watcher.event(), "/flood/x w");
    expect_serving();
}

TEST_F(XenstoredRobust, HugeSubtreeRemovalUnderWatch) {
    start();
    constexpr int kNodes = 20000;
    XsClient w(daemon_->socket());
    ASSERT_TRUE(w.call(XS_WATCH, nul_join({"/big", "b"})));
    ASSERT_EQ(w.event(), "/big b");
    ASSERT_TRUE(w.call(XS_WATCH, nul_join({"/big/d1/n5/none", "below"})));
    ASSERT_EQ(w.event(), "/big/d1/n5/none below");
    XsClient c(daemon_->socket());
    // Pipelined population, 100 requests in flight.
    int sent = 0, got = 0;
    while (got < kNodes) {
        while (sent < kNodes && sent - got < 100) {
            std::string p = "/big/d" + std::to_string(sent % 10) + "/n" + std::to_string(sent);
            ASSERT_TRUE(c.send(XS_WRITE, p + std::string(1, '\0') + "x"));
            ++sent;
        }
        auto r = c.reply();
        ASSERT_TRUE(r && r->type == XS_WRITE);
        ++got;
    }
    int creation_events = 0;
    while (creation_events < kNodes + 10) {  // each write, and the 10 /big/dN
        auto e = w.event(10s);
        ASSERT_TRUE(e) << creation_events;
        if (e->ends_with(" b")) ++creation_events;
        if (e->ends_with(" b") && creation_events == kNodes) break;
    }
    ASSERT_TRUE(w.call(XS_WATCH, nul_join({"/big/d1/n11", "exists"})));
    ASSERT_EQ(w.event(), "/big/d1/n11 exists");
    auto r = c.call(XS_RM, nul_join({"/big"}));
    ASSERT_TRUE(r && r->type == XS_RM);
    // Xen 4.17's rule (xenstored_core.c delnode_sub): the removal's root
    // fires the watches on it and above it once; each node removed below it
    // fires only the watches on exactly that node; a watch below whose node
    // never existed does not fire. Children go first.
    EXPECT_EQ(w.event(), "/big/d1/n11 exists");
    EXPECT_EQ(w.event(), "/big b");
    // Nothing else: the next event is the sentinel's.
    ASSERT_TRUE(c.write("/big", "again"));
    EXPECT_EQ(w.event(), "/big b");
    EXPECT_EQ(c.read("/big/d3"), "<ENOENT>");
}

TEST_F(XenstoredRobust, GuestRingServedAndReconnectedAfterRestart) {
    std::string dir = root_ / "/rings";
    ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
    TestGuest guest(dir, 3);
    start({"--hypervisor", "files:" + dir});
    XsClient dom0(daemon_->socket());
    ASSERT_TRUE(dom0.call(XS_WATCH, nul_join({"@introduceDomain", "i"})));
    ASSERT_TRUE(dom0.write("/local/domain/3", ""));
    ASSERT_EQ(dom0.call(XS_SET_PERMS, nul_join({"/local/domain/3", "n3"}))->type, XS_SET_PERMS);
    ASSERT_TRUE(dom0.write("/secret", "s"));
    auto intro = dom0.call(XS_INTRODUCE, nul_join({"3", "1234", "5"}));
    ASSERT_TRUE(intro && intro->type == XS_INTRODUCE) << intro->error() << daemon_->log();
    EXPECT_EQ(dom0.event(), "@introduceDomain i");
    EXPECT_EQ(dom0.event(), "@introduceDomain i");

    auto w = guest.call(XS_WRITE, std::string("name\0guest3", 11));  // relative path
    ASSERT_TRUE(w);
    EXPECT_EQ(w->type, XS_WRITE) << w->error();
    EXPECT_EQ(dom0.read("/local/domain/3/name"), "guest3");
    auto perms = dom0.call(XS_GET_PERMS, nul_join({"/local/domain/3/name"}));
    EXPECT_EQ(perms->payload, nul_join({"n3"}));  // the guest owns what it creates
    EXPECT_EQ(guest.call(XS_READ, nul_join({"/secret"}))->error(), "EACCES");
    EXPECT_EQ(guest.call(XS_WRITE, std::string("/x\0y", 4))->error(), "EACCES");
    EXPECT_EQ(guest.call(XS_INTRODUCE, nul_join({"4", "1", "1"}))->error(), "EACCES");
    auto big = guest.call(XS_WRITE, "big" + std::string(1, '\0') + std::string(3000, 'x'));
    EXPECT_EQ(big->error(), "ENOSPC");  // quota-entry-size 2048

    daemon_->child().kill(SIGKILL);
    daemon_->child().wait();
    start({"--hypervisor", "files:" + dir}, false);
    XsClient again(daemon_->socket());
    EXPECT_EQ(again.call(XS_IS_DOMAIN_INTRODUCED, nul_join({"3"}))->payload, nul_join({"T"}));
    auto r = guest.call(XS_READ, nul_join({"name"}));
    ASSERT_TRUE(r) << daemon_->log();
    EXPECT_EQ(r->payload, "guest3");
    ASSERT_EQ(again.call(XS_RELEASE, nul_join({"3"}))->type, XS_RELEASE);
    EXPECT_EQ(again.call(XS_IS_DOMAIN_INTRODUCED, nul_join({"3"}))->payload, nul_join({"F"}));
}

}  // namespace
}  // namespace xvm::test
