// The whole stack as an administrator drives it: hvsim, xenstored, xend
// and xenconsoled started by svc.startd from the shipped manifests
// (xctl/console depends on xctl/xend, so `svcadm enable -r xctl/console`
// is the one command), guests made by `xm create` from a configuration
// file, and their consoles reached with `xm console` through the real
// xenconsoled. The first "done when" item, and its second with
// the console: a guest outlives `svcadm restart` and kill -9 of xend -
// still running, listed and reachable - and so does a managed domain.
//
// Reuses XendStack (xend_fixture.h) for the services and ConsoleStack's
// Terminal (console_fixture.h) for the console client on a pty or pipes.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "tests/e2e/console_fixture.h"
#include "tests/e2e/xend_fixture.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

class XendWithConsole : public XendStack {
protected:
    // Runs before svc.startd starts: the console service from its shipped
    // manifest, started from this build.
    void configure() override {
        auto o = svccfg({"import", XVM_SOURCE_DIR "/manifests/console.xml"});
        ASSERT_EQ(o.status, 0) << o.err;
        set_exec("xctl/console", std::string(XVM_METHOD) + " " + XENCONSOLED);
    }

    void SetUp() override {
        XendStack::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        // -r: what the console needs (xend, and so the store) is already on.
        auto o = svcadm({"enable", "-rs", "xctl/console"});
        ASSERT_EQ(o.status, 0) << o.err << console_log();
        ASSERT_EQ(state("xctl/console:default"), "online") << console_log();
        ::mkdir(path("/etc/xen").c_str(), 0755);
    }

    std::string console_log() { return log_of("system-xctl-console:default"); }

    Output xm(std::vector<std::string> args) {
        args.insert(args.begin(), XM);
        return capture(args);
    }
    std::vector<std::string> xm_argv(std::vector<std::string> args) const {
        args.insert(args.begin(), XM);
        return args;
    }
    std::map<std::string, std::string> env() const { return {{"XVM_ROOT", root_->path()}}; }

    // A guest configuration in /etc/xen, as the administrator writes one.
    void write_config(const std::string& name, const std::string& extra = "") {
        write_file(path("/etc/xen/" + name), "# " + name + ": a simulated guest\n"
                                             "name = '" + name + "'\n"
                                             "memory = 64\n"
                                             "vcpus = 1\n"
                                             "kernel = '" + std::string(kKernel) + "'\n"
                                             "extra = 'console=hvc0'\n" + extra);
    }

    // The domain's row of `xm list` ("" when it is not listed).
    std::string listed(const std::string& name) {
        auto o = xm({"list"});
        EXPECT_EQ(o.status, 0) << o.err;
        std::istringstream lines(o.out);
        for (std::string line; std::getline(lines, line);)
            if (line.rfind(name + " ", 0) == 0) return line;
        return "";
    }
    // Listed with an id and running or blocked - never paused.
    bool running(const std::string& name, int* domid = nullptr) {
        std::smatch m;
        std::string row = listed(name);
        if (!std::regex_match(row, m, std::regex(name + " +([0-9]+) +64 +1 +(r-----|-b----) +[0-9]+\\.[0-9]")))
            return false;
        if (domid) *domid = std::stoi(m[1]);
        return true;
    }

