#include "lib/xen/xs_wire.h"

#include <gtest/gtest.h>

namespace xvm {
namespace {

TEST(XsWire, AppendThenParseRoundTrips) {
    std::string buf;
    xs_append(buf, XS_WRITE, 7, 3, std::string_view("/a\0value", 8));
    ASSERT_EQ(buf.size(), 24u);
    auto msg = xs_parse(buf);
    ASSERT_TRUE(msg);
    ASSERT_TRUE(*msg);
    EXPECT_EQ((*msg)->header.type, XS_WRITE);
    EXPECT_EQ((*msg)->header.req_id, 7u);
    EXPECT_EQ((*msg)->header.tx_id, 3u);
    EXPECT_EQ((*msg)->payload, std::string_view("/a\0value", 8));
    EXPECT_EQ((*msg)->wire_size(), 24u);
    auto parts = xs_split((*msg)->payload);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0], "/a");
    EXPECT_EQ(parts[1], "value");
}

TEST(XsWire, IncompleteMessagesWait) {
    std::string buf;
    xs_append(buf, XS_READ, 1, 0, std::string_view("/x\0", 3));
    for (std::size_t cut = 0; cut < buf.size(); ++cut) {
        auto msg = xs_parse(std::span<const char>(buf.data(), cut));
        ASSERT_TRUE(msg);
        EXPECT_FALSE(*msg) << "cut at " << cut;
    }
}

TEST(XsWire, OversizedLengthBreaksFraming) {
    xsd_sockmsg header{XS_WRITE, 1, 0, XENSTORE_PAYLOAD_MAX + 1};
    std::string buf(reinterpret_cast<const char*>(&header), sizeof header);
    auto msg = xs_parse(buf);
    ASSERT_FALSE(msg);
    EXPECT_EQ(msg.error().code, E2BIG);
    EXPECT_EQ(msg.error().message,
              "xenstore message WRITE declares 4097 payload bytes, more than the maximum 4096");
    header.len = XENSTORE_PAYLOAD_MAX;  // the maximum itself is fine
    buf.assign(reinterpret_cast<const char*>(&header), sizeof header);
    EXPECT_TRUE(xs_parse(buf));
}

TEST(XsWire, UnknownTypesAreFramedAndNamed) {
    std::string buf;
    xs_append(buf, 9999, 1, 0, "");
    auto msg = xs_parse(buf);
    ASSERT_TRUE(msg && *msg);
    EXPECT_EQ(xs_type_name((*msg)->header.type), "UNKNOWN");
    EXPECT_EQ(xs_type_name(XS_DIRECTORY_PART), "DIRECTORY_PART");
    EXPECT_EQ(xs_type_name(XS_INVALID), "UNKNOWN");
}

TEST(XsWire, ErrorsUseXenNames) {
    std::string buf;
    xs_append_error(buf, 5, 0, ENOENT);
    auto msg = xs_parse(buf);
    ASSERT_TRUE(msg && *msg);
    EXPECT_EQ((*msg)->header.type, XS_ERROR);
    EXPECT_EQ((*msg)->payload, std::string_view("ENOENT\0", 7));
    EXPECT_EQ(xs_error_name(E2BIG), "E2BIG");
    EXPECT_EQ(xs_error_name(ETIMEDOUT), "EINVAL");  // not in Xen's table
    EXPECT_EQ(xs_error_number("EAGAIN"), EAGAIN);
    EXPECT_EQ(xs_error_number("ENOPE"), EINVAL);
}

TEST(XsWire, SplitHandlesEmptyAndUnterminated) {
    EXPECT_TRUE(xs_split("").empty());
    auto one = xs_split(std::string_view("\0", 1));
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0], "");
    auto raw = xs_split("no-nul");
    ASSERT_EQ(raw.size(), 1u);
    EXPECT_EQ(raw[0], "no-nul");
}

}  // namespace
}  // namespace xvm
