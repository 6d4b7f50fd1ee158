// scf_walk_fmri() as illumos usr/src/lib/libscf/common/lowlevel.c defines
// it: exact FMRIs, globs, partial FMRIs, the EXPLICIT/SERVICE precedence
// of scf_add_match(), the messages of illumos error.c's scf_get_msg(), and
// SCF_WALK_UNIPARTIAL.
#include "lib/smf/smf_walk.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace xvm::smf {
namespace {

class WalkTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xvm-walk-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        auto r = Repository::open_path(dir_ + "/repository.tdb", true);
        ASSERT_TRUE(r) << r.error().message;
        repo_ = std::move(*r);
        for (const char* e : {"network/smtp", "network/smtp:sendmail", "network/smtp:postfix", "system/xctl/store",
                              "system/xctl/store:default", "system/xctl/xend", "system/xctl/xend:default",
                              "site/empty", "site/store2", "site/store2:default"})
            ASSERT_TRUE(repo_->create(e));
        ASSERT_TRUE(repo_->update("system/xctl/store", [](PgSet& s) -> Status {
            s.get_or_add("config", "application").set(Property{"port", PropType::Integer, {"1"}});
            return {};
        }));
    }
    void TearDown() override {
        repo_.reset();
        (void)::system(("rm -rf " + dir_).c_str());
    }
    std::vector<std::string> fmris(const WalkResult& r) {
        std::vector<std::string> out;
        for (const Walked& w : r.walked) out.push_back(w.fmri);
        return out;
    }
    WalkResult walk(std::vector<std::string> args, unsigned flags) {
        auto r = walk_fmri(*repo_, args, flags);
        EXPECT_TRUE(r) << r.error().message;
        return r ? *r : WalkResult{};
    }
    std::string dir_;
    std::unique_ptr<Repository> repo_;
};

using V = std::vector<std::string>;

TEST_F(WalkTest, ExactInstancesAndServices) {
    EXPECT_EQ(fmris(walk({"svc:/system/xctl/store:default"}, kWalkMultiple)), V{"svc:/system/xctl/store:default"});
    EXPECT_EQ(fmris(walk({"system/xctl/store:default"}, kWalkMultiple)), V{"svc:/system/xctl/store:default"});
    EXPECT_EQ(fmris(walk({"svc://localhost/system/xctl/store"}, kWalkMultiple)), V{"svc:/system/xctl/store:default"});
    // A service without kWalkService: its instances, newest match first.
    EXPECT_EQ(fmris(walk({"network/smtp"}, kWalkMultiple)), (V{"svc:/network/smtp:sendmail", "svc:/network/smtp:postfix"}));
    EXPECT_EQ(fmris(walk({"network/smtp"}, kWalkMultiple | kWalkService)), V{"svc:/network/smtp"});
}

TEST_F(WalkTest, PartialFmrisAreAnchoredOnElementBoundaries) {
    EXPECT_EQ(fmris(walk({"store"}, kWalkMultiple)), V{"svc:/system/xctl/store:default"});
    EXPECT_EQ(fmris(walk({"xctl/store"}, kWalkMultiple)), V{"svc:/system/xctl/store:default"});
    EXPECT_EQ(fmris(walk({"/system/xctl/store"}, kWalkMultiple)), V{"svc:/system/xctl/store:default"});
    EXPECT_EQ(fmris(walk({"sendmail"}, kWalkMultiple)), V{"svc:/network/smtp:sendmail"});
    EXPECT_EQ(fmris(walk({"smtp:sendmail"}, kWalkMultiple)), V{"svc:/network/smtp:sendmail"});
    EXPECT_EQ(fmris(walk({":default"}, kWalkMultiple)).size(), 3u);
    auto r = walk({"tore"}, kWalkMultiple);  // not on a boundary
    EXPECT_TRUE(r.walked.empty());
    EXPECT_EQ(r.errors, V{"Pattern 'tore' doesn't match any instances\n"});
    EXPECT_TRUE(r.fatal);
    EXPECT_TRUE(walk({"svc"}, kWalkMultiple).walked.empty());  // only "svc:/": ignored
    // An empty operand matches nothing (found by tests/fuzz/smf_walk_fuzz).
    r = walk({""}, kWalkMultiple | kWalkUnipartial);
    EXPECT_TRUE(r.walked.empty());
    EXPECT_EQ(r.errors, V{"Pattern '' doesn't match any instances\n"});
}