    // `xm console <name>` answers a command typed into the guest's console;
    // with `banner`, it first shows the guest's boot banner (from
    // xenconsoled's history, as the guest booted before the attach). The
    // client then leaves (Ctrl-] on a pty; pipes: killed) and the test
    // waits until xenconsoled saw it go, so the next client gets the
    // keyboard.
    void attach(const std::string& name, int domid, Terminal::Kind kind, bool banner, const char* when) {
        pid_t pid = -1;
        {
            Terminal term(xm_argv({"console", name}), env(), kind);
            pid = term.pid();
            if (banner) {
                EXPECT_TRUE(term.expect("xvm-guest 1.0: domain " + std::to_string(domid) + " booting"))
                    << when << ": " << term.output() << console_log();
            }
            // Typed only once attached and, on a pty, in raw mode: xm's
            // switch to raw mode flushes what was typed before it.
            std::string attached = "console client uid 0 pid " + std::to_string(pid) + " attached";
            EXPECT_TRUE(eventually([&] { return console_log().find(attached) != std::string::npos; }))
                << when << ": " << console_log();
            if (kind == Terminal::Kind::kPty) {
                EXPECT_TRUE(eventually([&] { return (term.modes().c_lflag & ICANON) == 0; })) << when;
            }
            term.mark();
            term.type(kind == Terminal::Kind::kPty ? "uname\r" : "uname\n");
            EXPECT_TRUE(term.expect("xvm-guest 1.0 domain " + std::to_string(domid) + " ("))
                << when << ": " << term.output() << console_log();
            if (kind == Terminal::Kind::kPty) {
                term.type("\x1d");
                auto st = term.wait();
                ASSERT_TRUE(st) << when << ": " << term.output();
                EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << when << ": " << *st;
            }
        }
        std::string left = "console client uid 0 pid " + std::to_string(pid) + " left domain";
        EXPECT_TRUE(eventually([&] { return console_log().find(left) != std::string::npos; })) << console_log();
    }
};

// XEND.md 3 and the issue: xm create of the shipped example (as
// scripts/stack-up does) -> xm list shows it running -> xm console shows
// its banner -> xm shutdown -w -> gone (and the open console session is
// told so).
TEST_F(XendWithConsole, CreateListConsoleShutdownWait) {
    // /etc/xen/guest1 as installed; its kernel, the simulated guest, need
    // only exist here (hvsim runs the build's xvm-guest).
    write_file(path("/etc/xen/guest1"), read_file(XVM_SOURCE_DIR "/examples/guest1"));
    ASSERT_EQ(run("mkdir -p " + path("/usr/lib/xvm")), 0);
    write_file(path("/usr/lib/xvm/xvm-guest"), "the simulated guest\n");
    auto o = xm({"create", "guest1"});
    ASSERT_EQ(o.status, 0) << o.out << o.err << xend_log();
    EXPECT_EQ(o.out, "Using config file \"" + path("/etc/xen/guest1") + "\".\nStarted domain guest1\n");
    int domid = -1;
    ASSERT_TRUE(eventually([&] { return running("guest1", &domid); })) << xm({"list"}).out;
    attach("guest1", domid, Terminal::Kind::kPty, true, "after create");
    attach("guest1", domid, Terminal::Kind::kPipes, true, "a script");

    // A session left open meanwhile ends when the guest does.
    Terminal watcher(xm_argv({"console", "guest1"}), env(), Terminal::Kind::kPipes);
    ASSERT_TRUE(watcher.expect("console ready")) << watcher.output();
    o = xm({"shutdown", "-w", "guest1"});
    EXPECT_EQ(o.status, 0) << o.out << o.err << xend_log();
    EXPECT_EQ(listed("guest1"), "");
    o = xm({"list", "guest1"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Error: Domain 'guest1' does not exist.\n");
    auto st = watcher.wait();
    ASSERT_TRUE(st) << watcher.output();
    EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 2) << watcher.output();
    EXPECT_NE(watcher.output().find("(guest1) is gone"), std::string::npos) << watcher.output();
    o = xm({"console", "guest1"});
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Error: Domain 'guest1' does not exist.\n");
}

// A running guest and a managed one (xm new) outlive svcadm restart and
// kill -9 of xend: the guest keeps its id, never pauses, stays listed and
// reachable by xm console; the managed one stays defined and starts later.
TEST_F(XendWithConsole, GuestsOutliveRestartAndKillOfXend) {
    write_config("survivor");
    write_config("kept");
    auto o = xm({"create", "-q", "survivor"});
    ASSERT_EQ(o.status, 0) << o.out << o.err << xend_log();
    o = xm({"new", "kept"});
    ASSERT_EQ(o.status, 0) << o.out << o.err << xend_log();
    int domid = -1;
    ASSERT_TRUE(eventually([&] { return running("survivor", &domid); })) << xm({"list"}).out;
    auto check = [&](const char* when, bool banner) {
        int now = -1;
        EXPECT_TRUE(running("survivor", &now)) << when << ": " << xm({"list"}).out << xend_log();
        EXPECT_EQ(now, domid) << when;
        // Managed and halted: blank ID and State (XEND.md 3).
        EXPECT_TRUE(std::regex_match(listed("kept"), std::regex("kept +64 +1 +0\\.0")))
            << when << ": '" << listed("kept") << "'";
        attach("survivor", domid, Terminal::Kind::kPty, banner, when);
    };
    check("before", true);

    // svcadm restart stops xend without an error: xenconsoled, which
    // depends on it with restart_on=error, keeps running and its history.
    auto console_before = members("system/xctl/console:default");
    auto before = members("system/xctl/xend:default");
    ASSERT_EQ(svcadm({"restart", "xctl/xend"}).status, 0);
    ASSERT_TRUE(eventually([&] { return runs_anew("system/xctl/xend:default", before); })) << xend_log();
    EXPECT_EQ(members("system/xctl/console:default"), console_before);
    check("after svcadm restart", true);

    // kill -9 is an error (a fatal signal from outside, SMF.md 5): svc.startd
    // restarts xend and, by restart_on=error, xenconsoled - whose new
    // instance finds the guest again but has no history of its boot.
    before = members("system/xctl/xend:default");
    ASSERT_EQ(before.size(), 1u);
    ASSERT_EQ(::kill(before[0], SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return runs_anew("system/xctl/xend:default", before); }, 30s)) << xend_log();
    ASSERT_TRUE(eventually([&] { return runs_anew("system/xctl/console:default", console_before); }, 30s))
        << console_log();
    check("after kill -9", false);

    // The managed domain was kept through both: it starts and boots.
    o = xm({"start", "kept"});
    ASSERT_EQ(o.status, 0) << o.out << o.err << xend_log();
    int kept = -1;
    ASSERT_TRUE(eventually([&] { return running("kept", &kept); })) << xm({"list"}).out;
    attach("kept", kept, Terminal::Kind::kPty, true, "managed, started");
    for (const char* name : {"survivor", "kept"}) {
        o = xm({"shutdown", "-w", name});
        EXPECT_EQ(o.status, 0) << name << ": " << o.out << o.err;
    }
    EXPECT_EQ(listed("survivor"), "");
    EXPECT_TRUE(std::regex_match(listed("kept"), std::regex("kept +64 +1 +0\\.0")));  // halted, still defined
}

