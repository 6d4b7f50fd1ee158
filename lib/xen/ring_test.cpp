#include "lib/xen/ring.h"

#include <gtest/gtest.h>

#include <string>

namespace xvm {
namespace {

struct Page {
    xenstore_domain_interface intf{};
};

std::string read_all(Ring& ring) {
    char buf[4096];
    auto n = ring.read(buf);
    EXPECT_TRUE(n);
    return std::string(buf, n ? *n : 0);
}

TEST(Ring, WriteThenReadRoundTrips) {
    Page page;
    Ring w = xenstore_requests(&page.intf), r = xenstore_requests(&page.intf);
    ASSERT_EQ(*w.write(std::string_view("hello")), 5u);
    EXPECT_EQ(*r.readable(), 5u);
    EXPECT_EQ(read_all(r), "hello");
    EXPECT_EQ(*r.readable(), 0u);
    EXPECT_EQ(*w.writable(), XENSTORE_RING_SIZE);
}

TEST(Ring, WrapsAroundTheEndOfTheBuffer) {
    Page page;
    Ring ring = xenstore_responses(&page.intf);
    std::string first(1000, 'a');
    ASSERT_EQ(*ring.write(first), 1000u);
    EXPECT_EQ(read_all(ring), first);
    std::string second;
    for (int i = 0; i < 100; ++i) second += static_cast<char>('0' + i % 10);
    ASSERT_EQ(*ring.write(second), 100u);  // crosses offset 1024
    EXPECT_EQ(read_all(ring), second);
    EXPECT_EQ(page.intf.rsp_prod, 1100u);
}

TEST(Ring, FullRingAcceptsOnlyWhatFits) {
    Page page;
    Ring ring = xenstore_requests(&page.intf);
    std::string big(1500, 'x');
    EXPECT_EQ(*ring.write(big), XENSTORE_RING_SIZE);
    EXPECT_EQ(*ring.write(big), 0u);
    EXPECT_EQ(*ring.writable(), 0u);
}

TEST(Ring, IndicesSurviveUint32Overflow) {
    Page page;
    page.intf.req_cons = page.intf.req_prod = 0xfffffff0u;
    Ring ring = xenstore_requests(&page.intf);
    ASSERT_EQ(*ring.write(std::string(40, 'z')), 40u);
    EXPECT_EQ(page.intf.req_prod, 0x18u);
    EXPECT_EQ(read_all(ring), std::string(40, 'z'));
}

TEST(Ring, MaliciousProducerAheadIsRejected) {
    Page page;
    page.intf.req_prod = XENSTORE_RING_SIZE + 1;  // claims more than the ring holds
    Ring ring = xenstore_requests(&page.intf);
    char buf[8];
    auto n = ring.read(buf);
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error().code, EIO);
    EXPECT_EQ(n.error().message,
              "ring indices corrupt: producer 1025 is 1025 bytes ahead of consumer 0 in a "
              "1024-byte ring");
    EXPECT_EQ(page.intf.req_cons, 0u);  // nothing consumed
    EXPECT_FALSE(ring.writable());
}

TEST(Ring, ConsumerAheadOfProducerIsRejected) {
    Page page;
    page.intf.rsp_cons = 10;  // "negative" fill: wraps to a huge value
    Ring ring = xenstore_responses(&page.intf);
    EXPECT_FALSE(ring.write(std::string_view("x")));
    EXPECT_EQ(page.intf.rsp_prod, 0u);
}

TEST(Ring, ConsoleRingsHaveTheirOwnSizes) {
    xencons_interface cons{};
    EXPECT_EQ(*console_output(&cons).writable(), 2048u);
    EXPECT_EQ(*console_input(&cons).writable(), 1024u);
}

}  // namespace
}  // namespace xvm
