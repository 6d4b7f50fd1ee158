#include "daemons/xend/domain_config.h"

#include <gtest/gtest.h>

#include "daemons/xend/uuid.h"

namespace xvm::xend {
namespace {

rpc::Sexpr sx(std::string_view text) {
    auto v = rpc::parse_sexpr(text);
    EXPECT_TRUE(v) << text << ": " << v.error().message;
    return v ? *v : rpc::Sexpr();
}

DomainSpec spec(std::string_view text) {
    auto s = parse_domain_config(sx(text));
    EXPECT_TRUE(s) << text << ": " << (s ? "" : s.error().message);
    return s ? *s : DomainSpec{};
}

std::string error(std::string_view text) {
    auto s = parse_domain_config(sx(text));
    EXPECT_FALSE(s) << text;
    return s ? "" : s.error().message;
}

constexpr std::string_view kImage = "(image (linux (kernel /boot/k) (ramdisk /boot/r) (root /dev/xvda1) (args 'ro quiet')))";

TEST(DomainConfig, TheShapeXmSends) {
    DomainSpec s = spec(std::string("(vm (name web01) (memory 384) (maxmem 512) (vcpus 2) (on_crash preserve) "
                                     "(uuid 6F3C2A1E-94B7-4D0B-A2C5-1B8E07D5C9F4) (cpus 0-3,^1) ") +
                        std::string(kImage) +
                        " (device (vbd (uname file:/srv/d.img) (dev xvda:disk) (mode w)))"
                        " (device (tap (uname tap:aio:/srv/e.img) (dev xvdb) (mode r)))"
                        " (device (vif (mac 00:16:3e:5a:1c:07) (bridge xenbr0))) (device (vif)))");
    EXPECT_EQ(s.name, "web01");
    EXPECT_EQ(s.memory_mib, 384u);
    EXPECT_EQ(s.maxmem_mib, 512u);
    EXPECT_EQ(s.vcpus, 2u);
    EXPECT_EQ(s.vcpu_avail, 3u);
    EXPECT_EQ(uuid_text(*s.uuid), "6f3c2a1e-94b7-4d0b-a2c5-1b8e07d5c9f4");
    EXPECT_EQ(s.on_poweroff, Action::kDestroy);
    EXPECT_EQ(s.on_reboot, Action::kRestart);
    EXPECT_EQ(s.on_crash, Action::kPreserve);
    ASSERT_EQ(s.cpus.size(), 2u);
    EXPECT_EQ(s.cpus[1], (std::vector<std::uint32_t>{0, 2, 3}));
    EXPECT_EQ(s.kernel, "/boot/k");
    EXPECT_EQ(s.args, "root=/dev/xvda1 ro quiet");
    ASSERT_EQ(s.disks.size(), 2u);
    EXPECT_EQ(s.disks[0].type, "file");
    EXPECT_EQ(s.disks[0].target, "/srv/d.img");
    EXPECT_EQ(s.disks[0].devid, 51712u);
    EXPECT_EQ(s.disks[1].device_class(), "tap");
    EXPECT_EQ(s.disks[1].target, "/srv/e.img");
    EXPECT_EQ(s.disks[1].devid, 51728u);
    ASSERT_EQ(s.vifs.size(), 2u);
    EXPECT_EQ(s.vifs[0].mac, "00:16:3e:5a:1c:07");
    EXPECT_EQ(*s.vifs[0].key("bridge"), "xenbr0");
    EXPECT_EQ(s.vifs[1].devid, 1u);
}

TEST(DomainConfig, DefaultsAndTheOldRestartKey) {
    DomainSpec s = spec(std::string("(vm (name a) (memory 64) (restart onreboot) ") + std::string(kImage) + ")");
    EXPECT_EQ(s.maxmem_mib, 64u);
    EXPECT_EQ(s.vcpus, 1u);
    EXPECT_EQ(s.on_poweroff, Action::kDestroy);
    EXPECT_EQ(s.on_reboot, Action::kRestart);
    EXPECT_EQ(s.on_crash, Action::kDestroy);
    EXPECT_EQ(s.cpu_weight, 256);
    EXPECT_TRUE(s.cpus.empty());
    EXPECT_FALSE(s.uuid);
}

TEST(DomainConfig, EveryProblemIsReported) {
    std::string e = error("(vm (name 'a b') (memory 0) (vcpus 0) (on_reboot sideways) (cpus 9-1) "
                          "(device (vbd (uname nbd:x) (dev xvda) (mode w)))"
                          "(device (vbd (uname file:/x) (dev floppy) (mode w)))"
                          "(device (vbd (uname file:/x) (dev xvdc) (mode rw)))"
                          "(device (vif (mac 00:16) (colour red))) (device (pci (dev 1))) (device (warp)))");
    for (const char* want : {"Invalid VM Name", "memory_dynamic_max must be greater than zero",
                             "Invalid vcpus: 0 is not in 1..128",
                             "Invalid event handling mode: on_reboot 'sideways'",
                             "Invalid disk specifier: uname 'nbd:x' dev 'xvda'",
                             "Invalid disk specifier: device 'floppy'", "Invalid mode: rw",
                             "Invalid vif option: colour", "Invalid mac: '00:16'",
                             "device class pci is not supported by this xend", "unknown device class 'warp'",
                             "missing image"})
        EXPECT_NE(e.find(want), std::string::npos) << want << "\n" << e;
}

TEST(DomainConfig, NamesAndNumbers) {
    EXPECT_TRUE(check_name("web-01.example:a/b+c_d"));
    EXPECT_EQ(check_name("").error().message, "Missing VM Name");
    EXPECT_NE(check_name("a;b").error().message.find("Invalid VM Name"), std::string::npos);
    EXPECT_FALSE(check_name(std::string(257, 'a')));
    std::string img(kImage);
    EXPECT_EQ(error("(vm (name a) (memory lots) " + img + ")"), "Invalid memory: 'lots' is not a number");
    EXPECT_EQ(error("(vm (name a) (memory 64) (maxmem 32) " + img + ")"),
              "memory (64 MiB) must not be greater than maxmem (32 MiB)");
    EXPECT_EQ(error("(vm (name a) (memory 64) (vcpus 2) (cpus (1 2 3)) " + img + ")"),
              "cpus lists 3 CPU sets but the domain has 2 vcpus");
    EXPECT_EQ(error("(notvm)"), "the configuration is not a (vm ...) S-expression");
    EXPECT_EQ(spec("(vm (name a) (memory '64') " + img + ")").memory_mib, 64u);  // numbers as strings
}

TEST(DomainConfig, CompleteFillsUuidsAndMacsAndRoundTrips) {
    DomainSpec s = spec(std::string("(vm (name a) (memory 64) (vcpus 2) (cpus ('1' '0-1')) ") + std::string(kImage) +
                        " (device (vbd (uname phy:/dev/vg/x) (dev hda:cdrom) (mode r))) (device (vif (bridge b)))"
                        " (device (vfb (type vnc) (vncpasswd secret))))");
    ASSERT_TRUE(complete_spec(s));
    ASSERT_TRUE(s.uuid);
    EXPECT_EQ(s.vifs[0].mac.substr(0, 9), "00:16:3e:");
    EXPECT_LT(std::stoi(s.vifs[0].mac.substr(9, 2), nullptr, 16), 0x80);
    EXPECT_FALSE(s.disks[0].uuid.empty());
    EXPECT_TRUE(s.disks[0].cdrom);
    EXPECT_EQ(s.disks[0].devid, 768u);
    rpc::Sexpr stored = spec_to_config(s);
    DomainSpec again = spec(rpc::sexpr_to_string(stored));
    EXPECT_EQ(rpc::sexpr_to_string(spec_to_config(again)), rpc::sexpr_to_string(stored));
    EXPECT_EQ(again.cpus, s.cpus);
    EXPECT_EQ(again.vifs[0].mac, s.vifs[0].mac);
    EXPECT_EQ(*again.vfbs[0].vncpasswd, "secret");
}

}  // namespace
}  // namespace xvm::xend