// svcadm refresh of every xctl service (each `:kill -HUP` to its whole
// contract, hvsim's guests included) disturbs no guest: same id, running,
// its console answering, xenconsoled's history kept.
TEST_F(XendWithConsole, RefreshingEveryServiceDisturbsNoGuest) {
    write_config("steady");
    auto o = xm({"create", "-q", "steady"});
    ASSERT_EQ(o.status, 0) << o.out << o.err << xend_log();
    int domid = -1;
    ASSERT_TRUE(eventually([&] { return running("steady", &domid); })) << xm({"list"}).out;
    for (const char* service : {"hvsim", "store", "xend", "console"}) {
        std::string instance = std::string("system/xctl/") + service + ":default";
        std::string stem = std::string("system-xctl-") + service + ":default";
        auto before = members(instance);
        std::size_t refreshes = count(log_of(stem), "refresh: ");
        ASSERT_EQ(svcadm({"refresh", std::string("xctl/") + service}).status, 0) << service;
        // The daemon itself logs each refresh it takes.
        ASSERT_TRUE(eventually([&] { return count(log_of(stem), "refresh: ") > refreshes; }))
            << service << ": " << log_of(stem);
        EXPECT_EQ(members(instance), before) << service << ": " << log_of(stem);
        int now = -1;
        EXPECT_TRUE(running("steady", &now)) << service << ": " << xm({"list"}).out;
        EXPECT_EQ(now, domid) << service;
        attach("steady", domid, Terminal::Kind::kPty, true, service);
    }
}

}  // namespace
}  // namespace xvm::test
