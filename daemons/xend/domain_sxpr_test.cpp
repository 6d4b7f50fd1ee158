#include "daemons/xend/domain_sxpr.h"

#include <gtest/gtest.h>

#include "daemons/xend/uuid.h"

namespace xvm::xend {
namespace {

DomainRecord web01() {
    auto config = rpc::parse_sexpr(
        "(vm (name web01) (memory 384) (maxmem 512) (vcpus 2) (uuid 6f3c2a1e-94b7-4d0b-a2c5-1b8e07d5c9f4)"
        " (image (linux (kernel /boot/k) (args 'ro'))) (device (vbd (uname phy:/dev/vg0/web01) (dev xvda) (mode w)"
        " (uuid b2a7c9e0-5f41-4c38-8d16-7e3a9f0b2c5d))) (device (vfb (type vnc) (vncpasswd hidden))))");
    DomainRecord r;
    r.spec = *parse_domain_config(*config);
    r.domid = 3;
    r.start_time = 1221745032.52;
    DomainInfo i;
    i.domid = 3;
    i.blocked = true;
    i.memory_kib = 384 * 1024;
    i.max_memory_kib = 512 * 1024;
    i.vcpus_online = 2;
    i.cpu_time_ns = 42318007121;
    r.info = i;
    return r;
}

TEST(DomainSxpr, StateStringAndStatus) {
    DomainInfo i;
    EXPECT_EQ(state_string(i), "------");
    i.running = true;
    EXPECT_EQ(state_string(i), "r-----");
    i = {};
    i.paused = true;
    EXPECT_EQ(state_string(i), "--p---");
    i = {};
    i.shutdown = true;
    i.crashed = true;
    EXPECT_EQ(state_string(i), "----c-");
    DomainRecord r = web01();
    EXPECT_EQ(status_code(r), 2);
    EXPECT_EQ(state_word(r), "running");
    r.info->paused = true;
    EXPECT_EQ(state_word(r), "paused");
    r.info->paused = false;
    r.info->shutdown = true;
    EXPECT_EQ(status_code(r), 4);
    EXPECT_EQ(state_word(r), "halted");  // shutting down counts as halted
    r.info->crashed = true;
    EXPECT_EQ(state_word(r), "crashed");
    r.info.reset();
    r.domid.reset();
    EXPECT_EQ(status_code(r), 0);
}

TEST(DomainSxpr, TheDomainAsXmListLongShowsIt) {
    std::string s = rpc::sexpr_to_string(domain_sexpr(web01(), true));
    for (const char* want : {"(domain (domid 3) (on_crash restart) (uuid 6f3c2a1e-94b7-4d0b-a2c5-1b8e07d5c9f4)",
                             "(vcpus 2) (name web01)", "(maxmem 512) (memory 384)", "(cpu_weight 256) (cpu_cap 0)",
                             "(start_time 1221745032.52) (cpu_time 42.318007121) (online_vcpus 2)",
                             "(image (linux (kernel /boot/k) (args ro)))", "(status 2) (state -b----)",
                             "(device (vbd (uuid b2a7c9e0-5f41-4c38-8d16-7e3a9f0b2c5d) (dev xvda:disk) "
                             "(uname phy:/dev/vg0/web01) (mode w) (backend 0) (bootable 1)))",
                             "(device (vfb (type vnc)"})
        EXPECT_NE(s.find(want), std::string::npos) << want << "\n" << s;
    EXPECT_EQ(s.find("hidden"), std::string::npos) << s;      // never the password
    EXPECT_EQ(s.find("vcpu_avail"), std::string::npos) << s;  // never over XML-RPC
    EXPECT_EQ(rpc::sexpr_to_string(domain_sexpr(web01(), false)).find("(device"), std::string::npos);
}

TEST(DomainSxpr, VcpuInfo) {
    std::vector<VcpuInfo> v(2);
    v[0] = VcpuInfo{0, true, true, false, 1500000000, 1, {0, 1}};
    v[1] = VcpuInfo{1, false, false, false, 0, -1, {3}};
    EXPECT_EQ(rpc::sexpr_to_string(vcpu_info_sexpr(web01(), v, 4)),
              "(domain (domid 3) (name web01) (vcpu_count 2) (vcpu (number 0) (online 1) (blocked 0) (running 1) "
              "(cpu_time 1.5) (cpu 1) (cpumap (0 1))) (vcpu (number 1) (online 0) (blocked 0) (running 0) "
              "(cpu_time 0.0) (cpu -1) (cpumap (3))))");
}

// xend.node.info is XendNode.info(): pairs only, system first - xm info
// prints info[1:], so a head atom would make it print (system ...) too.
TEST(DomainSxpr, NodeInfoIsPairsStartingWithSystem) {
    NodeFacts facts{PhysInfo{.nr_cpus = 4, .total_kib = 1 << 20, .free_kib = 1 << 19}, "sim"};
    rpc::Sexpr n = node_info_pairs(facts);
    ASSERT_GE(n.items().size(), 3u);
    for (const rpc::Sexpr& pair : n.items()) {
        ASSERT_TRUE(pair.is_list()) << rpc::sexpr_to_string(pair);
        EXPECT_EQ(pair.items().size(), 2u) << rpc::sexpr_to_string(pair);
    }
    EXPECT_EQ(n.items()[0].name(), "system");
    EXPECT_EQ(n.items()[1].name(), "host");
    EXPECT_EQ(n.value_int("nr_cpus"), 4);
    EXPECT_EQ(n.value_int("total_memory"), 1024);
    EXPECT_EQ(n.value_int("free_memory"), 512);
    EXPECT_EQ(n.value_text("node_to_cpu"), "node0:0-3");
    EXPECT_EQ(n.value_int("xend_config_format"), 4);
    EXPECT_EQ(n.items().back().name(), "xend_config_format");
    // The legacy GET /xend/node/ puts the same pairs under `node`.
    rpc::Sexpr legacy = node_sexpr(facts);
    EXPECT_EQ(legacy.name(), "node");
    ASSERT_EQ(legacy.items().size(), n.items().size() + 1);
    EXPECT_EQ(legacy.items()[1].name(), "system");
}

}  // namespace
}  // namespace xvm::xend
