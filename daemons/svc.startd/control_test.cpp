#include "daemons/svc.startd/control.h"

#include <gtest/gtest.h>

#include "lib/smf/smf_control.h"

namespace xvm::startd {
namespace {

// The reply codec svc.startd and the commands share.
TEST(Control, ReplyCodec) {
    EXPECT_EQ(smf::encode_reply(Status{}), "ok\n");
    EXPECT_EQ(*smf::decode_reply("ok\n"), "");
    std::string payload = "pg config application P\nprop p astring \"a\\tb\"\n";
    EXPECT_EQ(*smf::decode_reply(smf::encode_value_reply(payload)), payload);
    auto err = smf::decode_reply(smf::encode_reply(make_error("no\tway", EPERM)));
    ASSERT_FALSE(err);
    EXPECT_EQ(err.error().code, EPERM);
    EXPECT_EQ(err.error().message, "no\tway");
    EXPECT_EQ(smf::decode_reply("error\t0\tx\n").error().code, EPROTO) << "an error is never success";
    EXPECT_FALSE(smf::decode_reply("value\n"));
    EXPECT_FALSE(smf::decode_reply("garbage\n"));
}

}  // namespace
}  // namespace xvm::startd
