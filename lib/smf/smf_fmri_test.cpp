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

}  // namespace
}  // namespace xvm::smf
