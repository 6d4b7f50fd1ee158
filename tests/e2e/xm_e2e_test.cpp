// xm against an XML-RPC server it did not come with: Python's own
// xmlrpc.server answering recorded xend shapes (tests/e2e/fake_xend.py).
// Golden output for each subcommand's format (XEND.md section 3 and the
// original's tools/python/xen/xm/main.py at 3.3.0-rc7), the calls and
// argument types xm sends (XEND.md 1.3: "xm -> calls"), and its messages
// and exit codes for faults, a missing or refusing xend and broken replies
// (XEND.md 1.2, main.py _run_cmd).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>

#include "tests/e2e/harness.h"

namespace xvm::test {
namespace {

class XmTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xm-e2e-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        socket_ = dir_ + "/xmlrpc.sock";
    }

    void TearDown() override {
        if (server_) server_->kill(SIGTERM);
        server_.reset();
        std::filesystem::remove_all(dir_);
    }

    void start(const std::string& mode = "normal") {
        server_.emplace(Child::spawn({"/usr/bin/python3", XVM_SOURCE_DIR "/tests/e2e/fake_xend.py", socket_,
                                      dir_ + "/calls.log", mode},
                                     {}, dir_ + "/server.err"));
        ASSERT_EQ(server_->read_line(std::chrono::seconds(20)), "ready") << read_file(dir_ + "/server.err");
    }

    Output xm(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
        args.insert(args.begin(), XM_PROGRAM);
        env.emplace("XM_SERVER", "httpu://" + socket_);
        return capture(args, env);
    }

    // The calls the server saw, one JSON line each.
    std::vector<std::string> calls() {
        std::vector<std::string> out;
        std::ifstream f(dir_ + "/calls.log");
        for (std::string line; std::getline(f, line);) out.push_back(line);
        return out;
    }

    std::string write(const std::string& name, const std::string& text) {
        std::string path = dir_ + "/" + name;
        write_file(path, text);
        return path;
    }

    std::string dir_, socket_;
    std::optional<Child> server_;
};

// XEND.md 3: the columns, widths and sort order of `xm list`; the halted
// managed domain has blank ID and State.
TEST_F(XmTest, ListGolden) {
    start();
    Output o = xm({"list"});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.err, "");
    EXPECT_EQ(o.out,
              "Name                                        ID   Mem VCPUs      State   Time(s)\n"
              "Domain-0                                     0  3152     2     r-----   1843.2\n"
              "managed                                          256     1                 0.0\n"
              "web01                                        3   384     2     -b----     42.3\n");
    EXPECT_EQ(calls(), (std::vector<std::string>{
                           R"({"method": "xend.domains_with_state", "params": [true, "all", 0]})"}));
}

// XEND.md 2.5: --long pretty-prints each domain (width 80).
TEST_F(XmTest, ListLongGolden) {
    start();
    Output o = xm({"list", "--long", "web01"});
    EXPECT_EQ(o.status, 0) << o.err;
    std::regex start_time(R"(\(start_time [0-9.]+\))");
    EXPECT_EQ(std::regex_replace(o.out, start_time, "(start_time T)"),
              "(domain\n"
              "    (domid 3)\n"
              "    (on_crash restart)\n"
              "    (uuid 00000000-0000-0000-0000-000000000003)\n"
              "    (bootloader_args )\n"
              "    (vcpus 2)\n"
              "    (name web01)\n"
              "    (on_poweroff destroy)\n"
              "    (on_reboot restart)\n"
              "    (bootloader )\n"
              "    (maxmem 512)\n"
              "    (memory 384)\n"
              "    (shadow_memory 0)\n"
              "    (features )\n"
              "    (on_xend_start ignore)\n"
              "    (on_xend_stop ignore)\n"
              "    (start_time T)\n"
              "    (cpu_time 42.318007121)\n"
              "    (online_vcpus 2)\n"
              "    (image\n"
              "        (linux\n"
              "            (kernel /usr/lib/xvm/xvm-guest)\n"
              "            (args 'root=/dev/xvda1 ro console=hvc0')\n"
              "        )\n"
              "    )\n"
              "    (status 2)\n"
              "    (state -b----)\n"
              "    (device (vbd (uname file:/srv/web01.img) (dev xvda) (mode w)))\n"
              ")\n");
    EXPECT_EQ(calls(), (std::vector<std::string>{R"({"method": "xend.domain", "params": ["web01", 1]})"}));
}

