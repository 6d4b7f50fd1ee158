#include "daemons/svc.startd/control.h"

#include <gtest/gtest.h>

namespace xvm::startd {
namespace {

TEST(Control, RequiredAuthorizations) {
    smf::PgSet set;
    set.get_or_add("general", "framework")
        .set({"action_authorization", smf::PropType::Astring, {"solaris.smf.manage.xctl"}});
    set.get_or_add("config", "application")
        .set({"value_authorization", smf::PropType::Astring, {"solaris.smf.value.xctl"}});
    using V = std::vector<std::string>;
    EXPECT_EQ(required_authorizations({"restart", "x:default", {}}, set),
              (V{"solaris.smf.manage.xctl", "solaris.smf.manage"}));
    EXPECT_EQ(required_authorizations({"setprop", "x", {"config", "p", "", "1"}}, set),
              (V{"solaris.smf.value.xctl", "solaris.smf.modify"}));
    EXPECT_EQ(required_authorizations({"setprop", "x", {"other", "p", "", "1"}}, set),
              (V{"solaris.smf.modify"}));
    EXPECT_EQ(required_authorizations({"addpg", "x", {"n", "application"}}, set),
              (V{"solaris.smf.modify"}));
    EXPECT_TRUE(required_authorizations({"bogus", "x", {}}, set).empty());
}

}  // namespace
}  // namespace xvm::startd
