// The per-reader output buffer: bounded by the limit, full the way Xen
// 3.x's xenconsoled is (the middle goes), never holding more than it may.
#include "daemons/xenconsoled/output_buffer.h"

#include <gtest/gtest.h>

namespace xvm::console {
namespace {

TEST(OutputBuffer, KeepsEverythingWithinTheLimit) {
    OutputBuffer b(16);
    b.append("hello ");
    b.append("world");
    EXPECT_EQ(b.pending(), "hello world");
    b.consume(6);
    EXPECT_EQ(b.pending(), "world");
    b.consume(100);  // more than there is: just empty
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(b.discarded_total(), 0u);
}

TEST(OutputBuffer, OverflowDiscardsTheMiddleAsXen3) {
    OutputBuffer b(10);
    b.append("0123456789");  // exactly full
    b.append("abc");         // excess 3: keep the oldest 7 and the newest 3
    EXPECT_EQ(b.pending(), "0123456abc");
    EXPECT_EQ(b.size(), 10u);
    EXPECT_EQ(b.discarded_total(), 3u);
    b.append("XY");  // again: the oldest (limit - excess) and the newest excess
    EXPECT_EQ(b.pending(), "0123456aXY");
    EXPECT_EQ(b.take_discarded(), 5u);  // "789" and "bc"
    EXPECT_EQ(b.take_discarded(), 0u);
    EXPECT_EQ(b.discarded_total(), 5u);
}

TEST(OutputBuffer, ConsumedBytesDoNotCountAgainstTheLimit) {
    OutputBuffer b(8);
    b.append("abcdefgh");
    b.consume(6);
    b.append("123456");  // "gh" + "123456" = 8: fits
    EXPECT_EQ(b.pending(), "gh123456");
    EXPECT_EQ(b.discarded_total(), 0u);
}

TEST(OutputBuffer, AnAppendLargerThanTheLimitKeepsItsNewestBytes) {
    OutputBuffer b(4);
    b.append("xy");
    b.append("abcdefgh");
    EXPECT_EQ(b.pending(), "efgh");
    EXPECT_EQ(b.discarded_total(), 6u);
}

TEST(OutputBuffer, FloodStaysBoundedAndCheap) {
    constexpr std::size_t kLimit = 1 << 20;
    OutputBuffer b(kLimit);
    std::string chunk(2048, 'x');
    for (int i = 0; i < 4096; ++i) b.append(chunk);  // 8 MiB through a 1 MiB buffer
    EXPECT_EQ(b.size(), kLimit);
    EXPECT_EQ(b.discarded_total(), 8u * kLimit - kLimit);
    EXPECT_LE(b.capacity(), 2 * kLimit + chunk.size());
}

TEST(OutputBuffer, DrainedBufferGivesMemoryBack) {
    OutputBuffer b(1 << 20);
    b.append(std::string(1 << 20, 'x'));
    b.consume(1 << 20);
    b.append("a");
    EXPECT_LT(b.capacity(), 1u << 20);
}

}  // namespace
}  // namespace xvm::console
