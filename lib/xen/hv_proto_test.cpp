// The hvsim protocol codec: round trips and every way a payload can lie.
#include "lib/xen/hv_proto.h"

#include <gtest/gtest.h>

#include <cstring>

namespace xvm {
namespace {

std::string payload_of(const std::string& frame) {
    return frame.substr(kHvHeaderSize);
}

TEST(HvProto, FrameIncompleteThenComplete) {
    std::string frame;
    hv_append_frame(frame, 7, "abc");
    for (std::size_t n = 0; n < frame.size(); ++n) {
        auto r = hv_parse_frame(std::span<const char>(frame.data(), n));
        ASSERT_TRUE(r);
        EXPECT_FALSE(*r) << n;
    }
    auto r = hv_parse_frame(frame);
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->code, 7u);
    EXPECT_EQ((*r)->payload, "abc");
}

TEST(HvProto, OversizedFrameBreaksFraming) {
    std::string frame(8, '\0');
    std::uint32_t len = kHvMaxPayload + 1;
    std::memcpy(frame.data() + 4, &len, 4);
    auto r = hv_parse_frame(frame);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EPROTO);
    EXPECT_NE(r.error().message.find("65537 payload bytes"), std::string::npos);
}

TEST(HvProto, CreateRoundTrip) {
    HvRequest q;
    q.op = HvOp::kDomainCreate;
    q.config.uuid[3] = 9;
    q.config.memory_kib = 65536;
    q.config.max_memory_kib = 131072;
    q.config.vcpus = 2;
    q.config.hvm = true;
    q.config.ssidref = 5;
    q.config.kernel = "crash-on-boot";
    q.config.cmdline = "quiet";
    auto d = hv_decode_request(static_cast<std::uint32_t>(q.op), payload_of(hv_encode_request(q)));
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->config.uuid, q.config.uuid);
    EXPECT_EQ(d->config.memory_kib, 65536u);
    EXPECT_EQ(d->config.max_memory_kib, 131072u);
    EXPECT_TRUE(d->config.hvm);
    EXPECT_EQ(d->config.kernel, "crash-on-boot");
    EXPECT_EQ(d->config.cmdline, "quiet");
}

TEST(HvProto, EveryOpRoundTrips) {
    for (std::uint32_t op = 1; op < static_cast<std::uint32_t>(HvOp::kEnd); ++op) {
        HvRequest q;
        q.op = static_cast<HvOp>(op);
        q.dom = 3;
        q.cpus = {0, 1};
        auto d = hv_decode_request(op, payload_of(hv_encode_request(q)));
        ASSERT_TRUE(d) << hv_op_name(op) << ": " << d.error().message;
        EXPECT_NE(hv_op_name(op), "UNKNOWN");
    }
}

TEST(HvProto, ShortPayloadNamesTheMissingField) {
    auto d = hv_decode_request(static_cast<std::uint32_t>(HvOp::kSetMaxMemory),
                               std::string("\1\0\0\0", 4));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, EINVAL);
    EXPECT_EQ(d.error().message, "SET_MAX_MEMORY request: payload ends before field kib");
}

TEST(HvProto, TrailingBytesAreRefused) {
    auto d =
        hv_decode_request(static_cast<std::uint32_t>(HvOp::kDomainPause), std::string(5, '\0'));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().message, "DOMAIN_PAUSE request: 1 unexpected bytes after the last field");
}

TEST(HvProto, UnknownOpIsEnosys) {
    EXPECT_EQ(hv_decode_request(0, "").error().code, ENOSYS);
    EXPECT_EQ(hv_decode_request(999, "").error().code, ENOSYS);
}

TEST(HvProto, CapsStringsListsAndEnums) {
    HvRequest q;
    q.op = HvOp::kDomainCreate;
    q.config.kernel = std::string(kHvMaxString + 1, 'k');
    auto d = hv_decode_request(static_cast<std::uint32_t>(q.op), payload_of(hv_encode_request(q)));
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().message.find("field kernel is 4097 bytes, more than the limit of 4096"),
              std::string::npos);

    WireWriter w;
    w.u32(1);
    w.u32(0);
    w.u32(kHvMaxList + 1);
    auto aff = hv_decode_request(static_cast<std::uint32_t>(HvOp::kSetAffinity), w.take());
    ASSERT_FALSE(aff);
    EXPECT_NE(aff.error().message.find("more than the limit of 1024"), std::string::npos);

    std::string bad_reason = std::string(4, '\0') + "\x07";
    auto s = hv_decode_request(static_cast<std::uint32_t>(HvOp::kDomainShutdown), bad_reason);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("shutdown reason 7 is not in 0..4"), std::string::npos);

    std::string bad_page = std::string(4, '\0') + "\x02";
    EXPECT_FALSE(hv_decode_request(static_cast<std::uint32_t>(HvOp::kMapPage), bad_page));
}

TEST(HvProto, InfoRoundTrip) {
    DomainInfo i;
    i.domid = 4;
    i.paused = true;
    i.shutdown = true;
    i.crashed = true;
    i.shutdown_reason = ShutdownReason::kCrash;
    i.memory_kib = 1234;
    i.store_port = 1;
    i.console_port = 2;
    WireWriter w;
    hv_put_info(w, i);
    std::string text = w.take();
    WireReader r(text, "info");
    DomainInfo o = hv_get_info(r);
    ASSERT_TRUE(r.finish());
    EXPECT_EQ(o.domid, 4u);
    EXPECT_TRUE(o.paused && o.shutdown && o.crashed);
    EXPECT_FALSE(o.running || o.blocked || o.dying);
    EXPECT_EQ(o.shutdown_reason, ShutdownReason::kCrash);
    EXPECT_EQ(o.memory_kib, 1234u);
    EXPECT_EQ(o.console_port, 2u);
}

}  // namespace
}  // namespace xvm
