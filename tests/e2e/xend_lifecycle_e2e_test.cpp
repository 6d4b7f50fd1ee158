// xend end to end, continued: what happens to domains over time - guests
// powering off, rebooting and crashing (on_* actions, core dumps, restart
// throttling), ballooning dom0 against config/dom0-min-mem, svcadm
// refresh, svcadm restart and kill -9 of xend, managed domains, and a
// long operation that must not hold up other clients.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <regex>

#include "tests/e2e/xend_fixture.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') out.emplace_back(e->d_name);
        ::closedir(d);
    }
    return out;
}

// "[\"domid\", 3]" -> 3, or -1.
int field_int(const std::string& json, const std::string& key) {
    std::smatch m;
    if (std::regex_search(json, m, std::regex("\\[\"" + key + "\", (-?[0-9]+)\\]"))) return std::stoi(m[1]);
    return -1;
}
std::string field_text(const std::string& json, const std::string& key) {
    std::smatch m;
    if (std::regex_search(json, m, std::regex("\\[\"" + key + "\", \"([^\"]*)\"\\]"))) return m[1];
    return "";
}

class XendLifecycle : public XendStack {
protected:
    // Creates and unpauses; returns the domid.
    int boot(const std::string& name, int mib, const std::string& extra = "", const std::string& args = "") {
        std::string created = rpc("xend.domain.create", config(name, mib, extra, args));
        EXPECT_NE(created.find("\"ok\""), std::string::npos) << created << xend_log();
        EXPECT_EQ(rpc("xend.domain.unpause", "[\"" + name + "\"]"), "{\"ok\": null}");
        return field_int(created, "domid");
    }
    std::string dom(const std::string& name) { return rpc("xend.domain", "[\"" + name + "\"]"); }
    bool gone(const std::string& name) { return dom(name) == "{\"fault\": [3, \"" + name + "\"]}"; }
};

TEST_F(XendLifecycle, PoweroffDestroysAndRebootRestarts) {
    int first = boot("guest1", 32);
    ASSERT_GT(first, 0);
    ASSERT_EQ(rpc("xend.domain.shutdown", "[\"guest1\", \"reboot\"]"), "{\"ok\": null}");
    ASSERT_TRUE(eventually([&] {
        int now = field_int(dom("guest1"), "domid");
        return now > 0 && now != first;
    })) << xend_log();
    EXPECT_EQ(rpc("xend.domain.getRestartCount", "[\"guest1\"]"), "{\"ok\": \"1\"}");
    EXPECT_EQ(field_text(dom("guest1"), "state").find('p'), std::string::npos);  // restarted unpaused
    ASSERT_EQ(rpc("xend.domain.shutdown", "[\"guest1\", \"poweroff\"]"), "{\"ok\": null}");
    EXPECT_TRUE(eventually([&] { return gone("guest1"); })) << xend_log();
    EXPECT_EQ(rpc("xend.domain.shutdown", "[\"Domain-0\", \"poweroff\"]"),
              "{\"fault\": [2, \"Cannot shut down privileged domain Domain-0\"]}");
    EXPECT_EQ(rpc("xend.domain.shutdown", "[\"Domain-0\", \"sideways\"]"),
              "{\"fault\": [2, \"Invalid reason: sideways\"]}");
}

