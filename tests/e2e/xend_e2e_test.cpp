// xend end to end: through svcadm on hvsim + xenstored, driven by Python's
// xmlrpc.client over a unix-socket transport and by raw HTTP on the
// legacy socket.
#include <gtest/gtest.h>

#include "tests/e2e/xend_fixture.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

class XendE2E : public XendStack {};

TEST_F(XendE2E, CreatesListsPausesPinsAndDestroys) {
    std::string created = rpc("xend.domain.create", config("web01", 64, "[\"vcpus\", 2]"));
    ASSERT_NE(created.find("\"ok\": [\"domain\""), std::string::npos) << created << xend_log();
    EXPECT_NE(created.find("[\"name\", \"web01\"]"), std::string::npos) << created;
    EXPECT_NE(created.find("[\"state\", \"--p---\"]"), std::string::npos) << created;  // created paused
    ASSERT_EQ(rpc("xend.domain.unpause", "[\"web01\"]"), "{\"ok\": null}");

    std::string listed = rpc("xend.domains_with_state", "[true, \"all\", false]");
    EXPECT_NE(listed.find("[\"name\", \"Domain-0\"]"), std::string::npos) << listed;
    EXPECT_NE(listed.find("[\"name\", \"web01\"]"), std::string::npos) << listed;

    ASSERT_EQ(rpc("xend.domain.pause", "[\"web01\"]"), "{\"ok\": null}");
    EXPECT_NE(rpc("xend.domain", "[\"web01\"]").find("[\"state\", \"--p---\"]"), std::string::npos);
    // Paused domains are not in xend.domains (running-state only).
    EXPECT_EQ(rpc("xend.domains", "[false]").find("web01"), std::string::npos);

    ASSERT_EQ(rpc("xend.domain.pincpu", "[\"web01\", 1, [1]]"), "{\"ok\": 0}");
    std::string vcpus = rpc("xend.domain.getVCPUInfo", "[\"web01\"]");
    EXPECT_NE(vcpus.find("[\"number\", 1], [\"online\", 1]"), std::string::npos) << vcpus;
    EXPECT_NE(vcpus.find("[\"cpumap\", [1]]"), std::string::npos) << vcpus;

    ASSERT_EQ(rpc("xend.domain.destroy", "[\"web01\"]"), "{\"ok\": null}");
    EXPECT_EQ(rpc("xend.domain", "[\"web01\"]"), "{\"fault\": [3, \"web01\"]}");
}

TEST_F(XendE2E, UnknownDomainIsFault3WithTheKeyAsGiven) {
    EXPECT_EQ(rpc("xend.domain", "[\"nosuch\"]"), "{\"fault\": [3, \"nosuch\"]}");
    EXPECT_EQ(rpc("xend.domain.pause", "[\"42\"]"), "{\"fault\": [3, \"42\"]}");
    EXPECT_EQ(rpc("xend.domain.shutdown", "[\"nosuch\", \"poweroff\"]"), "{\"fault\": [3, \"nosuch\"]}");
}

TEST_F(XendE2E, LegacySocketAnswersWithSexprs) {
    ASSERT_NE(rpc("xend.domain.create", config("legacy1", 32)).find("\"ok\""), std::string::npos) << xend_log();
    ASSERT_EQ(rpc("xend.domain.unpause", "[\"legacy1\"]"), "{\"ok\": null}");
    std::string reply = http(legacy_socket(), "GET /xend/domain/?detail=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
    EXPECT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << reply;
    EXPECT_NE(reply.find("application/sxp"), std::string::npos) << reply;
    EXPECT_NE(reply.find("((domain (domid 0)"), std::string::npos) << reply;
    EXPECT_NE(reply.find("(name legacy1)"), std::string::npos) << reply;
}

}  // namespace
}  // namespace xvm::test
