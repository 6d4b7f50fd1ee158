// The xenconsoled socket protocol codec: round trips, the direction rule,
// and every way a frame or payload can lie.
#include "lib/xen/console_proto.h"

#include <gtest/gtest.h>

#include <cstring>

namespace xvm::cons {
namespace {

std::string header(std::uint32_t type, std::uint32_t len) {
    std::string h(8, '\0');
    std::memcpy(h.data(), &type, 4);
    std::memcpy(h.data() + 4, &len, 4);
    return h;
}

std::string payload_of(const std::string& frame) { return frame.substr(kHeaderSize); }

std::string u32(std::uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }

TEST(ConsoleProto, FrameIncompleteThenComplete) {
    std::string f = encode_attach({kVersion, 0, "web"});
    for (std::size_t n = 0; n < f.size(); ++n) {
        auto r = parse_frame(std::span<const char>(f.data(), n), From::kClient);
        ASSERT_TRUE(r) << n << ": " << r.error().message;
        EXPECT_FALSE(*r) << n;
    }
    auto r = parse_frame(f, From::kClient);
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->type, MsgType::kAttach);
    EXPECT_EQ((*r)->wire_size(), f.size());
}

TEST(ConsoleProto, OversizedLengthFailsFromTheHeaderAlone) {
    auto r = parse_frame(header(2, kMaxPayload + 1), From::kClient);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EPROTO);
    EXPECT_NE(r.error().message.find("INPUT payload of 16385 bytes"), std::string::npos)
        << r.error().message;
}

TEST(ConsoleProto, EmptyInputIsRefused) {
    auto r = parse_frame(header(2, 0), From::kClient);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EPROTO);
}

TEST(ConsoleProto, UnknownTypeIsRefused) {
    auto r = parse_frame(header(77, 0), From::kClient);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("unknown message type 77"), std::string::npos);
}

TEST(ConsoleProto, EachSideSendsOnlyItsOwnTypes) {
    // A client cannot send OUTPUT (it would forge guest output to others)...
    auto r = parse_frame(header(static_cast<std::uint32_t>(MsgType::kOutput), 1) + "x",
                         From::kClient);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("OUTPUT may not come from a client"), std::string::npos);
    // ... and the daemon never sends ATTACH.
    r = parse_frame(encode_attach({kVersion, 0, "1"}), From::kDaemon);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("ATTACH may not come from the daemon"), std::string::npos);
}

TEST(ConsoleProto, AttachRoundTrip) {
    std::string wire = encode_attach({kVersion, kAttachReadOnly | kAttachNoReplay, "web-1"});
    auto f = parse_frame(wire, From::kClient);
    ASSERT_TRUE(f && *f);
    auto a = decode_attach((*f)->payload);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->flags, kAttachReadOnly | kAttachNoReplay);
    EXPECT_EQ(a->domain, "web-1");
}

TEST(ConsoleProto, AttachRefusesWrongVersionUnknownFlagsAndBadNames) {
    auto a = decode_attach(u32(2) + u32(0) + "web");
    ASSERT_FALSE(a);
    EXPECT_NE(a.error().message.find("version 2 is not supported"), std::string::npos);
    a = decode_attach(u32(kVersion) + u32(0x80) + "web");
    ASSERT_FALSE(a);
    EXPECT_NE(a.error().message.find("unknown bits"), std::string::npos);
    a = decode_attach(u32(kVersion) + u32(0) + std::string("we\0b", 4));
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().code, EINVAL);
    a = decode_attach(u32(kVersion) + u32(0) + "\x1b[2J");
    ASSERT_FALSE(a);
    a = decode_attach(u32(kVersion) + u32(0));  // no domain at all
    ASSERT_FALSE(a);
    a = decode_attach(u32(kVersion) + u32(0) + std::string(kMaxDomainText + 1, 'a'));
    ASSERT_FALSE(a);
    EXPECT_TRUE(decode_attach(u32(kVersion) + u32(0) + std::string(kMaxDomainText, 'a')));
}

