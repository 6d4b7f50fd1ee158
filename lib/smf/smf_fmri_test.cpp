#include "lib/smf/smf_fmri.h"

#include <gtest/gtest.h>

namespace xvm::smf {
namespace {

TEST(SmfFmri, ParsesExactForms) {
    auto f = parse_fmri("svc:/system/xctl/store:default/:properties/config/port");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->service, "system/xctl/store");
    EXPECT_EQ(f->instance, "default");
    EXPECT_EQ(f->pg, "config");
    EXPECT_EQ(f->prop, "port");
    EXPECT_EQ(parse_fmri("svc://localhost/system/xctl/store")->str(), "svc:/system/xctl/store");
    EXPECT_FALSE(parse_fmri("store"));
    EXPECT_FALSE(parse_fmri("svc:/a:b:c"));
    EXPECT_FALSE(parse_fmri("svc:/a//b"));
}

TEST(SmfFmri, LogStem) {
    EXPECT_EQ(log_stem("system/xctl/store:default"), "system-xctl-store:default.log");
}

TEST(SmfFmri, Abbreviations) {
    std::vector<std::string> all{"system/xctl/store", "system/xctl/store:default",
                                 "system/xctl/xend", "system/xctl/xend:default",
                                 "system/filesystem/local", "system/filesystem/local:default"};
    using V = std::vector<std::string>;
    EXPECT_EQ(match_operand("store", all), V{"system/xctl/store"});
    EXPECT_EQ(match_operand("xctl/store", all), V{"system/xctl/store"});
    EXPECT_EQ(match_operand("store:default", all), V{"system/xctl/store:default"});
    EXPECT_EQ(match_operand("svc:/system/xctl/xend:default", all), V{"system/xctl/xend:default"});
    EXPECT_TRUE(match_operand("tore", all).empty());
    EXPECT_TRUE(match_operand("xctl/sto", all).empty());
    EXPECT_TRUE(match_operand("system", all).empty());
    EXPECT_EQ(match_operand("default", all).size(), 3u);
    EXPECT_EQ(match_operand(":default", all).size(), 3u);
    EXPECT_TRUE(match_operand("xctl/*", all).empty());  // svc:/ is prepended
    EXPECT_EQ(match_operand("system/xctl/*", all),
              (V{"system/xctl/store:default", "system/xctl/xend:default"}));
}

}  // namespace
}  // namespace xvm::smf
