#include "daemons/xend/cpu_list.h"

#include <gtest/gtest.h>

namespace xvm::xend {
namespace {

std::vector<std::uint32_t> cpus(std::string_view s) {
    auto r = parse_cpu_list(s);
    EXPECT_TRUE(r) << s << ": " << r.error().message;
    return r ? *r : std::vector<std::uint32_t>{};
}

std::string error(std::string_view s) {
    auto r = parse_cpu_list(s);
    EXPECT_FALSE(r) << s;
    return r ? "" : r.error().message;
}

TEST(CpuList, RangesExclusionsLeftToRight) {
    EXPECT_EQ(cpus("2,3"), (std::vector<std::uint32_t>{2, 3}));
    EXPECT_EQ(cpus("0-3,^1"), (std::vector<std::uint32_t>{0, 2, 3}));
    EXPECT_EQ(cpus("0-3,^1,1"), (std::vector<std::uint32_t>{0, 1, 2, 3}));  // a later 1 adds it back
    EXPECT_EQ(cpus(" 5 , 1-2 "), (std::vector<std::uint32_t>{1, 2, 5}));
    EXPECT_EQ(cpus("^2-3,0-4"), (std::vector<std::uint32_t>{0, 1, 2, 3, 4}));
}

TEST(CpuList, ErrorsNameTheWord) {
    EXPECT_EQ(error("0-x"), "cpus '0-x': 'x' is not a CPU number");
    EXPECT_EQ(error("3-1"), "cpus '3-1': range 3-1 runs backwards");
    EXPECT_EQ(error("^1"), "cpus '^1' leaves no CPU");
    EXPECT_EQ(error(""), "cpus '': '' is not a CPU number");
    EXPECT_EQ(error("1,,2"), "cpus '1,,2': '' is not a CPU number");
    EXPECT_EQ(error("99999"), "cpus '99999': CPU 99999 is beyond 4095");
    EXPECT_EQ(error("-1"), "cpus '-1': '' is not a CPU number");
}

TEST(CpuList, FormatsRanges) {
    EXPECT_EQ(format_cpu_list({0, 1, 2, 3, 5}), "0-3,5");
    EXPECT_EQ(format_cpu_list({7}), "7");
    EXPECT_EQ(format_cpu_list({}), "");
    EXPECT_EQ(cpus(format_cpu_list({0, 2, 3, 4, 9, 10})), (std::vector<std::uint32_t>{0, 2, 3, 4, 9, 10}));
}

}  // namespace
}  // namespace xvm::xend
