// The stack as an administrator runs it: the shipped manifests imported,
// svc.startd starting hvsim and xenstored as contract services in a
// temporary root, configured only through SMF properties, and driven by
// real clients (Debian's xenstore-utils).
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lib/base/format.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/smf_fixture.h"
#include "tests/e2e/test_guest.h"
#include "tests/e2e/xs_harness.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

class XctlStack : public SmfTest {
protected:
    void SetUp() override {
        SmfTest::SetUp();
        if (IsSkipped()) return;
        ASSERT_EQ(run(XVM_SOURCE_DIR "/cmd/xvm-accounts/xvm-accounts >/dev/null"), 0);
        for (const char* m : {"filesystem-local.xml", "hvsim.xml", "store.xml", "xend.xml"}) {
            auto o = svccfg({"import", std::string(XVM_SOURCE_DIR "/manifests/") + m});
            ASSERT_EQ(o.status, 0) << m << ": " << o.err;
        }
        // Methods run on the host: point them at this build's binaries.
        set_exec("xctl/hvsim", std::string(HVSIM) + " -b --guest " + GUEST +
                                   " --memory-mib 1024 --dom0-mib 512");
        set_exec("xctl/store", std::string(XVM_METHOD) + " " + XENSTORED + " --init-store");
        ASSERT_EQ(svccfg({"-s", "xctl/xend", "setprop", "config/hypervisor-backend", "=", "sim"}).status,
                  0);
        ASSERT_EQ(svccfg({"-s", "xctl/xend", "refresh"}).status, 0);
        start_startd();
    }

    void set_exec(const std::string& service, const std::string& exec) {
        auto o = svccfg({"-s", service, "setprop", "start/exec", "=", "astring:", "\"" + exec + "\""});
        ASSERT_EQ(o.status, 0) << o.err;
        ASSERT_EQ(svccfg({"-s", service, "refresh"}).status, 0);
    }

    Output xenstore(const std::string& tool, std::vector<std::string> args) {
        args.insert(args.begin(), "/usr/bin/" + tool);
        return capture(args, {{"XENSTORED_PATH", path("/var/run/xenstored/socket")}});
    }
};

TEST_F(XctlStack, StoreAndHypervisorComeUpAsServices) {
    auto o = svcadm({"enable", "-s", "xctl/hvsim"});
    ASSERT_EQ(o.status, 0) << o.err << log_of("system-xctl-hvsim:default");
    o = svcadm({"enable", "-s", "xctl/store"});
    ASSERT_EQ(o.status, 0) << o.err << log_of("system-xctl-store:default");
    EXPECT_EQ(state("xctl/hvsim:default"), "online");
    EXPECT_EQ(state("xctl/store:default"), "online");

    // A real client against the daemon SMF started.
    ASSERT_EQ(xenstore("xenstore-write", {"/tool/demo", "hello"}).status, 0);
    EXPECT_EQ(xenstore("xenstore-read", {"/tool/demo"}).out, "hello\n");

    // xenstored runs as xvm without capabilities, in the store's contract.
    auto pids = members("system/xctl/store:default");
    ASSERT_EQ(pids.size(), 1u);
    EXPECT_EQ(identity_mismatch(pids[0], "xenstored"), "");

    // Disabling stops every process of both services.
    ASSERT_EQ(svcadm({"disable", "-s", "xctl/store"}).status, 0);
    ASSERT_EQ(svcadm({"disable", "-s", "xctl/hvsim"}).status, 0);
    EXPECT_TRUE(members("system/xctl/store:default").empty());
    EXPECT_TRUE(members("system/xctl/hvsim:default").empty());
}

TEST_F(XctlStack, StoreKeepsItsDataAcrossAServiceRestart) {
    ASSERT_EQ(svcadm({"enable", "-s", "xctl/hvsim"}).status, 0);
    ASSERT_EQ(svcadm({"enable", "-s", "xctl/store"}).status, 0);
    ASSERT_EQ(xenstore("xenstore-write", {"/kept", "across-restart"}).status, 0);
    auto before = members("system/xctl/store:default");
    ASSERT_EQ(svcadm({"restart", "xctl/store"}).status, 0);
    ASSERT_TRUE(eventually([&] { return runs_anew("system/xctl/store:default", before); }))
        << log_of("system-xctl-store:default");
    EXPECT_EQ(xenstore("xenstore-read", {"/kept"}).out, "across-restart\n");
}