TEST_F(XendLifecycle, CoredumpRestartLeavesACoreAndARestartedGuest) {
    int first = boot("crashy", 32, "[\"on_crash\", \"coredump-restart\"]");
    ASSERT_EQ(rpc("xend.domain.shutdown", "[\"crashy\", \"crash\"]"), "{\"ok\": null}");
    ASSERT_TRUE(eventually([&] {
        int now = field_int(dom("crashy"), "domid");
        return now > 0 && now != first;
    })) << xend_log();
    auto cores = files_in(path("/var/xen/dump"));
    ASSERT_EQ(cores.size(), 1u) << xend_log();
    // <%Y-%m%d-%H%M.%S>-<name>.<domid>.core (XEND.md section 8).
    EXPECT_TRUE(std::regex_match(cores[0], std::regex("[0-9]{4}-[0-9]{4}-[0-9]{4}\\.[0-9]{2}-crashy\\." +
                                                      std::to_string(first) + "\\.core")))
        << cores[0];
    struct stat st {};
    ASSERT_EQ(::stat(path("/var/xen/dump/" + cores[0]).c_str(), &st), 0);
    EXPECT_GT(st.st_size, 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(rpc("xend.domain.getRestartCount", "[\"crashy\"]"), "{\"ok\": \"1\"}");
}

TEST_F(XendLifecycle, ACrashLoopIsThrottled) {
    // The guest crashes as it boots: restarted once, then destroyed.
    boot("looper", 32, "[\"on_crash\", \"restart\"]", "crash-on-boot");
    EXPECT_TRUE(eventually([&] { return gone("looper"); }, 20s)) << xend_log();
    EXPECT_NE(xend_log().find("restart throttled"), std::string::npos) << xend_log();
    EXPECT_NE(xend_log().find("domain looper restarted as"), std::string::npos) << xend_log();
}

class XendWithoutDumps : public XendLifecycle {
    void configure() override { setprop("config/enable-dump", "boolean:", "false"); }
};

TEST_F(XendWithoutDumps, ACrashLeavesNoCoreFile) {
    boot("nodump", 32, "[\"on_crash\", \"coredump-destroy\"]", "crash-on-boot");
    ASSERT_TRUE(eventually([&] { return gone("nodump"); })) << xend_log();
    EXPECT_TRUE(files_in(path("/var/xen/dump")).empty());
    EXPECT_NE(xend_log().find("no core dump, config/enable-dump is false"), std::string::npos) << xend_log();
}

TEST_F(XendLifecycle, BallooningStopsAtDom0MinMem) {
    // Host 1024 MiB, dom0 512: 400 fit; 300 more take 188 from dom0.
    boot("big1", 400);
    boot("big2", 300);
    EXPECT_EQ(field_int(dom("Domain-0"), "memory"), 324) << dom("Domain-0");
    refresh_with("config/dom0-min-mem", "integer:", "400");
    std::string refused = rpc("xend.domain.create", config("big3", 64));
    EXPECT_EQ(refused, "{\"fault\": [2, \"I need 65536 KiB, but dom0_min_mem is 409600 KiB (config/dom0-min-mem 400 "
                       "MiB) and shrinking to 409600 KiB would leave only 0 KiB free.\"]}")
        << xend_log();
    EXPECT_TRUE(gone("big3"));
    // A lower floor takes effect at the next refresh.
    refresh_with("config/dom0-min-mem", "integer:", "100");
    boot("big3", 64);
    EXPECT_EQ(field_int(dom("Domain-0"), "memory"), 260);
}

TEST_F(XendLifecycle, RefreshRefusesBadValuesAndKeepsTheOld) {
    int domid = boot("steady", 32);
    std::size_t before = count(xend_log(), "refresh: ");
    setprop("config/dom0-min-mem", "integer:", "-5");
    setprop("config/vnc-listen", "astring:", "nowhere");
    ASSERT_EQ(svcadm({"refresh", "xctl/xend"}).status, 0);
    ASSERT_TRUE(eventually([&] { return count(xend_log(), "refresh: ") > before; })) << xend_log();
    std::string log = xend_log();
    EXPECT_NE(log.find("property config/dom0-min-mem: -5 is not in 0..1073741824"), std::string::npos) << log;
    EXPECT_NE(log.find("property config/vnc-listen: \"nowhere\" is not an IPv4 or IPv6 address"), std::string::npos)
        << log;
    EXPECT_NE(log.find("the previous configuration stays in force"), std::string::npos) << log;
    // The domain was not disturbed.
    EXPECT_EQ(field_int(dom("steady"), "domid"), domid);
    EXPECT_EQ(field_text(dom("steady"), "state").find('p'), std::string::npos);
}

TEST_F(XendLifecycle, RefreshRebindsTheSockets) {
    int domid = boot("steady", 32);
    std::string get = "GET /xend/domain/ HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_NE(http(legacy_socket(), get).find("steady)"), std::string::npos);
    refresh_with("config/xend-unix-server", "boolean:", "false");
    EXPECT_EQ(http(legacy_socket(), get), "connect failed");
    setprop("config/xend-unix-path", "astring:", "/var/lib/xend/other-socket");
    refresh_with("config/xend-unix-server", "boolean:", "true");
    EXPECT_NE(http(path("/var/lib/xend/other-socket"), get).find("steady)"), std::string::npos) << xend_log();
    refresh_with("config/xend-unix-xmlrpc-path", "astring:", "/var/run/xend/moved.sock");
    EXPECT_NE(capture({"/usr/bin/python3", XVM_SOURCE_DIR "/tests/e2e/xend_rpc.py", path("/var/run/xend/moved.sock"),
                       "xend.domains", "[false]"})
                  .out.find("steady"),
              std::string::npos)
        << xend_log();
    EXPECT_EQ(::access(xmlrpc_socket().c_str(), F_OK), -1);
    EXPECT_EQ(field_int(capture({"/usr/bin/python3", XVM_SOURCE_DIR "/tests/e2e/xend_rpc.py",
                                 path("/var/run/xend/moved.sock"), "xend.domain", "[\"steady\"]"})
                            .out,
                        "domid"),
              domid);
}

