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

// illumos usr/src/cmd/svc/startd/expand.c: expand_method_tokens(),
// expand_token(), get_prop_val_str(), quote_for_shell().
TEST(Tokens, Expand) {
    smf::PgSet set;
    set.get_or_add("config", "application")
        .set(smf::Property{"msg", smf::PropType::Astring, {"a b;c", "d"}});
    set.get_or_add("config", "application").set(smf::Property{"empty", smf::PropType::Astring, {}});
    set.get_or_add("config", "application")
        .set(smf::Property{"where", smf::PropType::Uri, {"http://x/?a=1&b=2"}});
    set.get_or_add("application", "application")
        .set(smf::Property{"n", smf::PropType::Integer, {"5"}});
    smf::PgSet editing;
    editing.get_or_add("config", "application").set(smf::Property{"fresh", smf::PropType::Count, {"7"}});
    TokenContext ctx{"start", "system/xctl/store:default", &set, &editing, {}};
    EXPECT_EQ(*expand_tokens("%r %m %s %i %f 100%%", ctx),
              "svc.startd start system/xctl/store default svc:/system/xctl/store:default 100%");
    // Space by default; a trailing ',' or ':' inside the braces is the separator.
    EXPECT_EQ(*expand_tokens("x %{config/msg} %{n}", ctx), "x a\\ b\\;c d 5");
    EXPECT_EQ(*expand_tokens("%{config/msg,}", ctx), "a\\ b\\;c,d");
    EXPECT_EQ(*expand_tokens("%{config/msg:}", ctx), "a\\ b\\;c:d");
    EXPECT_EQ(*expand_tokens("[%{config/empty}]", ctx), "[]");
    // Every value is escaped, whatever its type (a uri can carry '&').
    EXPECT_EQ(*expand_tokens("%{config/where}", ctx), "http://x/?a=1\\&b=2");
    // Missing from the running view: the editing view.
    EXPECT_EQ(*expand_tokens("%{config/fresh}", ctx), "7");
    EXPECT_EQ(expand_tokens("%{config/none}", ctx).error().message, "property \"config/none\" not found");
    EXPECT_EQ(expand_tokens("%{config/msg:,}", ctx).error().message, "property \"config/msg:\" not found");
    EXPECT_EQ(expand_tokens("%{config/msg", ctx).error().message, "parse error");
    EXPECT_EQ(expand_tokens("%q", ctx).error().message, "unknown method token");
    EXPECT_EQ(*expand_tokens("50%", ctx), "50");  // a lone % at the end is dropped
}

TEST(Tokens, PropertyFmrisReadOtherEntities) {
    smf::PgSet own;
    std::vector<std::string> asked;
    TokenContext ctx{"start", "site/a:default", &own, nullptr,
                     [&](const std::string& entity, std::string_view view) -> std::optional<smf::PgSet> {
                         asked.push_back(entity + " " + std::string(view));
                         smf::PgSet s;
                         if (entity == "site/b:default" && view == "running")
                             s.get_or_add("config", "application")
                                 .set(smf::Property{"port", smf::PropType::Integer, {"80"}});
                         if (entity == "site/b")
                             s.get_or_add("config", "application")
                                 .set(smf::Property{"host", smf::PropType::Host, {"h"}});
                         return s;
                     }};
    EXPECT_EQ(*expand_tokens("%{svc:/site/b:default/:properties/config/port}", ctx), "80");
    EXPECT_EQ(*expand_tokens("%{svc:/site/b/:properties/config/host}", ctx), "h");
    EXPECT_EQ(expand_tokens("%{svc:/site/b:default/:properties/config/nope}", ctx).error().message,
              "property \"svc:/site/b:default/:properties/config/nope\" not found");
    EXPECT_EQ(asked, (std::vector<std::string>{"site/b:default running", "site/b current", "site/b:default running",
                                               "site/b:default composed"}));
    EXPECT_EQ(expand_tokens("%{svc:/site/b:default/:properties/config}", ctx).error().message, "parse error");
}

}  // namespace
}  // namespace xvm::startd
