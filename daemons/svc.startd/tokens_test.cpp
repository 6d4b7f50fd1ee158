#include "daemons/svc.startd/tokens.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace xvm::startd {
namespace {

TEST(Tokens, Classify) {
    EXPECT_EQ(classify_exec(":true").kind, ExecSpec::Kind::True);
    EXPECT_EQ(classify_exec(":kill").signo, SIGTERM);
    EXPECT_EQ(classify_exec(":kill -HUP").signo, SIGHUP);
    EXPECT_EQ(classify_exec(":kill  -SIGUSR1").signo, SIGUSR1);
    EXPECT_EQ(classify_exec(":kill -9").signo, 9);
    EXPECT_EQ(classify_exec(":kill foo").kind, ExecSpec::Kind::Command);
    EXPECT_EQ(classify_exec(":kill -NOSUCH").kind, ExecSpec::Kind::Command);
    EXPECT_EQ(classify_exec("/bin/true").kind, ExecSpec::Kind::Command);
}

TEST(Tokens, Expand) {
    smf::PgSet set;
    set.get_or_add("config", "application")
        .set(smf::Property{"msg", smf::PropType::Astring, {"a b;c", "d"}});
    set.get_or_add("application", "application")
        .set(smf::Property{"n", smf::PropType::Integer, {"5"}});
    TokenContext ctx{"start", "system/xctl/store:default", &set};
    EXPECT_EQ(*expand_tokens("%r %m %s %i %f 100%%", ctx),
              "svc.startd start system/xctl/store default svc:/system/xctl/store:default 100%");
    EXPECT_EQ(*expand_tokens("x %{config/msg} %{n}", ctx), "x a\\ b\\;c d 5");
    EXPECT_EQ(*expand_tokens("%{config/msg:,}", ctx), "a\\ b\\;c,d");
    EXPECT_EQ(expand_tokens("%{config/none}", ctx).error().message,
              "property config/none does not exist");
    EXPECT_FALSE(expand_tokens("%{config/msg", ctx));
    EXPECT_FALSE(expand_tokens("%q", ctx));
    EXPECT_FALSE(expand_tokens("50%", ctx));
}

}  // namespace
}  // namespace xvm::startd