TEST(ConsoleProto, AttachedRoundTripAndBadRole) {
    auto p = payload_of(encode_attached({7, Role::kViewer, "web"}));
    auto a = decode_attached(p);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->domid, 7u);
    EXPECT_EQ(a->role, Role::kViewer);
    EXPECT_EQ(a->name, "web");
    EXPECT_FALSE(decode_attached(u32(7) + u32(3) + "web"));
    EXPECT_FALSE(decode_attached(u32(7)));
}

TEST(ConsoleProto, ErrorRoundTripAndRules) {
    auto e = decode_error(payload_of(encode_error(EACCES, "permission denied")));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, EACCES);
    EXPECT_EQ(e->text, "permission denied");
    EXPECT_FALSE(decode_error(u32(0) + "x"));       // 0 is not an errno
    EXPECT_FALSE(decode_error(u32(99999) + "x"));   // nor is this
    EXPECT_FALSE(decode_error(u32(EIO) + "a\nb"));  // one line only
    // The encoder never produces what the decoder refuses.
    auto fixed = decode_error(payload_of(encode_error(0, "two\nlines")));
    ASSERT_TRUE(fixed);
    EXPECT_EQ(fixed->code, EIO);
    EXPECT_EQ(fixed->text, "two lines");
}

TEST(ConsoleProto, LongTextsAreCutByTheEncoder) {
    std::string wire = encode_notice(std::string(5000, 'n'));
    auto r = parse_frame(wire, From::kDaemon);
    ASSERT_TRUE(r && *r);
    auto n = decode_notice((*r)->payload);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->size(), kMaxText);
}

TEST(ConsoleProto, RoleAndClosedRoundTrip) {
    auto r = decode_role(payload_of(encode_role(Role::kWriter, "you have the console")));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->role, Role::kWriter);
    auto c = decode_closed(payload_of(encode_closed(CloseReason::kDomainGone, "gone")));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->reason, CloseReason::kDomainGone);
    EXPECT_EQ(c->text, "gone");
    EXPECT_FALSE(decode_closed(u32(0) + "x"));
    EXPECT_FALSE(decode_closed(u32(3) + "x"));
}

TEST(ConsoleProto, DomainRefs) {
    EXPECT_EQ(parse_domain_ref("0").id, 0u);
    EXPECT_EQ(parse_domain_ref("42").id, 42u);
    EXPECT_EQ(parse_domain_ref("4294967295").id, 4294967295u);
    // Not ids: these are names (and will simply not be found).
    for (const char* s : {"042", "4294967296", "-1", "+3", "3a", "web", ""}) {
        DomainRef r = parse_domain_ref(s);
        EXPECT_FALSE(r.id) << s;
        EXPECT_EQ(r.name, s);
    }
}

TEST(ConsoleProto, ReaderYieldsFramesAcrossArbitraryChunks) {
    std::string stream = encode_attached({3, Role::kWriter, "g"});
    append_frame(stream, MsgType::kOutput, "hello");
    stream += encode_closed(CloseReason::kDomainGone, "bye");
    FrameReader reader(From::kDaemon);
    std::vector<MsgType> seen;
    for (char c : stream) {
        ASSERT_EQ(reader.push(std::span<const char>(&c, 1)), 1u);
        for (;;) {
            auto f = reader.next();
            ASSERT_TRUE(f) << f.error().message;
            if (!*f) break;
            seen.push_back((*f)->type);
        }
    }
    EXPECT_EQ(seen, (std::vector<MsgType>{MsgType::kAttached, MsgType::kOutput, MsgType::kClosed}));
}

TEST(ConsoleProto, ReaderNeverHoldsMoreThanOneFrame) {
    FrameReader reader(From::kClient);
    std::string big(kHeaderSize + kMaxPayload + 100, 'x');
    EXPECT_EQ(reader.push(big), kHeaderSize + kMaxPayload);
    EXPECT_EQ(reader.room(), 0u);
    EXPECT_EQ(reader.push(big), 0u);
    auto f = reader.next();  // "xxxx" is no type
    EXPECT_FALSE(f);
}

}  // namespace
}  // namespace xvm::cons
