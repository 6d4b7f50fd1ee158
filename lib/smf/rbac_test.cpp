#include "lib/smf/rbac.h"

#include <gtest/gtest.h>

namespace xvm {
namespace {

TEST(Rbac, ExpandsProfilesRecursively) {
    std::string ua = "# comment\nalice::::auths=solaris.smf.value.xctl;profiles=Outer\nbob::::type=normal\n";
    std::string pa =
        "Outer:::outer:profiles=Xen Management\n"
        "Xen Management:::Manage xVM:auths=solaris.smf.manage.xctl;profiles=Outer\n";
    auto a = authorizations_from("alice", ua, pa);
    EXPECT_TRUE(has_authorization(a, "solaris.smf.manage.xctl"));
    EXPECT_TRUE(has_authorization(a, "solaris.smf.value.xctl"));
    EXPECT_TRUE(authorizations_from("bob", ua, pa).empty());
    EXPECT_TRUE(authorizations_from("carol", ua, pa).empty());
}

TEST(Rbac, EntriesInSeveralPlacesAddUp) {
    // user_attr followed by a user_attr.d fragment naming the same user.
    std::string ua = "alice::::auths=solaris.smf.read.xctl\nalice::::profiles=P\n";
    auto a = authorizations_from("alice", ua, "P:::p:auths=solaris.smf.manage.xctl\n");
    EXPECT_TRUE(has_authorization(a, "solaris.smf.read.xctl"));
    EXPECT_TRUE(has_authorization(a, "solaris.smf.manage.xctl"));
}

TEST(Rbac, Wildcards) {
    EXPECT_TRUE(auth_grants("solaris.smf.*", "solaris.smf.manage.xctl"));
    EXPECT_TRUE(auth_grants("solaris.*", "solaris.smf.value.xctl"));
    EXPECT_FALSE(auth_grants("solaris.smf.manage", "solaris.smf.manage.xctl"));
    EXPECT_FALSE(auth_grants("solaris.smf.manage.xctl", "solaris.smf.manage.xctlx"));
}

}  // namespace
}  // namespace xvm