// Fault 3 carries the key as given; xm words it and prints no usage.
TEST_F(XmTest, UnknownDomainIsFault3) {
    start();
    for (auto args : {std::vector<std::string>{"list", "web01", "nosuch"}, {"destroy", "nosuch"}, {"domid", "nosuch"},
                      {"shutdown", "nosuch"}, {"vcpu-list", "nosuch"}}) {
        Output o = xm(args);
        EXPECT_EQ(o.status, 1) << args[0];
        EXPECT_EQ(o.err, "Error: Domain 'nosuch' does not exist.\n") << args[0];
        EXPECT_EQ(o.out, "") << args[0];
    }
}

// Other faults: "Error: <text>" on stderr, the usage on stdout.
TEST_F(XmTest, OtherFaultsShowTheUsage) {
    start();
    Output o = xm({"destroy", "0"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Error: Cannot destroy privileged domain 0\n");
    EXPECT_EQ(o.out, "Usage: xm destroy <Domain>\n\nStop a domain at once, without shutting it down.\n");
    o = xm({"vcpu-set", "web01", "0"});
    EXPECT_EQ(o.err, "Error: Invalid VCPUs\n");
    EXPECT_EQ(o.status, 1);
}

TEST_F(XmTest, UsageErrors) {
    start();
    Output o = xm({"destroy"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Error: 'xm destroy' requires 1 argument.\n\n");
    EXPECT_EQ(o.out, "Usage: xm destroy <Domain>\n\nStop a domain at once, without shutting it down.\n");
    o = xm({"list", "--state=running", "web01"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Error: You may specify either a state or a particular VM, but not both\n");
    EXPECT_NE(o.out.find("Usage: xm list [options] [Domain, ...]"), std::string::npos);
    o = xm({"mem-set", "web01", "lots"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Error: Invalid argument.\n");
    o = xm({"list", "-x"});
    EXPECT_EQ(o.err, "Error: option -x not recognized\n");
    o = xm({"frobnicate"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Error: Subcommand frobnicate not found!\n");
    EXPECT_NE(o.out.find("Common 'xm' commands:"), std::string::npos);
    o = xm({"de", "web01"});  // delete or destroy: ambiguous
    EXPECT_EQ(o.err, "Error: Subcommand de not found!\n");
    EXPECT_TRUE(calls().empty());  // none of these reached xend
}

TEST_F(XmTest, PrefixesAndHelp) {
    start();
    EXPECT_EQ(xm({"li"}).status, 0);
    EXPECT_EQ(xm({"domn", "3"}).out, "web01\n");
    Output help = xm({"help"});
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("xm full list of subcommands:"), std::string::npos);
    for (const char* sub : {"vcpu-pin", "dump-core", "domid", "mem-max", "info"})
        EXPECT_NE(help.out.find(std::string(" ") + sub + " "), std::string::npos) << sub;
    Output sub_help = xm({"shutdown", "--help"});
    EXPECT_EQ(sub_help.status, 1);
    EXPECT_EQ(sub_help.out.substr(0, 38), "Usage: xm shutdown <Domain> [-waRH]\n\nA");
    Output bare = xm({});
    EXPECT_EQ(bare.status, 1);
    EXPECT_EQ(bare.out.substr(0, 30), "Usage: xm <subcommand> [args]\n");
}

// XEND.md 1.3: create = domain.create, waitForDevices, unpause; the
// configuration as typed values.
TEST_F(XmTest, CreateSendsTheConfigurationAndUnpauses) {
    start();
    std::string cfg = write("web02.cfg",
                            "kernel = '/usr/lib/xvm/xvm-guest'\nmemory = 64\nname = 'web02'\nvcpus = 2\n"
                            "disk = ['file:/srv/web02.img,xvda,w']\nvif = ['']\non_crash = 'coredump-restart'\n");
    Output o = xm({"create", cfg, "memory=96"});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.err, "");
    EXPECT_EQ(o.out, "Using config file \"" + cfg + "\".\nStarted domain web02\n");
    EXPECT_EQ(calls(),
              (std::vector<std::string>{
                  R"({"method": "xend.domain.create", "params": [["vm", ["name", "web02"], ["memory", 96], )"
                  R"(["on_crash", "coredump-restart"], ["vcpus", 2], ["on_xend_start", "ignore"], )"
                  R"(["on_xend_stop", "ignore"], ["image", ["linux", ["kernel", "/usr/lib/xvm/xvm-guest"]]], )"
                  R"(["device", ["vbd", ["uname", "file:/srv/web02.img"], ["dev", "xvda"], ["mode", "w"]]], )"
                  R"(["device", ["vif"]]]]})",
                  R"({"method": "xend.domain.waitForDevices", "params": ["web02"]})",
                  R"({"method": "xend.domain.unpause", "params": ["web02"]})"}));
    Output list = xm({"list", "web02"});
    EXPECT_NE(list.out.find("web02                                        4    96     2     -b----      0.0"),
              std::string::npos)
        << list.out;
    // Found along the path when not given as a path; -q and -p.
    write("web03", "kernel = '/k'\n");
    o = xm({"create", "-q", "-p", "--path=" + dir_, "web03"});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out, "");
    EXPECT_EQ(calls().back(), R"({"method": "xend.domain.waitForDevices", "params": ["web03"]})");
}

TEST_F(XmTest, CreateReportsEveryConfigProblemAndCallsNothing) {
    start();
    std::string cfg = write("bad.cfg", "kernel = '/k'\nmemroy = 64\nvcpus = 'two'\nname = 'a b'\n");
    Output o = xm({"create", cfg, "on_crash=explode"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Error: 4 errors in " + cfg +
                         ":\n"
                         "  command line: on_crash: 'explode' is not one of destroy, restart, preserve, "
                         "rename-restart, coredump-destroy, coredump-restart\n"
                         "  line 2: unknown key 'memroy'\n"
                         "  line 3: vcpus: 'two' is not a whole number\n"
                         "  line 4: name: 'a b' may hold only letters, digits and _-.:/+\n");
    EXPECT_TRUE(calls().empty());
    o = xm({"create", "no-such-file"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Error: Unable to open config file: no-such-file\n");
    EXPECT_NE(o.out.find("Usage: xm create"), std::string::npos);
}

// create.py make_domain(): a device failure destroys the new domain and
// reports xend's text without the usage; a name clash is xend's fault 2.
TEST_F(XmTest, CreateCleansUpAfterAFailure) {
    start();
    std::string cfg = write("baddev", "kernel = '/k'\n");
    Output o = xm({"create", cfg});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Error: Device 51712 (vbd) could not be connected. /srv/missing.img does not exist.\n");
    EXPECT_EQ(o.out, "Using config file \"" + cfg + "\".\n");
    EXPECT_EQ(calls().back(), R"({"method": "xend.domain.destroy", "params": ["baddev"]})");
    o = xm({"create", cfg, "name=web01"});
    EXPECT_EQ(o.err, "Error: VM name 'web01' already exists as domain 3\n");
}

TEST_F(XmTest, CreateDryRunPrintsTheConfiguration) {
    start();
    std::string cfg = write("dry.cfg", "kernel = '/k'\nname = 'dry'\nextra = 'console=hvc0'\n");
    Output o = xm({"create", "-n", cfg});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out, "Using config file \"" + cfg +
                         "\".\n"
                         "(vm\n    (name dry)\n    (memory 128)\n    (vcpus 1)\n    (on_xend_start ignore)\n"
                         "    (on_xend_stop ignore)\n    (image (linux (kernel /k) (args 'console=hvc0')))\n)\n");
    EXPECT_TRUE(calls().empty());
}

// shutdown.py: -w polls xend.domains(0) until the domain has gone.
TEST_F(XmTest, ShutdownWaits) {
    start();
    Output o = xm({"shutdown", "-w", "3"});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out, "Domain web01 terminated\nAll domains terminated\n");
    EXPECT_EQ(calls(), (std::vector<std::string>{
                           R"({"method": "xend.domain", "params": ["3"]})",
                           R"({"method": "xend.domain.getRestartCount", "params": ["web01"]})",
                           R"({"method": "xend.domain.shutdown", "params": ["web01", "poweroff"]})",
                           R"({"method": "xend.domains", "params": [0]})"}));
    EXPECT_EQ(xm({"shutdown"}).err, "Error: 'xm shutdown' requires between 1 and 4 arguments.\n\n");
    EXPECT_EQ(xm({"shutdown", "-H", "-R", "web01"}).err, "Error: Can't specify halt and reboot\n");
}

TEST_F(XmTest, RebootWaitsForTheRestartCount) {
    start();
    Output o = xm({"reboot", "-w", "web01"});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out, "Domain web01 rebooted\nAll domains rebooted\n");
    EXPECT_NE(std::find(calls().begin(), calls().end(),
                        R"({"method": "xend.domain.shutdown", "params": ["web01", "reboot"]})"),
              calls().end());
}

TEST_F(XmTest, ShutdownAllLeavesDomain0) {
    start();
    Output o = xm({"shutdown", "-a", "-w"});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out, "Domain web01 terminated\nAll domains terminated\n");
}

// The argument shapes of XEND.md 1.3.
TEST_F(XmTest, DomainOperationsSendTheOriginalArguments) {
    start();
    for (auto args : {std::vector<std::string>{"mem-set", "web01", "1g"}, {"mem-max", "web01", "2048k"},
                      {"vcpu-set", "web01", "1"}, {"vcpu-pin", "web01", "0", "0-3,^1"}, {"pause", "web01"},
                      {"unpause", "web01"}})
        EXPECT_EQ(xm(args).status, 0) << args[0];
    EXPECT_EQ(calls(), (std::vector<std::string>{
                           R"({"method": "xend.domain.setMemoryTarget", "params": ["web01", 1024]})",
                           R"({"method": "xend.domain.maxmem_set", "params": ["web01", 2]})",
                           R"({"method": "xend.domain.setVCpuCount", "params": ["web01", 1]})",
                           R"({"method": "xend.domain.pincpu", "params": ["web01", "0", [0, 2, 3]]})",
                           R"({"method": "xend.domain.pause", "params": ["web01"]})",
                           R"({"method": "xend.domain.unpause", "params": ["web01"]})"}));
}

TEST_F(XmTest, DumpCorePausesDumpsAndResumes) {
    start();
    Output o = xm({"dump-core", "web01", "cores/web01.core"});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out, "Dumping core of domain: web01 ...\n");
    std::string cwd = std::filesystem::current_path().string();
    EXPECT_EQ(calls(), (std::vector<std::string>{
                           R"({"method": "xend.domain.pause", "params": ["web01", true]})",
                           R"({"method": "xend.domain.dump", "params": ["web01", ")" + cwd +
                               R"(/cores/web01.core", false, false]})",
                           R"({"method": "xend.domain.unpause", "params": ["web01"]})"}));
    o = xm({"dump-core", "-C", "-R", "web01"});
    EXPECT_EQ(o.err, "Error: You may not specify more than one '-CR' option\n");
}

TEST_F(XmTest, ManagedDomainLifecycle) {
    start();
    std::string cfg = write("kept.cfg", "kernel = '/k'\nname = 'kept'\n");
    EXPECT_EQ(xm({"new", cfg}).status, 0);
    EXPECT_EQ(xm({"start", "kept"}).status, 0);
    Output o = xm({"delete", "kept"});
    EXPECT_EQ(o.err, "Error: Domain is not halted.\n");
    EXPECT_NE(o.out.find("Usage: xm delete <DomainName>"), std::string::npos);
    EXPECT_EQ(xm({"destroy", "kept"}).status, 0);
    EXPECT_EQ(xm({"new", cfg}).status, 0);
    EXPECT_EQ(xm({"delete", "kept"}).status, 0);
    EXPECT_EQ(xm({"start", "managed", "-p"}).status, 0);
    EXPECT_EQ(xm({"domid", "managed"}).out, "4\n");
}

// XEND.md 2.4 / 3: xm info leaves out the first pair.
TEST_F(XmTest, InfoGolden) {
    start();
    Output o = xm({"info"});
    EXPECT_EQ(o.status, 0) << o.err;
    // The lines Python's print "%-23s:" % key, value wrote for the same pairs.
    EXPECT_EQ(o.out,
              "host                   : dom0\n"
              "release                : 6.1.0-xvm\n"
              "version                : #1 SMP\n"
              "machine                : x86_64\n"
              "nr_cpus                : 4\n"
              "nr_nodes               : 1\n"
              "cores_per_socket       : 4\n"
              "threads_per_core       : 1\n"
              "cpu_mhz                : 2394\n"
              "hw_caps                : 0febfbff:20000800\n"
              "virt_caps              : \n"
              "total_memory           : 8191\n"
              "free_memory            : 4000\n"
              "xen_major              : 3\n"
              "xen_minor              : 3\n"
              "xen_extra              : .0\n"
              "xen_caps               : xen-3.0-x86_64 xen-3.0-x86_32p\n"
              "xen_scheduler          : credit\n"
              "xen_pagesize           : 4096\n"
              "platform_params        : virt_start=0xffff800000000000\n"
              "xen_changeset          : unavailable\n"
              "cc_compiler            : gcc\n"
              "cc_compile_by          : xvm\n"
              "cc_compile_domain      : \n"
              "cc_compile_date        : \n"
              "xend_config_format     : 4\n");
    EXPECT_EQ(o.out.find("system"), std::string::npos);
}

TEST_F(XmTest, VcpuListGolden) {
    start();
    Output o = xm({"vcpu-list"});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out,
              "Name                                ID  VCPU   CPU State   Time(s) CPU Affinity\n"
              "Domain-0                             0     0     0   r--      10.2 any cpu\n"
              "Domain-0                             0     1     1   -b-      20.5 any cpu\n"
              "managed                             -1     0                  10.2 any cpu\n"
              "web01                                3     0     0   r--      10.2 any cpu\n"
              "web01                                3     1     1   -b-      20.5 any cpu\n");
}

