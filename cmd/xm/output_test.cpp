// Golden tests of xm's tables (XEND.md section 3; the original is
// tools/python/xen/xm/main.py at 3.3.0-rc7: xm_brief_list,
// parse_doms_info, xm_info, xm_vcpu_list, xm_uptime).
#include "cmd/xm/output.h"

#include <gtest/gtest.h>

namespace xvm::xm {
namespace {

rpc::Sexpr sx(std::string_view text) {
    auto v = rpc::parse_sexpr(text);
    EXPECT_TRUE(v) << v.error().message;
    return v ? *v : rpc::Sexpr();
}

constexpr double kNow = 1221745100.0;

// XEND.md 3, the `xm list` example, plus an inactive managed domain and a
// name longer than the column.
TEST(Output, ListMatchesTheOriginalColumns) {
    std::vector<rpc::Sexpr> doms{
        sx("(domain (domid 0) (name Domain-0) (memory 3152) (vcpus 2) (online_vcpus 2) (state r-----) "
           "(cpu_time 1843.2449))"),
        sx("(domain (domid 3) (name web01) (memory 384) (vcpus 2) (online_vcpus 2) (state -b----) "
           "(cpu_time 42.318007121) (start_time 1221745032.52))"),
        sx("(domain (name managed) (memory 256) (vcpus 1) (status 0))"),
        sx("(domain (domid 12) (name a-very-long-domain-name-that-overflows-the-column) (memory 64) (vcpus 4) "
           "(online_vcpus 1) (state --p---) (cpu_time 0.06))"),
    };
    sort_by_name(doms);
    auto table = format_list(doms, kNow);
    ASSERT_TRUE(table);
    EXPECT_EQ(*table,
              "Name                                        ID   Mem VCPUs      State   Time(s)\n"
              "Domain-0                                     0  3152     2     r-----   1843.2\n"
              "a-very-long-domain-name-that-overflows-the-column    12    64     1     --p---      0.1\n"
              "managed                                          256     1                 0.0\n"
              "web01                                        3   384     2     -b----     42.3\n");
}

TEST(Output, ListFieldsAsPythonConvertedThem) {
    // A string holding a number, and a double where an int is wanted (int()
    // truncates it), as xend's answers may carry them.
    rpc::Sexpr dom = sx("(domain (domid 3) (name x) (memory '384') (cpu_time 1) (start_time 1221745000.5))");
    dom.add("vcpus", rpc::Sexpr::real(2.7));
    auto d = parse_domain_info(dom, kNow);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->mem, 384);
    EXPECT_EQ(d->vcpus, 2);
    EXPECT_DOUBLE_EQ(d->up_time, 99.5);
    auto missing = parse_domain_info(sx("(domain)"), kNow);
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->name, "??");
    EXPECT_EQ(missing->domid, "");
    EXPECT_EQ(missing->up_time, -1);
    auto bad = parse_domain_info(sx("(domain (name x) (memory 2.0))"), kNow);  // int('2.0') fails
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.failure().kind, Failure::Kind::kInvalidArgument);
}

TEST(Output, ListLongIsThePrettyForm) {
    EXPECT_EQ(format_list_long({sx("(domain (domid 0) (name Domain-0))"), sx("(domain (domid 1))")}),
              "(domain (domid 0) (name Domain-0))\n(domain (domid 1))\n");
}

// xm info prints info[1:]: the first pair (system) is left out.
TEST(Output, InfoSkipsTheFirstPair) {
    auto info = sx("((system Linux) (host dom0) (release 6.1.0) (nr_cpus 4) (cpu_mhz 2394) "
                   "(xen_caps 'xen-3.0-x86_64 hvm-3.0-x86_32') (xen_extra .0) (platform_params) "
                   "(xend_config_format 4))");
    EXPECT_EQ(format_info(info),
              "host                   : dom0\n"
              "release                : 6.1.0\n"
              "nr_cpus                : 4\n"
              "cpu_mhz                : 2394\n"
              "xen_caps               : xen-3.0-x86_64 hvm-3.0-x86_32\n"
              "xen_extra              : .0\n"
              "platform_params        : (none)\n"
              "xend_config_format     : 4\n");
    EXPECT_EQ(node_nr_cpus(info), 4);
    EXPECT_EQ(node_nr_cpus(sx("((system Linux))")), std::nullopt);
}