TEST_F(XendLifecycle, RestartAndKill9FindEveryDomainAgain) {
    int domid = boot("survivor", 32);
    ASSERT_EQ(rpc("xend.domain.new", config("managed1", 32)), "{\"ok\": null}");
    auto check = [&](const char* when) {
        std::string d = dom("survivor");
        EXPECT_EQ(field_int(d, "domid"), domid) << when << ": " << d << xend_log();
        std::string state = field_text(d, "state");
        EXPECT_TRUE(state == "r-----" || state == "-b----") << when << ": " << state;  // never paused
        std::string halted = rpc("xend.domains_with_state", "[false, \"halted\", false]");
        EXPECT_EQ(halted, "{\"ok\": [\"managed1\"]}") << when;
    };
    check("before");
    auto before = members("system/xctl/xend:default");
    ASSERT_EQ(svcadm({"restart", "xctl/xend"}).status, 0);
    ASSERT_TRUE(eventually([&] { return runs_anew("system/xctl/xend:default", before); })) << xend_log();
    check("after svcadm restart");
    before = members("system/xctl/xend:default");
    ASSERT_EQ(before.size(), 1u);
    ASSERT_EQ(::kill(before[0], SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return runs_anew("system/xctl/xend:default", before); }, 30s)) << xend_log();
    check("after kill -9");
    EXPECT_NE(xend_log().find("found domain survivor"), std::string::npos);
}

TEST_F(XendLifecycle, ManagedDomainsStartStopAndDelete) {
    ASSERT_EQ(rpc("xend.domain.new", config("kept", 32)), "{\"ok\": null}");
    std::string d = dom("kept");
    EXPECT_EQ(field_int(d, "status"), 0) << d;  // halted
    EXPECT_EQ(field_int(d, "domid"), -1) << d;  // no domid while halted
    std::string uuid = field_text(d, "uuid");
    EXPECT_EQ(::access(path("/var/lib/xend/domains/" + uuid + "/config.sxp").c_str(), R_OK), 0);
    ASSERT_EQ(rpc("xend.domain.start", "[\"kept\", false]"), "{\"ok\": null}") << xend_log();
    EXPECT_GT(field_int(dom("kept"), "domid"), 0);
    EXPECT_EQ(rpc("xend.domain.delete", "[\"kept\"]"), "{\"fault\": [2, \"Domain is not halted.\"]}");
    ASSERT_EQ(rpc("xend.domain.destroy", "[\"kept\"]"), "{\"ok\": null}");
    EXPECT_EQ(field_int(dom("kept"), "status"), 0);  // back to halted, definition kept
    ASSERT_EQ(rpc("xend.domain.delete", "[\"kept\"]"), "{\"ok\": null}");
    EXPECT_TRUE(gone("kept"));
    EXPECT_EQ(::access(path("/var/lib/xend/domains/" + uuid).c_str(), F_OK), -1);
}

// A create held up in the store (xenstored stopped) does not hold up
// anyone else: the list is answered meanwhile.
TEST_F(XendLifecycle, ALongCreateDoesNotBlockOtherClients) {
    auto store = members("system/xctl/store:default");
    ASSERT_EQ(store.size(), 1u);
    ASSERT_EQ(::kill(store[0], SIGSTOP), 0);
    Child creator = Child::spawn({"/usr/bin/python3", XVM_SOURCE_DIR "/tests/e2e/xend_rpc.py", xmlrpc_socket(),
                                  "xend.domain.create", config("slow", 32)},
                                 {}, path("/creator.err"));
    // The build has reached the store (hvsim made the domain) and waits.
    ASSERT_TRUE(eventually([&] { return log_of("system-xctl-hvsim:default").find("created domain") != std::string::npos; }))
        << log_of("system-xctl-hvsim:default");
    std::string listed = rpc("xend.domains_with_state", "[false, \"all\", false]");
    EXPECT_EQ(listed, "{\"ok\": [\"Domain-0\"]}") << listed;
    EXPECT_EQ(rpc("xend.domain", "[\"slow\"]"), "{\"fault\": [3, \"slow\"]}");
    ASSERT_EQ(::kill(store[0], SIGCONT), 0);
    auto line = creator.read_line(15s);
    ASSERT_TRUE(line) << read_file(path("/creator.err"));
    EXPECT_NE(line->find("[\"name\", \"slow\"]"), std::string::npos) << *line;
    creator.wait();
}

}  // namespace
}  // namespace xvm::test

