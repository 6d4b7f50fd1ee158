// xm's argument helpers against the Python they replace: getopt.gnu_getopt
// (its error texts), main.py arg_check, int_unit and vcpu-pin's
// cpu_make_map (tools/python/xen/xm/main.py at 3.3.0-rc7).
#include "cmd/xm/args.h"

#include <gtest/gtest.h>

namespace xvm::xm {
namespace {

std::vector<std::string> words(std::initializer_list<const char*> w) { return {w.begin(), w.end()}; }

std::string getopt_error(std::vector<std::string> args, std::string_view shortopts,
                         std::initializer_list<std::string_view> longopts) {
    auto r = gnu_getopt(args, shortopts, longopts);
    EXPECT_FALSE(r);
    if (r) return {};
    EXPECT_EQ(r.failure().kind, Failure::Kind::kUsage);
    return r.failure().message;
}

TEST(Args, GnuGetoptTakesOptionsAnywhere) {
    auto w = words({"web01", "-wa", "--state=running", "-f", "cfg", "--lo", "--", "-x"});
    auto r = gnu_getopt(w, "waf:", {"long", "state="});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->params, words({"web01", "-x"}));
    EXPECT_TRUE(r->has("-w", ""));
    EXPECT_TRUE(r->has("-a", "--all"));
    EXPECT_EQ(r->value("", "--state"), "running");
    EXPECT_EQ(r->value("-f", "--defconfig"), "cfg");
    EXPECT_TRUE(r->has("-l", "--long"));  // "--lo" abbreviates --long
    auto joined = gnu_getopt(words({"-fcfg", "--state", "all", "-"}), "f:", {"state="});
    ASSERT_TRUE(joined);
    EXPECT_EQ(joined->value("-f", ""), "cfg");
    EXPECT_EQ(joined->value("", "--state"), "all");
    EXPECT_EQ(joined->params, words({"-"}));
}

TEST(Args, GnuGetoptErrorsAsPython) {
    EXPECT_EQ(getopt_error(words({"-x"}), "l", {}), "option -x not recognized");
    EXPECT_EQ(getopt_error(words({"--bogus"}), "l", {"long"}), "option --bogus not recognized");
    EXPECT_EQ(getopt_error(words({"--s"}), "", {"state=", "short"}), "option --s not a unique prefix");
    EXPECT_EQ(getopt_error(words({"--state"}), "", {"state="}), "option --state requires argument");
    EXPECT_EQ(getopt_error(words({"--long=1"}), "", {"long"}), "option --long must not have an argument");
    EXPECT_EQ(getopt_error(words({"-f"}), "f:", {}), "option -f requires argument");
}

TEST(Args, ArgCheck) {
    auto one = words({"a", "b"});
    auto r = arg_check(one, "destroy", 1);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.failure().message, "'xm destroy' requires 1 argument.\n");
    r = arg_check(words({}), "mem-set", 2);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.failure().message, "'xm mem-set' requires 2 arguments.\n");
    r = arg_check(words({}), "shutdown", 1, 4);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.failure().message, "'xm shutdown' requires between 1 and 4 arguments.\n");
    EXPECT_TRUE(arg_check(words({"a", "--"}), "destroy", 1));  // "--" does not count
}

TEST(Args, IntegersAndSizes) {
    EXPECT_EQ(py_int(" 12 "), 12);
    EXPECT_EQ(py_int("+3"), 3);
    EXPECT_EQ(py_int("-3"), -3);
    EXPECT_EQ(py_int("0x10"), std::nullopt);
    EXPECT_EQ(py_int("1.5"), std::nullopt);
    EXPECT_EQ(py_int(""), std::nullopt);
    EXPECT_EQ(size_in_mib("512"), 512);
    EXPECT_EQ(size_in_mib("512m"), 512);
    EXPECT_EQ(size_in_mib("2G"), 2048);
    EXPECT_EQ(size_in_mib("1500k"), 1);  // Python 2 integer division
    EXPECT_EQ(size_in_mib("100x"), std::nullopt);
    EXPECT_EQ(size_in_mib("m"), std::nullopt);
}

TEST(Args, CpuMakeMap) {
    EXPECT_EQ(cpu_make_map("0-3,^1,5"), (std::vector<std::int32_t>{0, 2, 3, 5}));
    EXPECT_EQ(cpu_make_map("3,1"), (std::vector<std::int32_t>{1, 3}));
    EXPECT_EQ(cpu_make_map("all")->size(), 64u);
    EXPECT_EQ(cpu_make_map("0-3,^1,1"), (std::vector<std::int32_t>{0, 1, 2, 3}));  // a later 1 re-adds it
    EXPECT_EQ(cpu_make_map("a"), std::nullopt);
    EXPECT_EQ(cpu_make_map("1,,2"), std::nullopt);
    EXPECT_EQ(cpu_make_map("0-99999"), std::nullopt);
}

}  // namespace
}  // namespace xvm::xm