TEST_F(WalkTest, GlobsGetSvcPrependedUnlessTheyStartWithStar) {
    EXPECT_EQ(fmris(walk({"network/*"}, kWalkMultiple)).size(), 2u);
    EXPECT_EQ(fmris(walk({"svc:/system/xctl/*"}, kWalkMultiple)).size(), 2u);
    EXPECT_EQ(fmris(walk({"*store*"}, kWalkMultiple)).size(), 2u);
    EXPECT_TRUE(walk({"store*"}, kWalkMultiple).walked.empty());  // svc:/store*
    EXPECT_EQ(fmris(walk({":*"}, kWalkMultiple)).size(), 0u);       // svc:/:* matches nothing
    EXPECT_EQ(fmris(walk({"*:default"}, kWalkMultiple)).size(), 3u);
}

TEST_F(WalkTest, MessagesPerKindOfWalk) {
    EXPECT_EQ(walk({"nosuch"}, kWalkMultiple | kWalkService).errors,
              V{"Pattern 'nosuch' doesn't match any instances or services\n"});
    EXPECT_EQ(walk({"nosuch"}, kWalkMultiple | kWalkService | kWalkNoInstance).errors,
              V{"Pattern 'nosuch' doesn't match any services\n"});
    EXPECT_EQ(walk({"nosuch"}, kWalkMultiple | kWalkService | kWalkExplicit | kWalkProperty).errors,
              V{"Pattern 'nosuch' doesn't match any entities\n"});
    auto r = walk({"smtp"}, 0);  // without kWalkMultiple
    EXPECT_TRUE(r.walked.empty());
    EXPECT_EQ(r.errors, V{"Pattern 'smtp' matches multiple instances:\n\tsvc:/network/smtp:sendmail\n"
                          "\tsvc:/network/smtp:postfix\n"});
    // A service with no instances matches nothing when instances are asked for.
    EXPECT_EQ(walk({"site/empty"}, kWalkMultiple).errors, V{"Pattern 'site/empty' doesn't match any instances\n"});
}

TEST_F(WalkTest, ExplicitPrefersInstancesServiceOtherwise) {
    // "store" matches service svc:/system/xctl/store and its instance.
    EXPECT_EQ(fmris(walk({"xctl/store"}, kWalkMultiple | kWalkService)), V{"svc:/system/xctl/store"});
    EXPECT_EQ(fmris(walk({"*xctl/store*"}, kWalkMultiple | kWalkService | kWalkExplicit)),
              V{"svc:/system/xctl/store:default"});
}

TEST_F(WalkTest, PropertyFmris) {
    auto r = walk({"svc:/system/xctl/store/:properties/config/port"},
                  kWalkMultiple | kWalkService | kWalkExplicit | kWalkProperty);
    ASSERT_EQ(r.walked.size(), 1u);
    EXPECT_EQ(r.walked[0].entity, "system/xctl/store");
    EXPECT_EQ(r.walked[0].pg, "config");
    EXPECT_EQ(r.walked[0].prop, "port");
    EXPECT_TRUE(walk({"svc:/system/xctl/store/:properties/config/nope"}, kWalkProperty | kWalkService).fatal);
}

TEST_F(WalkTest, UnipartialRefusesAnAmbiguousAbbreviation) {
    auto r = walk({"smtp"}, kWalkMultiple | kWalkUnipartial);
    EXPECT_TRUE(r.walked.empty());
    EXPECT_EQ(r.errors, V{"Partial FMRI matches multiple instances\n"});
    // A whole service is a partial FMRI too (all its instances).
    EXPECT_FALSE(walk({"network/smtp"}, kWalkMultiple | kWalkUnipartial).errors.empty());
    // Wildcards make several matches fine, even next to a partial operand.
    EXPECT_EQ(walk({"smtp", "*xend*"}, kWalkMultiple | kWalkUnipartial).walked.size(), 3u);
    EXPECT_EQ(walk({"sendmail", "store"}, kWalkMultiple | kWalkUnipartial).errors,
              V{"Partial FMRI matches multiple instances\n"});
}

TEST_F(WalkTest, NoOperandsWalkEverythingOnceAndDuplicatesOnce) {
    EXPECT_EQ(walk({}, kWalkMultiple).walked.size(), 5u);
    EXPECT_EQ(walk({}, kWalkMultiple | kWalkService).walked.size(), 10u);
    auto r = walk({"store", "svc:/system/xctl/store:default"}, kWalkMultiple);
    EXPECT_EQ(r.walked.size(), 1u);
    EXPECT_EQ(r.count, 1u);
}

}  // namespace
}  // namespace xvm::smf
