// Configuration keys and the (vm ...) S-expression (XEND.md section 4; the
// original's make_config() and preprocess_*() in
// tools/python/xen/xm/create.py at 3.3.0-rc7).
#include "cmd/xm/config_keys.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "lib/base/format.h"

namespace xvm::xm {

inline void PrintTo(const ConfigProblem& p, std::ostream* os) { *os << "line " << p.line << ": " << p.text; }

namespace {

ConfigContext context() {
    ConfigContext c;
    c.config_path = "/etc/xen/web01";
    c.cwd = "/home/admin";
    c.xauthority = "/root/.Xauthority";
    return c;
}

BuiltConfig build(std::string_view text, std::vector<std::string> overrides = {}, ConfigContext ctx = context()) {
    return make_config(parse_config_file(text), overrides, ctx);
}

std::string sxp(const BuiltConfig& b) {
    EXPECT_TRUE(b.problems.empty()) << (b.problems.empty() ? "" : b.problems[0].text);
    return rpc::sexpr_to_string(b.vm);
}

TEST(ConfigKeys, MakesTheVmExpressionInCreatePyOrder) {
    auto b = build(R"(
kernel = "vmlinuz"
ramdisk = "/boot/initrd.img"
memory = 256
maxmem = "512"
name = "web01"
vcpus = 2
cpus = "0-1"
uuid = "6f3c2a1e-94b7-4d0b-a2c5-1b8e07d5c9f4"
root = "root=/dev/xvda1 ro"
extra = "console=hvc0"
on_crash = "coredump-restart"
disk = ['phy:/dev/vg0/web01,xvda,w', 'tap:aio:/srv/d.img,xvdb,r,0,x86_32-abi']
vif = ['mac=00:16:3e:5a:1c:07,bridge=xenbr0', '']
)");
    EXPECT_EQ(sxp(b),
              "(vm (name web01) (memory 256) (maxmem 512) (on_crash coredump-restart) (vcpus 2) "
              "(on_xend_start ignore) (on_xend_stop ignore) (uuid 6f3c2a1e-94b7-4d0b-a2c5-1b8e07d5c9f4) "
              "(cpus 0-1) (image (linux (kernel /home/admin/vmlinuz) (ramdisk /boot/initrd.img) "
              "(root '/dev/xvda1 ro') (args 'console=hvc0'))) "
              "(device (vbd (uname phy:/dev/vg0/web01) (dev xvda) (mode w))) "
              "(device (tap (uname tap:aio:/srv/d.img) (dev xvdb) (mode r) (backend 0) (protocol x86_32-abi))) "
              "(device (vif (mac 00:16:3e:5a:1c:07) (bridge xenbr0))) (device (vif)))");
    // Numbers stay numbers on the wire.
    EXPECT_EQ(b.vm.child_value("memory")->kind(), rpc::Sexpr::Kind::kInt);
    EXPECT_EQ(b.vm.child_value("maxmem")->kind(), rpc::Sexpr::Kind::kInt);
}

TEST(ConfigKeys, DefaultsAsTheOriginal) {
    // Name from the file's basename, memory 128, vcpus 1, the builder
    // linux; a bootloader gets "-q" unless the console is attached.
    EXPECT_EQ(sxp(build("bootloader = '/usr/bin/pygrub'\n")),
              "(vm (name web01) (memory 128) (vcpus 1) (on_xend_start ignore) (on_xend_stop ignore) "
              "(bootloader /usr/bin/pygrub) (bootloader_args -q) (image (linux)))");
    ConfigContext console = context();
    console.console_autoconnect = true;
    EXPECT_NE(sxp(build("bootloader = '/usr/bin/pygrub'\n", {}, console)).find("(bootloader_args )"),
              std::string::npos);
}

TEST(ConfigKeys, CommandLineWins) {
    auto b = build("kernel = '/k'\nmemory = 256\nname = 'a'\ndisk = ['phy:/dev/a,xvda,w']\n",
                   {"memory=512", "name = b", "disk=phy:/dev/b,xvdb,r", "disk=file:/c.img,xvdc,w"});
    std::string s = sxp(b);
    EXPECT_NE(s.find("(name b) (memory 512)"), std::string::npos) << s;
    EXPECT_EQ(s.find("/dev/a"), std::string::npos) << s;  // the command line's list replaces the file's
    EXPECT_NE(s.find("(device (vbd (uname phy:/dev/b) (dev xvdb) (mode r))) (device (vbd (uname file:/c.img)"),
              std::string::npos)
        << s;
}

TEST(ConfigKeys, EveryProblemAtOnceWithLines) {
    auto b = build(R"(name = "web 01"
memroy = 256
memory = 'lots'
vcpus = 0
on_crash = 'explode'
disk = 'phy:/dev/x,xvda,w'
vif = ['bridge=xenbr0,colour=red']
cpus = '3-1'
acpi = True
uuid = 'not-a-uuid'
cpu_weight = 70000
)",
                   {"vcpus=two", "bogus=1"});
    std::vector<ConfigProblem> want = {
        {0, "command line: vcpus: invalid value 'two'"},
        {0, "command line: unknown key 'bogus'"},
        {1, "name: 'web 01' may hold only letters, digits and _-.:/+"},
        {2, "unknown key 'memroy'"},
        {3, "memory: 'lots' is not a whole number"},
        {5, "on_crash: 'explode' is not one of destroy, restart, preserve, rename-restart, coredump-destroy, "
            "coredump-restart"},
        {6, "disk: 'phy:/dev/x,xvda,w' is not a list of strings"},
        {7, "vif: invalid vif option 'colour' in 'bridge=xenbr0,colour=red'"},
        {8, "cpus: '3-1' is not a CPU list (like \"0-3,^1\")"},
        {9, "acpi: True is not a whole number"},
        {10, "uuid: 'not-a-uuid' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"},
        {11, "cpu_weight: 70000 is not in 1..65535"},
    };
    EXPECT_EQ(b.problems, want);
}

TEST(ConfigKeys, ValuesOfTheWrongKind) {
    auto b = build("kernel = '/k'\nextra = 5\nvcpus = [2]\nlocaltime = None\nvncviewer = 1\n");
    std::vector<ConfigProblem> want = {
        {2, "extra: 5 is not a string"},
        {3, "vcpus: [2] is not a whole number"},
        {4, "localtime: None is not 0, 1, yes or no"},
        {5, "vncviewer: not supported by this xm"},
    };
    EXPECT_EQ(b.problems, want);
}

TEST(ConfigKeys, DevicesAreChecked) {
    auto problems = [](std::string_view text) { return build(cat("kernel = '/k'\n", text)).problems; };
    EXPECT_EQ(problems("disk = ['phy:/dev/x,xvda']\n"),
              (std::vector<ConfigProblem>{{2, "disk: invalid disk specifier 'phy:/dev/x,xvda'"}}));
    EXPECT_EQ(problems("disk = ['nbd:x,xvda,w']\n"),
              (std::vector<ConfigProblem>{
                  {2, "disk: disk 'nbd:x,xvda,w': 'nbd:x' is not phy:DEVICE, file:PATH or tap:TYPE:PATH"}}));
    EXPECT_EQ(problems("disk = ['phy:/dev/x,xvda,rw']\n"),
              (std::vector<ConfigProblem>{{2, "disk: disk 'phy:/dev/x,xvda,rw': mode 'rw' is not r, w or w!"}}));
    EXPECT_EQ(problems("vif = ['bridge']\n"),
              (std::vector<ConfigProblem>{{2, "vif: 'bridge' should be a pair, separated by an equals sign"}}));
    EXPECT_EQ(problems("vif = ['mac=00:16:3e:zz:00:01']\n"),
              (std::vector<ConfigProblem>{{2, "vif: '00:16:3e:zz:00:01' is not a MAC address (xx:xx:xx:xx:xx:xx)"}}));
    EXPECT_EQ(problems("pci = ['00:1d']\n"),
              (std::vector<ConfigProblem>{{2, "pci: '00:1d' is not a PCI device (like 0000:00:1d.0)"}}));
    EXPECT_TRUE(problems("disk = ['phy:/dev/x,xvda:cdrom,w!', 'file:/i,hda,r,1']\n").empty());
}

TEST(ConfigKeys, BetweenKeys) {
    auto b = build("kernel = '/k'\nmemory = 512\nmaxmem = 256\n");
    EXPECT_EQ(b.problems, (std::vector<ConfigProblem>{{3, "memory (512) is more than maxmem (256)"}}));
    b = build("kernel = '/k'\nvcpus = 2\ncpus = ['0', '1', '2']\n");
    EXPECT_EQ(b.problems,
              (std::vector<ConfigProblem>{{3, "cpus: a list of 3 CPU lists for 2 vcpus (one per vcpu is needed)"}}));
    b = build("memory = 64\n");
    EXPECT_EQ(b.problems,
              (std::vector<ConfigProblem>{{0, "neither kernel nor bootloader is set: a PV guest needs one of them"}}));
    EXPECT_TRUE(build("kernel = '/k'\nvcpus = 2\ncpus = ['0-1', 3]\n").problems.empty());
}

TEST(ConfigKeys, KernelArguments) {
    // create.py preprocess_ip() and preprocess_nfs().
    auto b = build("kernel = '/k'\nip = '10.0.0.2'\nnetmask = '255.0.0.0'\nnfs_server = '10.0.0.1'\n"
                   "nfs_root = '/export'\nextra = 'ro'\n");
    auto image = b.vm.child("image");
    ASSERT_NE(image, nullptr);
    EXPECT_EQ(rpc::sexpr_to_string(*image),
              "(image (linux (kernel /k) (ip 10.0.0.2:10.0.0.1::255.0.0.0::eth0:off) "
              "(args 'nfsroot=10.0.0.1:/export ro')))");
    EXPECT_EQ(build("kernel = '/k'\nnfs_root = '/x'\n").problems,
              (std::vector<ConfigProblem>{{2, "nfs_root: nfs_server must be set too"}}));
}

TEST(ConfigKeys, BooleansAndDeprecatedNics) {
    auto b = build("kernel = '/k'\nlocaltime = 'yes'\nnics = 2\nvif = ['bridge=br0']\n", {"netif=yes"});
    EXPECT_EQ(sxp(b),
              "(vm (name web01) (memory 128) (vcpus 1) (on_xend_start ignore) (on_xend_stop ignore) "
              "(backend (netif)) (localtime 1) (image (linux (kernel /k))) (device (vif (bridge br0))) (device (vif)))");
    ASSERT_EQ(b.warnings.size(), 1u);
    EXPECT_EQ(build("kernel = '/k'\n", {"netif=maybe"}).problems,
              (std::vector<ConfigProblem>{{0, "command line: netif: invalid value 'maybe'"}}));
}

// The example shipped as /etc/xen/guest1 (examples/guest1), which
// scripts/stack-up creates: well-formed, every key known, the simulated
// guest as its kernel.
TEST(ConfigKeys, TheShippedExampleIsValid) {
    std::ifstream in(XVM_SOURCE_DIR "/examples/guest1");
    ASSERT_TRUE(in) << "examples/guest1";
    std::stringstream text;
    text << in.rdbuf();
    ParsedConfig parsed = parse_config_file(text.str());
    ASSERT_TRUE(parsed.problems.empty()) << parsed.problems[0].line << ": " << parsed.problems[0].text;
    ConfigContext ctx = context();
    ctx.config_path = "/etc/xen/guest1";
    BuiltConfig b = make_config(parsed, {}, ctx);
    EXPECT_TRUE(b.warnings.empty());
    EXPECT_EQ(sxp(b),
              "(vm (name guest1) (memory 64) (maxmem 128) (on_poweroff destroy) (on_reboot restart) "
              "(on_crash restart) (vcpus 1) (on_xend_start ignore) (on_xend_stop ignore) "
              "(image (linux (kernel /usr/lib/xvm/xvm-guest) (args 'console=hvc0'))))");
}

TEST(ConfigKeys, AbsolutePaths) {
    EXPECT_EQ(absolute_path("vmlinuz", "/home/a"), "/home/a/vmlinuz");
    EXPECT_EQ(absolute_path("../b/./c", "/home/a"), "/home/b/c");
    EXPECT_EQ(absolute_path("/x//y/", "/home/a"), "/x/y");
    EXPECT_EQ(absolute_path("../../..", "/a"), "/");
}

}  // namespace
}  // namespace xvm::xm
