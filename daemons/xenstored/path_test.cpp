#include "daemons/xenstored/path.h"

#include <gtest/gtest.h>

namespace xvm::xs {
namespace {

TEST(Path, RelativeResolvesUnderDomain) {
    EXPECT_EQ(*canonical_path(3, "x/y", false), "/local/domain/3/x/y");
    EXPECT_EQ(*canonical_path(0, "/a", false), "/a");
    EXPECT_EQ(*canonical_path(0, "/", false), "/");
}

TEST(Path, RejectsBadPaths) {
    for (const char* bad : {"", "/a/", "/a//b", "/a b", "/a\xff", "a/"})
        EXPECT_EQ(canonical_path(0, bad, false).error().code, EINVAL) << bad;
    EXPECT_FALSE(canonical_path(0, "@introduceDomain", false));
    EXPECT_TRUE(canonical_path(0, "@introduceDomain", true));
    EXPECT_FALSE(canonical_path(0, "/" + std::string(3072, 'a'), false));
    EXPECT_FALSE(canonical_path(0, std::string(2049, 'a'), false));
}

TEST(Path, Relations) {
    EXPECT_TRUE(is_child_of("/a/b", "/a"));
    EXPECT_TRUE(is_child_of("/a", "/a"));
    EXPECT_FALSE(is_child_of("/ab", "/a"));
    EXPECT_TRUE(is_child_of("/ab", "/"));
    EXPECT_EQ(parent_of("/a/b"), "/a");
    EXPECT_EQ(parent_of("/a"), "/");
    EXPECT_EQ(base_name("/a/b"), "b");
    EXPECT_EQ(child_path("/", "a"), "/a");
    EXPECT_EQ(child_path("/a", "b"), "/a/b");
}

}  // namespace
}  // namespace xvm::xs
