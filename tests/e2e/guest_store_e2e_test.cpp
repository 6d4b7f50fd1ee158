// xenstored and hvsim together: a real guest process talks xs_wire over its
// xenstore ring to the real xenstored, which found the ring through the
// hypervisor interface when the toolstack introduced the domain - the path
// every guest of the finished stack takes.
#include <gtest/gtest.h>

#include <optional>

#include "tests/e2e/hvsim_fixture.h"
#include "tests/e2e/xs_harness.h"
#include "lib/xen/xs_wire.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

class GuestStoreE2E : public HvsimFixture {
protected:
    void SetUp() override {
        HvsimFixture::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        xenstored_.emplace(root_, std::vector<std::string>{"--hypervisor", "sim"});
        ASSERT_TRUE(xenstored_->wait_ready()) << xenstored_->log();
    }
    void TearDown() override {
        xenstored_.reset();
        HvsimFixture::TearDown();
    }

    // What a toolstack does before a guest boots: the domain's home in the
    // store, owned by the domain, then INTRODUCE with its store port.
    void introduce(XsClient& xs, DomId dom) {
        std::string home = "/local/domain/" + std::to_string(dom);
        ASSERT_TRUE(xs.write(home + "/name", "guest"));
        auto perms = xs.call(XS_SET_PERMS, nul_join({home, "n" + std::to_string(dom)}));
        ASSERT_TRUE(perms && perms->error().empty()) << (perms ? perms->error() : "no reply");
        auto info = hv_->domain_info(dom);
        ASSERT_TRUE(info);
        auto reply = xs.call(XS_INTRODUCE, nul_join({std::to_string(dom), "0",
                                                     std::to_string(info->store_port)}));
        ASSERT_TRUE(reply && reply->error().empty())
            << (reply ? reply->error() : "no reply") << "\n" << xenstored_->log();
    }

    std::optional<Xenstored> xenstored_;
};

TEST_F(GuestStoreE2E, GuestBootsAgainstXenstoredAndObeysShutdown) {
    auto dom = hv_->domain_create(config(64));
    ASSERT_TRUE(dom) << dom.error().message;
    XsClient xs(xenstored_->socket());
    ASSERT_TRUE(xs.valid());
    auto watch = xs.call(XS_WATCH, nul_join({"@introduceDomain", "intro"}));
    ASSERT_TRUE(watch && watch->error().empty());
    ASSERT_EQ(xs.event(), "@introduceDomain intro");  // fires once on registration
    introduce(xs, *dom);
    EXPECT_EQ(xs.event(), "@introduceDomain intro");
    auto introduced = xs.call(XS_IS_DOMAIN_INTRODUCED, nul_join({std::to_string(*dom)}));
    ASSERT_TRUE(introduced);
    EXPECT_EQ(introduced->payload, std::string("T\0", 2));

    ASSERT_TRUE(hv_->domain_unpause(*dom));
    std::string home = "/local/domain/" + std::to_string(*dom);
    // The guest's own writes, over its ring, land in the store.
    ASSERT_TRUE(eventually([&] {
        auto r = xs.call(XS_READ, nul_join({home + "/data/booted"}));
        return r && r->error().empty();
    }, 10s)) << xenstored_->log() << log();
    EXPECT_EQ(xs.read(home + "/attr/os"), "xvm-guest 1.0");

    auto release_watch = xs.call(XS_WATCH, nul_join({"@releaseDomain", "rel"}));
    ASSERT_TRUE(release_watch && release_watch->error().empty());
    ASSERT_EQ(xs.event(), "@releaseDomain rel");  // fires once on registration
    ASSERT_TRUE(xs.write(home + "/control/shutdown", "poweroff"));
    ASSERT_TRUE(wait_state(*dom, [](const DomainInfo& i) {
        return i.shutdown && i.shutdown_reason == ShutdownReason::kPoweroff;
    })) << log();
    // xenstored learnt of the shutdown from the hypervisor, as Xen's does.
    EXPECT_EQ(xs.event(), "@releaseDomain rel") << xenstored_->log();
    ASSERT_TRUE(hv_->domain_destroy(*dom));
    auto release = xs.call(XS_RELEASE, nul_join({std::to_string(*dom)}));
    ASSERT_TRUE(release && release->error().empty());
}

TEST_F(GuestStoreE2E, IntroducingAnUnknownDomainFailsCleanly) {
    XsClient xs(xenstored_->socket());
    ASSERT_TRUE(xs.valid());
    auto reply = xs.call(XS_INTRODUCE, nul_join({"77", "0", "5"}));
    ASSERT_TRUE(reply);
    EXPECT_FALSE(reply->error().empty());
    // The daemon serves on.
    EXPECT_TRUE(xs.write("/still", "here"));
    EXPECT_EQ(xs.read("/still"), "here");
}

}  // namespace
}  // namespace xvm::test