TEST_F(XmTest, UptimeFormat) {
    start();
    Output o = xm({"uptime", "web01"});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_TRUE(std::regex_match(o.out, std::regex("Name                                ID Uptime \n"
                                                   "web01                                3  1:01:0[1-9]\n")))
        << o.out;
}

// The ways of not reaching xend (XEND.md 1.2).
TEST_F(XmTest, NoXend) {
    Output o = xm({"list"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Error: Unable to connect to xend: No such file or directory. Is xend running?\n");
    EXPECT_EQ(o.out, "");
    // A socket nobody listens on.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
    o = xm({"list"});
    EXPECT_EQ(o.err, "Error: Unable to connect to xend: Connection refused. Is xend running?\n");
    o = xm({"list"}, {{"XM_SERVER", "http://localhost:8006/"}});
    EXPECT_EQ(o.err, "Error: XM_SERVER 'http://localhost:8006/' is not supported: use httpu:///path/to/xmlrpc.sock\n");
}

TEST_F(XmTest, DefaultSocketIsUnderXvmRoot) {
    Output o = capture({XM_PROGRAM, "list"}, {{"XVM_ROOT", dir_}});
    EXPECT_EQ(o.err, "Error: Unable to connect to xend: No such file or directory. Is xend running?\n");
    std::filesystem::create_directories(dir_ + "/var/run/xend");
    socket_ = dir_ + "/var/run/xend/xmlrpc.sock";
    start();
    o = capture({XM_PROGRAM, "domid", "web01"}, {{"XVM_ROOT", dir_}});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out, "3\n");
}

TEST_F(XmTest, RefusedPeerIsToldWhy) {
    start("refuse");
    Output o = xm({"list"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err,
              "Error: xend refused the request: permission denied: uid 1000 holds neither xvm_control nor "
              "virt_manage\n");
}

// xend's own refusal (daemons/xend): fault 2 before the call is looked at;
// xm prints it without the usage text.
TEST_F(XmTest, DeniedPeerGetsNoUsageText) {
    start("deny");
    Output o = xm({"destroy", "web01"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err,
              "Error: permission denied: xend's XML-RPC socket serves only users holding xvm_control or "
              "virt_manage; uid 1000 holds neither\n");
    EXPECT_EQ(o.out, "");
}

TEST_F(XmTest, BrokenReplies) {
    start("garbage");
    Output o = xm({"list"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err,
              "Error: xend's reply to xend.domains_with_state is not valid: XML-RPC: malformed XML at line 1, "
              "column 1: Start tag expected, '<' not found\n");
}

TEST_F(XmTest, NoAnswerAtAll) {
    start("close");
    Output o = xm({"list"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Xend has probably crashed!  Invalid or missing HTTP status code.\n");
}

}  // namespace
}  // namespace xvm::test
