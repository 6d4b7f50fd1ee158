// The authorization rules (smf_auth.h), group by group: each case is a
// request a user holding only the xctl authorizations might try.
#include "lib/smf/smf_auth.h"

#include <gtest/gtest.h>

namespace xvm::smf {
namespace {

using V = std::vector<std::string>;

class AuthRules : public ::testing::Test {
protected:
    void SetUp() override {
        auto& gen = svc_.get_or_add("general", "framework");
        gen.set({"action_authorization", PropType::Astring, {"solaris.smf.manage.xctl"}});
        gen.set({"value_authorization", PropType::Astring, {"solaris.smf.value.xctl"}});
        gen.set({"enabled", PropType::Boolean, {"false"}});
        auto& cfg = svc_.get_or_add("config", "application");
        cfg.set({"value_authorization", PropType::Astring, {"solaris.smf.value.xctl"}});
        cfg.set({"port", PropType::Integer, {"1"}});
        auto& start = svc_.get_or_add("start", "method");
        start.set({"exec", PropType::Astring, {"/usr/lib/xvm/xend"}});
        start.set({"user", PropType::Astring, {"xvm"}});
        svc_.get_or_add("startd", "framework").set({"duration", PropType::Astring, {"contract"}});
        svc_.get_or_add("dep", "dependency");
        svc_.get_or_add("method_context", "framework");
        inst_.get_or_add("config", "application").set({"port", PropType::Integer, {"2"}});
        inst_.get_or_add("restarter", "framework", false).set({"state", PropType::Astring, {"online"}});
    }
    Needed need(const Request& r, bool on_instance = false) {
        return on_instance ? needed_for(r, AuthScope{&inst_, &svc_}) : needed_for(r, AuthScope{&svc_, nullptr});
    }
    bool value_holder_may(const Request& r, bool on_instance = false) {
        return permits(need(r, on_instance), {"solaris.smf.manage.xctl", "solaris.smf.value.xctl"});
    }
    PgSet svc_, inst_;
};

TEST_F(AuthRules, ValueAuthorizationCoversOnlyApplicationValues) {
    EXPECT_TRUE(value_holder_may({"setprop", "x", {"config", "port", "", "5"}}));
    EXPECT_TRUE(value_holder_may({"setprop", "x", {"config", "port", "integer", "5"}}));
    // The instance's group takes the authorization from the service's.
    EXPECT_TRUE(value_holder_may({"setprop", "x:default", {"config", "port", "", "5"}}, true));
    // A new property, another type, a deletion or the authorization
    // properties themselves are not a change of values.
    EXPECT_FALSE(value_holder_may({"setprop", "x", {"config", "new", "astring", "v"}}));
    EXPECT_FALSE(value_holder_may({"setprop", "x", {"config", "port", "astring", "v"}}));
    EXPECT_FALSE(value_holder_may({"delprop", "x", {"config", "port"}}));
    EXPECT_FALSE(value_holder_may({"setprop", "x", {"config", "value_authorization", "", "solaris.*"}}));
    EXPECT_FALSE(value_holder_may({"setprop", "x", {"config", "read_authorization", "astring", "a"}}));
    EXPECT_FALSE(value_holder_may({"delpg", "x", {"config"}}));
    EXPECT_FALSE(value_holder_may({"addpg", "x", {"more", "application"}}));
}

TEST_F(AuthRules, WhatDecidesWhatRunsAndAsWhomNeedsModify) {
    // The attack of the hardening issue, item 1: every one of these would
    // have run a command as root after a refresh and a restart.
    for (const Request& r : std::vector<Request>{
             {"setprop", "x", {"start", "exec", "", "/tmp/evil"}},
             {"setprop", "x", {"start", "user", "", "root"}},
             {"setprop", "x", {"start", "environment", "astring", "LD_PRELOAD=/tmp/evil.so"}},
             {"setprop", "x", {"method_context", "privileges", "astring", "all"}},
             {"setprop", "x", {"general", "action_authorization", "", "solaris.*"}},
             {"setprop", "x", {"general", "enabled", "", "true"}},
             {"setprop", "x", {"startd", "duration", "", "transient"}},
             {"setprop", "x:default", {"restarter", "state", "", "online"}},
             {"addpg", "x", {"stop", "method"}},
             {"addpg", "x", {"refresh", "application"}},  // named like a method: treated as one
             {"delpg", "x", {"start"}},
             {"delprop", "x", {"dep"}},
         })
        EXPECT_FALSE(value_holder_may(r, r.entity == "x:default")) << r.verb << " " << r.args[0];
    EXPECT_EQ(need({"setprop", "x", {"start", "exec", "", "/bin/true"}}).any,
              (V{"solaris.smf.modify.method", "solaris.smf.modify"}));
    EXPECT_EQ(need({"setprop", "x", {"general", "action_authorization", "", "a"}}).any, (V{"solaris.smf.modify"}));
    EXPECT_EQ(need({"setprop", "x", {"dep", "entities", "fmri", "svc:/a"}}).any,
              (V{"solaris.smf.modify.dependency", "solaris.smf.modify"}));
    EXPECT_TRUE(permits(need({"setprop", "x", {"start", "exec", "", "/bin/true"}}), {"solaris.smf.modify.method"}));
    EXPECT_TRUE(permits(need({"setprop", "x", {"start", "exec", "", "/bin/true"}}), {"solaris.smf.*"}));
    EXPECT_FALSE(permits(need({"setprop", "x", {"general", "action_authorization", "", "a"}}),
                         {"solaris.smf.modify.framework", "solaris.smf.manage"}));
}

TEST_F(AuthRules, Actions) {
    EXPECT_EQ(need({"restart", "x:default", {}}, true).any,
              (V{"solaris.smf.manage.xctl", "solaris.smf.manage", "solaris.smf.modify"}));
    EXPECT_TRUE(value_holder_may({"disable_t", "x:default", {}}, true));
    EXPECT_TRUE(value_holder_may({"enable", "x:default", {}}, true));
    EXPECT_TRUE(permits(need({"enable", "x:default", {}}, true), {"solaris.smf.modify.framework"}));
    EXPECT_FALSE(permits(need({"enable_t", "x:default", {}}, true), {"solaris.smf.modify.framework"}));
    EXPECT_FALSE(permits(need({"restart", "x:default", {}}, true), {"solaris.smf.value.xctl"}));
    EXPECT_TRUE(need({"notify", "x", {}}).anyone);
    EXPECT_TRUE(need({"bogus", "x", {}}).any.empty());
    EXPECT_FALSE(permits(need({"bogus", "x", {}}), {"solaris.*"})) << "unknown verbs are root's";
}

TEST_F(AuthRules, ReadProtection) {
    AuthScope scope{&svc_, nullptr};
    EXPECT_FALSE(read_protected(scope, "config"));
    EXPECT_TRUE(needed_to_read(scope, "config").anyone);
    svc_.find("config")->set({"read_authorization", PropType::Astring, {"solaris.smf.read.xctl"}});
    EXPECT_TRUE(read_protected(scope, "config"));
    EXPECT_TRUE(read_protected(AuthScope{&inst_, &svc_}, "config")) << "composed from the service";
    Needed n = needed_to_read(scope, "config");
    EXPECT_EQ(n.any, (V{"solaris.smf.read.xctl", "solaris.smf.value.xctl", "solaris.smf.modify.application",
                        "solaris.smf.modify"}));
    EXPECT_FALSE(permits(n, {"solaris.smf.manage.xctl"}));
    // Only application groups, and only string-typed properties, protect.
    svc_.find("startd")->set({"read_authorization", PropType::Astring, {"x"}});
    EXPECT_FALSE(read_protected(scope, "startd"));
    svc_.find("config")->set({"read_authorization", PropType::Integer, {"1"}});
    EXPECT_FALSE(read_protected(scope, "config"));
}

TEST_F(AuthRules, DenialNamesEveryAlternative) {
    EXPECT_EQ(denial(need({"setprop", "x", {"start", "exec", "", "/bin/true"}}), "site/x"),
              "permission denied: setprop of start/exec on svc:/site/x requires authorization "
              "solaris.smf.modify.method or solaris.smf.modify");
    EXPECT_EQ(denial(need({"bogus", "x", {}}), "site/x"), "permission denied: bogus on svc:/site/x is reserved to root");
}

}  // namespace
}  // namespace xvm::smf
