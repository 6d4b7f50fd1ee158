#include "cmd/svccfg/syntax.h"

#include <gtest/gtest.h>

namespace xvm::svccfg {
namespace {

TEST(SvccfgSyntax, TypedScalar) {
    auto r = parse_setprop("config/dom0-min-mem = integer: 512");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->pg, "config");
    EXPECT_EQ(r->prop, "dom0-min-mem");
    EXPECT_EQ(r->type, smf::PropType::Integer);
    EXPECT_EQ(r->values, std::vector<std::string>{"512"});
}

TEST(SvccfgSyntax, QuotedAndLists) {
    auto r = parse_setprop("config/x = astring: (\"a b\" c \"q\\\"x\" \"\")");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->values, (std::vector<std::string>{"a b", "c", "q\"x", ""}));
    r = parse_setprop("config/f = svc:/system/xctl/store:default");
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->type);  // "svc:" is not a type
    EXPECT_EQ(r->values.front(), "svc:/system/xctl/store:default");
    r = parse_setprop("config/e = \"\"");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->values, std::vector<std::string>{""});
}

TEST(SvccfgSyntax, Errors) {
    EXPECT_EQ(parse_setprop("config/x = bogus: 1").error().message, "setprop: unknown type \"bogus\"");
    EXPECT_FALSE(parse_setprop("config/x 1"));
    EXPECT_FALSE(parse_setprop("config = 1"));
    EXPECT_FALSE(parse_setprop("config/x = a b"));
    EXPECT_FALSE(parse_setprop("config/x = (a b"));
    EXPECT_FALSE(parse_setprop("config/x = \"open"));
    EXPECT_FALSE(parse_setprop("config/x ="));
}

TEST(SvccfgSyntax, Quoting) {
    EXPECT_EQ(quote_if_needed("abc"), "abc");
    EXPECT_EQ(quote_if_needed(""), "\"\"");
    EXPECT_EQ(quote_if_needed("a b"), "\"a b\"");
    EXPECT_EQ(quote_if_needed("^localhost$"), "^localhost$");
}

}  // namespace
}  // namespace xvm::svccfg
