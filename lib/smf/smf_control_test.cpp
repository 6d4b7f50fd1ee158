#include "lib/smf/smf_control.h"

#include <gtest/gtest.h>

namespace xvm::smf {
namespace {

TEST(SmfControl, RequestRoundTrip) {
    Request r{"setprop", "system/xctl/xend", {"config", "vncpasswd", "astring", "a\tb\\c\nd", ""}};
    auto back = decode_request(encode_request(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->verb, r.verb);
    EXPECT_EQ(back->entity, r.entity);
    EXPECT_EQ(back->args, r.args);
    EXPECT_FALSE(decode_request("\n"));
    EXPECT_FALSE(decode_request("verbonly\n"));
}

TEST(SmfControl, ReplyRoundTrip) {
    EXPECT_TRUE(decode_reply(encode_reply(Status{})));
    Status denied = make_error("permission denied: needs solaris.smf.manage.xctl", EPERM);
    auto back = decode_reply(encode_reply(denied));
    ASSERT_FALSE(back);
    EXPECT_EQ(back.error().code, EPERM);
    EXPECT_EQ(back.error().message, denied.error().message);
    EXPECT_FALSE(decode_reply("garbage"));
}

}  // namespace
}  // namespace xvm::smf
