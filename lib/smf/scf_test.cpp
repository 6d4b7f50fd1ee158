#include "lib/smf/scf.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>

#include "lib/smf/smf_repo.h"

namespace xvm::smf {
namespace {

class ScfTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xvm-scf-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        ::setenv("XVM_ROOT", dir_.c_str(), 1);
        auto repo = Repository::open(true);
        ASSERT_TRUE(repo) << repo.error().message;
        ASSERT_TRUE((*repo)->create("system/xctl/xend"));
        ASSERT_TRUE((*repo)->create("system/xctl/xend:default"));
        ASSERT_TRUE((*repo)->update("system/xctl/xend", [](PgSet& s) -> Status {
            auto& g = s.get_or_add("config", "application");
            g.set({"dom0-min-mem", PropType::Integer, {"196"}});
            g.set({"vnc-listen", PropType::Astring, {"127.0.0.1"}});
            g.set({"enable-dump", PropType::Boolean, {"true"}});
            g.set({"hosts", PropType::Host, {"a", "b"}});
            return {};
        }));
        ASSERT_TRUE((*repo)->take_snapshot("system/xctl/xend:default", "running"));
        // An edit after the snapshot: libscf's simple API sees it at once.
        ASSERT_TRUE((*repo)->update("system/xctl/xend:default", [](PgSet& s) -> Status {
            s.get_or_add("config", "application").set({"dom0-min-mem", PropType::Integer, {"512"}});
            s.get_or_add("restarter", "framework", false).set({"state", PropType::Astring, {"online"}});
            return {};
        }));
    }
    void TearDown() override {
        ::unsetenv("XVM_ROOT");
        (void)::system(("rm -rf " + dir_).c_str());
    }
    std::string dir_;
    const char* fmri_ = "svc:/system/xctl/xend:default";
};

TEST_F(ScfTest, ReadsInstanceThenServiceEditingValues) {
    scf_simple_prop_t* p = scf_simple_prop_get(nullptr, fmri_, "config", "dom0-min-mem");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(scf_simple_prop_type(p), SCF_TYPE_INTEGER);
    EXPECT_EQ(scf_simple_prop_numvalues(p), 1);
    int64_t* v = scf_simple_prop_next_integer(p);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(*v, 512);  // the instance's current value, not the running snapshot's 196
    EXPECT_EQ(scf_simple_prop_next_integer(p), nullptr);
    EXPECT_EQ(scf_error(), SCF_ERROR_NONE);
    scf_simple_prop_free(p);

    p = scf_simple_prop_get(nullptr, fmri_, "config", "vnc-listen");  // from the service
    ASSERT_NE(p, nullptr);
    EXPECT_STREQ(scf_simple_prop_next_astring(p), "127.0.0.1");
    scf_simple_prop_next_reset(p);
    EXPECT_EQ(scf_simple_prop_next_boolean(p), nullptr);
    EXPECT_EQ(scf_error(), SCF_ERROR_TYPE_MISMATCH);
    scf_simple_prop_free(p);

    p = scf_simple_prop_get(nullptr, fmri_, "config", "enable-dump");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(*scf_simple_prop_next_boolean(p), 1);
    scf_simple_prop_free(p);

    p = scf_simple_prop_get(nullptr, fmri_, "config", "hosts");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(scf_simple_prop_next_astring(p), nullptr);  // a ustring subtype
    EXPECT_STREQ(scf_simple_prop_next_ustring(p), "a");
    EXPECT_STREQ(scf_simple_prop_next_ustring(p), "b");
    scf_simple_prop_free(p);
}

TEST_F(ScfTest, Errors) {
    EXPECT_EQ(scf_simple_prop_get(nullptr, fmri_, "config", "nope"), nullptr);
    EXPECT_EQ(scf_error(), SCF_ERROR_NOT_FOUND);
    EXPECT_EQ(scf_simple_prop_get(nullptr, "xend", "config", "x"), nullptr);
    EXPECT_EQ(scf_error(), SCF_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(scf_simple_prop_get(nullptr, "svc:/system/xctl/nope:default", "config", "x"), nullptr);
    EXPECT_EQ(scf_error(), SCF_ERROR_NOT_FOUND);
    ::unsetenv("SMF_FMRI");
    EXPECT_EQ(scf_simple_prop_get(nullptr, nullptr, "config", "x"), nullptr);
    EXPECT_EQ(scf_error(), SCF_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(scf_simple_prop_numvalues(nullptr), -1);
    EXPECT_EQ(smf_enable_instance(fmri_, 0x100), -1);
}

TEST_F(ScfTest, StateAndOwnInstance) {
    char* s = smf_get_state(fmri_);
    ASSERT_NE(s, nullptr);
    EXPECT_STREQ(s, "online");
    ::free(s);
    ::setenv("SMF_FMRI", fmri_, 1);
    scf_simple_prop_t* p = scf_simple_prop_get(nullptr, nullptr, "config", "dom0-min-mem");
    EXPECT_NE(p, nullptr);
    scf_simple_prop_free(p);
    ::unsetenv("SMF_FMRI");
}

TEST_F(ScfTest, ActionsWriteTheRepositoryAsRoot) {
    if (::geteuid() != 0) GTEST_SKIP() << "root writes the repository directly; others need svc.startd";
    ASSERT_EQ(smf_disable_instance(fmri_, SMF_TEMPORARY), 0);
    ASSERT_EQ(smf_refresh_instance(fmri_), 0);
    auto repo = Repository::open(false);
    ASSERT_TRUE(repo);
    auto cur = (*repo)->current("system/xctl/xend:default");
    EXPECT_EQ(cur->first("general_ovr", "enabled"), "false");
    EXPECT_TRUE(cur->first("restarter_actions", "refresh").has_value());
    // Refresh retook the running snapshot: it now has the edit.
    EXPECT_EQ((*repo)->running_view("system/xctl/xend:default")->first("config", "dom0-min-mem"), "512");
}

}  // namespace
}  // namespace xvm::smf