// XEND.md 3: vcpu-list columns, the state letters and the affinity text.
TEST(Output, VcpuList) {
    std::vector<rpc::Sexpr> infos{
        sx("(domain (domid 0) (name Domain-0) (vcpu_count 2) "
           "(vcpu (number 0) (online 1) (blocked 0) (running 1) (cpu_time 910.4) (cpu 0) (cpumap (0 1 2 3))) "
           "(vcpu (number 1) (online 1) (blocked 1) (running 0) (cpu_time 12.02) (cpu 3) (cpumap (3))))"),
        sx("(domain (domid 3) (name web01) (vcpu_count 2) "
           "(vcpu (number 0) (online 1) (blocked 1) (running 0) (cpu_time 40.0) (cpu 1) (cpumap (0 1 3 63))) "
           "(vcpu (number 1) (online 0) (blocked 0) (running 0) (cpu_time 2.3) (cpu 2) (cpumap ())))"),
        sx("(domain (name managed) (vcpu_count 1) "
           "(vcpu (number 0) (online 0) (blocked 0) (running 0) (cpu_time 0) (cpu -1) (cpumap (0 1 2 3))))"),
    };
    auto table = format_vcpu_list(infos, 4);
    ASSERT_TRUE(table);
    EXPECT_EQ(*table,
              "Name                                ID  VCPU   CPU State   Time(s) CPU Affinity\n"
              "Domain-0                             0     0     0   r--     910.4 any cpu\n"
              "Domain-0                             0     1     3   -b-      12.0 3\n"
              "web01                                3     0     1   -b-      40.0 0-1,3\n"
              "web01                                3     1     -   --p       2.3 no cpus\n"
              "managed                                    0                   0.0 any cpu\n");
}

TEST(Output, CpumapText) {
    EXPECT_EQ(cpumap_text({0, 1, 2, 3}, 4), "any cpu");
    EXPECT_EQ(cpumap_text({3, 1, 0, 1, 5}, 8), "0-1,3,5");
    EXPECT_EQ(cpumap_text({0, 1, 4, 6, 7}, 8), "0-1,4,6-7");
    EXPECT_EQ(cpumap_text({}, 4), "no cpus");
    EXPECT_EQ(cpumap_text({9, 10}, 4), "no cpus");
}

// XEND.md 3: uptime, 3.3 layout.
TEST(Output, Uptime) {
    std::vector<rpc::Sexpr> doms{
        sx("(domain (domid 0) (name Domain-0))"),
        sx("(domain (domid 3) (name web01) (start_time 1221745032.52))"),
        sx("(domain (domid 7) (name old) (start_time 1221400000.0))"),
        sx("(domain (name managed))"),
    };
    std::tm local{};
    local.tm_hour = 9;
    local.tm_min = 5;
    local.tm_sec = 7;
    auto long_form = format_uptime(doms, kNow, 93784.4, false, local);
    ASSERT_TRUE(long_form);
    EXPECT_EQ(*long_form,
              "Name                                ID Uptime \n"
              "Domain-0                             0 1 day,  2:03:04\n"
              "web01                                3  0:01:07\n"
              "old                                  7 3 days, 23:51:40\n"
              "managed                                 0:00:00\n");
    auto short_form = format_uptime(doms, kNow, 93784.4, true, local);
    ASSERT_TRUE(short_form);
    EXPECT_EQ(*short_form,
              " 09:05:07 up 1 day,  2:03, Domain-0 (0)\n"
              " 09:05:07 up  0:01, web01 (3)\n"
              " 09:05:07 up 3 days, 23:51, old (7)\n"
              " 09:05:07 up  0:00, managed ()\n");
}

TEST(Output, PythonFormatting) {
    EXPECT_EQ(pad_right("ab", 4), "ab  ");
    EXPECT_EQ(pad_right("abcdef", 4), "abcdef");
    EXPECT_EQ(pad_left("ab", 4), "  ab");
    EXPECT_EQ(fixed(42.318007121, 8, 1), "    42.3");
    EXPECT_EQ(fixed(0.05, 8, 1), "     0.1");  // rounds half away, as %f does for this double
}

}  // namespace
}  // namespace xvm::xm
