#include "daemons/xenconsoled/history.h"

#include <gtest/gtest.h>

namespace xvm::console {
namespace {

TEST(History, KeepsTheNewestBytesInOrder) {
    History h(8);
    h.append("abc");
    EXPECT_EQ(h.contents(), "abc");
    h.append("defgh");
    EXPECT_EQ(h.contents(), "abcdefgh");
    h.append("ij");
    EXPECT_EQ(h.contents(), "cdefghij");
    h.append("klmnopq");
    EXPECT_EQ(h.contents(), "jklmnopq");
    h.append("0123456789ABCDEF");  // more than the capacity at once
    EXPECT_EQ(h.contents(), "89ABCDEF");
    EXPECT_EQ(h.size(), 8u);
}

TEST(History, ZeroCapacityKeepsNothing) {
    History h(0);
    h.append("boot");
    EXPECT_EQ(h.contents(), "");
}

TEST(History, ManySmallAppendsWrapCorrectly) {
    History h(5);
    std::string all;
    for (char c = 'a'; c <= 'z'; ++c) {
        h.append(std::string(1, c));
        all.push_back(c);
        EXPECT_EQ(h.contents(), all.substr(all.size() > 5 ? all.size() - 5 : 0));
    }
}

}  // namespace
}  // namespace xvm::console