namespace xvm::test {
namespace {

TEST_F(XendLifecycle, MemoryAndVcpus) {
    boot("sizes", 64, "[\"maxmem\", 128], [\"vcpus\", 3]");
    ASSERT_EQ(rpc("xend.domain.setMemoryTarget", "[\"sizes\", 96]"), "{\"ok\": null}");
    EXPECT_EQ(field_int(dom("sizes"), "memory"), 96);
    EXPECT_EQ(rpc("xend.domain.setMemoryTarget", "[\"sizes\", 200]"),
              "{\"fault\": [2, \"memory target 200 MiB is above maxmem 128 MiB\"]}");
    ASSERT_EQ(rpc("xend.domain.maxmem_set", "[\"sizes\", 256]"), "{\"ok\": 0}");
    EXPECT_EQ(field_int(dom("sizes"), "maxmem"), 256);
    ASSERT_EQ(rpc("xend.domain.setVCpuCount", "[\"sizes\", 1]"), "{\"ok\": null}");
    EXPECT_EQ(field_int(dom("sizes"), "online_vcpus"), 1);
    EXPECT_EQ(rpc("xend.domain.setVCpuCount", "[\"sizes\", 4]"),
              "{\"fault\": [2, \"Cannot set vcpus greater than max vcpus on running domain (4 > 3)\"]}");
    EXPECT_EQ(rpc("xend.domain.setVCpuCount", "[\"sizes\", 0]"), "{\"fault\": [2, \"Invalid VCPUs\"]}");
    // dom0 stays above its floor (196 MiB).
    EXPECT_EQ(rpc("xend.domain.setMemoryTarget", "[\"Domain-0\", 100]"),
              "{\"fault\": [2, \"memory_dynamic_max too small: dom0 cannot go below config/dom0-min-mem (100 MiB < "
              "196 MiB)\"]}");
    EXPECT_EQ(rpc("xend.domain.pause", "[\"Domain-0\"]"), "{\"fault\": [2, \"Cannot pause privileged domain Domain-0\"]}");
    EXPECT_EQ(rpc("xend.domain.destroy", "[\"0\"]"), "{\"fault\": [2, \"Cannot destroy privileged domain 0\"]}");
}

TEST_F(XendLifecycle, ExplicitDumpsStayInTheDumpDirectory) {
    int id = boot("dumped", 32);
    // No file name - "", None (xm dump-core's), or no argument at all: the
    // name of XEND.md 8, <%Y-%m%d-%H%M.%S>-<name>.<domid>.core.
    const std::regex named("[0-9]{4}-[0-9]{4}-[0-9]{4}\\.[0-9]{2}-dumped\\." + std::to_string(id) + "\\.core");
    for (const char* args : {"[\"dumped\", \"\", false, false]", "[\"dumped\", null, false, false]", "[\"dumped\"]"}) {
        for (const std::string& old : files_in(path("/var/xen/dump")))
            ASSERT_EQ(::unlink(path("/var/xen/dump/" + old).c_str()), 0);
        ASSERT_EQ(rpc("xend.domain.dump", args), "{\"ok\": null}") << args;
        auto cores = files_in(path("/var/xen/dump"));
        ASSERT_EQ(cores.size(), 1u) << args;
        EXPECT_TRUE(std::regex_match(cores[0], named)) << args << ": " << cores[0];
    }
    EXPECT_EQ(rpc("xend.domain.dump", "[\"dumped\", 7]"),
              "{\"fault\": [1, \"xend.domain.dump: argument 2 (file) must be a string, not int\"]}");
    ASSERT_EQ(rpc("xend.domain.dump", "[\"dumped\", \"/var/xen/dump/mine.core\"]"), "{\"ok\": null}");
    EXPECT_EQ(::access(path("/var/xen/dump/mine.core").c_str(), R_OK), 0);
    EXPECT_EQ(rpc("xend.domain.dump", "[\"dumped\", \"/var/xen/dump/mine.core\"]"),
              "{\"fault\": [2, \"Failed to dump core: cannot create /var/xen/dump/mine.core: File exists\"]}");
    EXPECT_EQ(rpc("xend.domain.dump", "[\"dumped\", \"/var/run/xenstored/tdb\"]"),
              "{\"fault\": [2, \"core dumps are written only to /var/xen/dump, not /var/run/xenstored/tdb "
              "(xend(1M))\"]}");
    EXPECT_EQ(rpc("xend.domain.dump", "[\"dumped\", \"../escape\"]"),
              "{\"fault\": [2, \"core file name '../escape' is not a plain file name\"]}");
    // A link planted in the directory is not followed.
    ASSERT_EQ(::symlink(path("/victim").c_str(), path("/var/xen/dump/link.core").c_str()), 0);
    EXPECT_NE(rpc("xend.domain.dump", "[\"dumped\", \"link.core\"]").find("File exists"), std::string::npos);
    EXPECT_EQ(::access(path("/victim").c_str(), F_OK), -1);
    EXPECT_EQ(field_int(dom("dumped"), "domid"), id);  // still running
}

TEST_F(XendLifecycle, RenameRestartKeepsTheDeadOne) {
    int first = boot("phoenix", 32, "[\"on_crash\", \"rename-restart\"]");
    ASSERT_EQ(rpc("xend.domain.shutdown", "[\"phoenix\", \"crash\"]"), "{\"ok\": null}");
    ASSERT_TRUE(eventually([&] {
        int now = field_int(dom("phoenix"), "domid");
        return now > 0 && now != first;
    })) << xend_log();
    std::string kept = rpc("xend.domain", "[" + std::to_string(first) + "]");
    EXPECT_NE(kept.find("[\"name\", \"Domain-"), std::string::npos) << kept;
    EXPECT_EQ(field_text(kept, "state"), "----c-") << kept;
    EXPECT_NE(field_text(kept, "uuid"), field_text(dom("phoenix"), "uuid"));
}

class XendWithOneDom0Cpu : public XendLifecycle {
    void configure() override { setprop("config/dom0-cpus", "integer:", "1"); }
};

TEST_F(XendWithOneDom0Cpu, Dom0CpusAppliesAtStart) {
    EXPECT_EQ(field_int(dom("Domain-0"), "online_vcpus"), 1) << dom("Domain-0") << xend_log();
}

TEST_F(XendLifecycle, LegacyPostForms) {
    auto post = [&](const std::string& url, const std::string& body) {
        return http(legacy_socket(), "POST " + url + " HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                     "application/x-www-form-urlencoded\r\nContent-Length: " +
                                         std::to_string(body.size()) + "\r\n\r\n" + body);
    };
    std::string r = post("/xend/domain/", "op=create&config=%28vm+%28name+old1%29+%28memory+32%29+%28image+%28linux+"
                                          "%28kernel+%2Fboot%2Fxvm-kernel%29%29%29%29");
    EXPECT_NE(r.find("HTTP/1.1 201"), std::string::npos) << r;
    EXPECT_NE(r.find("Location: /xend/domain/old1"), std::string::npos) << r;
    EXPECT_NE(post("/xend/domain/old1", "op=unpause").find("HTTP/1.1 200"), std::string::npos);
    r = post("/xend/domain/old1", "op=mem_target_set&target=16");
    EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos) << r;
    EXPECT_EQ(field_int(dom("old1"), "memory"), 16);
    r = post("/xend/domain/old1", "op=pincpu&vcpu=0&cpumap=%5B0%5D");
    EXPECT_NE(r.find("HTTP/1.1 200"), std::string::npos) << r;
    r = post("/xend/domain/old1", "op=shutdown");
    EXPECT_NE(r.find("(xend.err 'missing parameter: reason')"), std::string::npos) << r;
    r = http(legacy_socket(), "GET /xend/domain/old1?op=vcpuinfo HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(r.find("(cpumap (0))"), std::string::npos) << r;
    r = http(legacy_socket(), "GET /xend/node/ HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(r.find("(node (system Linux)"), std::string::npos) << r;
    // A browser (User-Agent and Accept without application/sxp) gets HTML.
    r = http(legacy_socket(), "GET /xend/domain/old1 HTTP/1.1\r\nHost: x\r\nUser-Agent: b\r\nAccept: text/html\r\n\r\n");
    EXPECT_NE(r.find("text/html"), std::string::npos) << r;
    r = post("/xend/domain/old1", "op=destroy");
    EXPECT_NE(r.find("HTTP/1.1 202"), std::string::npos) << r;
    EXPECT_TRUE(gone("old1"));
}

}  // namespace
}  // namespace xvm::test
