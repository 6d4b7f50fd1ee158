#include "lib/base/result.h"

#include <gtest/gtest.h>

namespace xvm {
namespace {

Result<int> half(int n) {
    if (n % 2) return make_error("odd number");
    return n / 2;
}

TEST(Result, CarriesValueOrError) {
    Result<int> ok = half(4);
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, 2);
    Result<int> bad = half(3);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, EINVAL);
    EXPECT_EQ(bad.error().message, "odd number");
}

TEST(Result, ErrnoErrorNamesThingAndReason) {
    Error e = errno_error("cannot bind 127.0.0.1:8002", EADDRINUSE);
    EXPECT_EQ(e.code, EADDRINUSE);
    EXPECT_EQ(e.message, "cannot bind 127.0.0.1:8002: Address already in use");
    EXPECT_EQ(e.context("xend").message,
              "xend: cannot bind 127.0.0.1:8002: Address already in use");
}

TEST(Result, StatusDefaultsToSuccess) {
    Status s;
    EXPECT_TRUE(s);
    Status f = make_error("nope", EPERM);
    EXPECT_FALSE(f);
    EXPECT_EQ(f.error().code, EPERM);
}

}  // namespace
}  // namespace xvm
