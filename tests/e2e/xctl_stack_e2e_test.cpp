// The stack as an administrator runs it: the shipped manifests imported,
// svc.startd starting hvsim and xenstored as contract services in a
// temporary root, configured only through SMF properties, and driven by
// real clients (Debian's xenstore-utils).
#include <pwd.h>
#include <sys/wait.h>

#include "tests/e2e/harness.h"
#include "tests/e2e/smf_fixture.h"

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

}  // namespace
}  // namespace xvm::test