TEST_F(XctlStack, BadQuotaPropertyIsAConfigurationError) {
    ASSERT_EQ(svcadm({"enable", "-s", "xctl/hvsim"}).status, 0);
    auto o = svccfg({"-s", "xctl/store", "setprop", "config/quota-nodes", "=", "astring:", "lots"});
    if (o.status != 0) {  // the store has no config group yet: create it
        ASSERT_EQ(svccfg({"-s", "xctl/store", "addpg", "config", "application"}).status, 0);
        o = svccfg({"-s", "xctl/store", "setprop", "config/quota-nodes", "=", "astring:", "lots"});
    }
    ASSERT_EQ(o.status, 0) << o.err;
    ASSERT_EQ(svcadm({"refresh", "xctl/store"}).status, 0);  // settings take effect at refresh
    ASSERT_EQ(svcadm({"enable", "xctl/store"}).status, 0);
    ASSERT_TRUE(reaches("xctl/store:default", "maintenance"));
    std::string log = log_of("system-xctl-store:default");
    EXPECT_NE(log.find("property config/quota-nodes of svc:/system/xctl/store:default has the "
                       "wrong type (count or integer expected)"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("exited with status 96"), std::string::npos) << log;
}

// Issue 8's rule for settings (docs/smf.md): a new node quota set with
// svccfg takes effect at svcadm refresh, without a restart; a bad one is
// refused at refresh, logged with property, value and range, and the old
// quota stays in force.
TEST_F(XctlStack, RefreshAppliesANewNodeQuotaWithoutARestart) {
    std::string dir = path("/rings");
    ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
    TestGuest guest(dir, 3);
    set_exec("xctl/store", std::string(XVM_METHOD) + " " + XENSTORED +
                               " --init-store --hypervisor files:" + dir);
    auto o = svcadm({"enable", "-s", "xctl/store"});
    ASSERT_EQ(o.status, 0) << o.err << log_of("system-xctl-store:default");
    auto pids = members("system/xctl/store:default");
    ASSERT_EQ(pids.size(), 1u);

    XsClient dom0(path("/var/run/xenstored/socket"));
    ASSERT_TRUE(dom0.write("/local/domain/3/seed", "1"));
    ASSERT_EQ(dom0.call(XS_SET_PERMS, nul_join({"/local/domain/3", "n3"}))->type, XS_SET_PERMS);
    ASSERT_EQ(dom0.call(XS_INTRODUCE, nul_join({"3", "1", "1"}))->type, XS_INTRODUCE);
    auto quota = [&] { return dom0.call(XS_CONTROL, nul_join({"quota"}))->payload; };
    ASSERT_NE(quota().find("nodes 1000\n"), std::string::npos);

    if (svccfg({"-s", "xctl/store", "listpg", "config"}).out.empty()) {
        ASSERT_EQ(svccfg({"-s", "xctl/store", "addpg", "config", "application"}).status, 0);
    }
    ASSERT_EQ(svccfg({"-s", "xctl/store", "setprop", "config/quota-nodes", "=", "count:", "3"}).status,
              0);
    EXPECT_NE(quota().find("nodes 1000\n"), std::string::npos) << "took effect before refresh";
    ASSERT_EQ(svcadm({"refresh", "xctl/store"}).status, 0);
    ASSERT_TRUE(eventually([&] { return quota().find("nodes 3\n") != std::string::npos; }))
        << quota() << log_of("system-xctl-store:default");

    // The guest now runs into the new limit.
    int written = 0;
    std::string refusal;
    for (int i = 0; i < 10 && refusal.empty(); ++i) {
        auto r = guest.call(XS_WRITE, nul_join({cat("n", i)}) + "v");
        ASSERT_TRUE(r);
        if (r->error().empty()) ++written;
        else refusal = r->error();
    }
    EXPECT_EQ(refusal, "ENOSPC");
    EXPECT_LT(written, 3);

    // A bad value: refused at refresh, the quota in force stays.
    ASSERT_EQ(svccfg({"-s", "xctl/store", "setprop", "config/quota-nodes", "=", "count:", "0"}).status,
              0);
    ASSERT_EQ(svcadm({"refresh", "xctl/store"}).status, 0);
    EXPECT_TRUE(eventually([&] {
        return log_of("system-xctl-store:default")
                   .find("refresh: property config/quota-nodes: 0 is not in 1..4294967295; the "
                         "previous configuration stays in force") != std::string::npos;
    })) << log_of("system-xctl-store:default");
    EXPECT_NE(quota().find("nodes 3\n"), std::string::npos);
    EXPECT_EQ(members("system/xctl/store:default"), pids) << "the daemon was restarted";
}

}  // namespace
}  // namespace xvm::test
