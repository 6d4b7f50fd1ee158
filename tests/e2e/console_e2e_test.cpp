// xenconsoled and `xm console` end to end under svc.startd on the
// simulated hypervisor: the "done when" list, each as a test.
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstring>

#include "lib/base/unix_socket.h"
#include "lib/xen/console_proto.h"
#include "lib/xen/ring.h"
#include "lib/xen/xs_wire.h"

#include "tests/e2e/console_fixture.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

TEST_F(ConsoleStack, BannerCommandAndDetachThroughXmConsole) {
    DomId dom = boot_guest("web");
    EXPECT_EQ(identity_mismatch(xenconsoled(), "xenconsoled"), "");
    Terminal term(xm({"console", "web"}), env());
    struct termios before = term.modes();
    ASSERT_TRUE(term.expect("booting")) << term.output() << console_log();
    ASSERT_TRUE(term.expect("console ready")) << term.output();
    term.mark();
    term.type("uname\r");
    EXPECT_TRUE(term.expect("xvm-guest 1.0 domain " + std::to_string(dom))) << term.output();
    term.type("\x1d");
    auto st = term.wait();
    ASSERT_TRUE(st) << term.output();
    EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << *st;
    struct termios after = term.modes();
    EXPECT_EQ(after.c_lflag, before.c_lflag);
    EXPECT_EQ(after.c_iflag, before.c_iflag);
    EXPECT_EQ(after.c_oflag, before.c_oflag);
}


TEST_F(ConsoleStack, LateAttachReplaysTheBootBanner) {
    DomId dom = boot_guest("late");
    ASSERT_TRUE(booted(dom));
    // Long after boot, with nobody attached: the banner comes from history.
    ASSERT_TRUE(eventually([&] { return guest_log("late").find("registered at") != std::string::npos; }))
        << console_log();
    Terminal term(xm({"console", std::to_string(dom)}), env());
    EXPECT_TRUE(term.expect("xvm-guest 1.0: domain " + std::to_string(dom) + " booting"))
        << term.output();
    term.type("\x1d");
    EXPECT_TRUE(term.wait());
}

TEST_F(ConsoleStack, DestroyingTheDomainEndsTheSession) {
    DomId dom = boot_guest("doomed");
    Terminal term(xm({"console", "doomed"}), env());
    ASSERT_TRUE(term.expect("console ready")) << term.output();
    ASSERT_TRUE(hv_->domain_destroy(dom));
    auto st = term.wait();
    ASSERT_TRUE(st) << term.output();
    EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 2) << *st;
    EXPECT_NE(term.output().find("domain " + std::to_string(dom) + " (doomed) is gone"),
              std::string::npos)
        << term.output();
    // The domain is gone from the daemon too: a new attach says so.
    auto o = capture(xm({"console", "doomed"}), env());
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Error: Domain 'doomed' does not exist.\n");
    o = capture(xm({"console", "-q", "doomed"}), env());
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "");
}

TEST_F(ConsoleStack, KillDashNineWhileAttached) {
    DomId dom = boot_guest("sturdy");
    ASSERT_TRUE(booted(dom));
    Terminal term(xm({"console", "sturdy"}), env());
    ASSERT_TRUE(term.expect("console ready")) << term.output();
    term.type("echo before\r");
    ASSERT_TRUE(term.expect("before\n")) << term.output();
    pid_t guest = -1;
    auto pids = processes_with_cmdline(std::string(GUEST) + " --domid " + std::to_string(dom) + " ");
    ASSERT_EQ(pids.size(), 1u);
    guest = pids[0];
    auto old = members("system/xctl/console:default");
    ASSERT_EQ(old.size(), 1u);
    ASSERT_EQ(::kill(old[0], SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return runs_anew("system/xctl/console:default", old); }, 30s))
        << console_log();
    // xm console attached again by itself ...
    ASSERT_TRUE(term.expect("re-attached to domain " + std::to_string(dom), 40s)) << term.output();
    term.mark();
    term.type("echo after\r");
    EXPECT_TRUE(term.expect("after\n")) << term.output() << console_log();
    // ... and the guest never noticed: same process, first boot, running.
    term.type("uptime\r");
    EXPECT_TRUE(term.expect(", boot 1\n")) << term.output();
    pids = processes_with_cmdline(std::string(GUEST) + " --domid " + std::to_string(dom) + " ");
    ASSERT_EQ(pids.size(), 1u);
    EXPECT_EQ(pids[0], guest);
    auto info = hv_->domain_info(dom);
    ASSERT_TRUE(info);
    EXPECT_FALSE(info->shutdown || info->crashed || info->dying);
    term.type("\x1d");
    EXPECT_TRUE(term.wait());
    // A new client attaches to the restarted daemon as well.
    Terminal second(xm({"console", "sturdy"}), env());
    // History (the restarted daemon's own) shows the client is attached
    // and the terminal raw: typing earlier would be flushed by TCSAFLUSH.
    ASSERT_TRUE(second.expect("boot 1\n")) << second.output();
    second.type("echo again\r");
    EXPECT_TRUE(second.expect("again\n")) << second.output();
}


TEST_F(ConsoleStack, SvcadmRestartWhileAttached) {
    DomId dom = boot_guest("restarted");
    Terminal term(xm({"console", "restarted"}), env());
    ASSERT_TRUE(term.expect("console ready")) << term.output();
    auto old = members("system/xctl/console:default");
    ASSERT_EQ(svcadm({"restart", "xctl/console"}).status, 0);
    ASSERT_TRUE(eventually([&] { return runs_anew("system/xctl/console:default", old); }, 30s))
        << console_log();
    // Told the daemon was stopping, xm waited for it and attached again.
    ASSERT_TRUE(term.expect("re-attached to domain " + std::to_string(dom), 40s)) << term.output();
    term.mark();
    term.type("echo back\r");
    EXPECT_TRUE(term.expect("back\n")) << term.output();
}

TEST_F(ConsoleStack, XensOwnXenconsoleAttachesThroughTheStoresTty) {
    DomId dom = boot_guest("xen");
    ASSERT_TRUE(booted(dom));
    std::string tty;
    ASSERT_TRUE(eventually([&] {
        auto r = xs_->call(XS_READ, nul_join({home(dom) + "/console/tty"}));
        if (r && r->error().empty()) tty = r->payload;
        return !tty.empty();
    })) << console_log();
    EXPECT_TRUE(tty.starts_with("/dev/pts/")) << tty;
    // Only xvm (the daemon) and root may open it: group tty's writes would
    // reach the guest as keystrokes.
    struct stat st {};
    ASSERT_EQ(::stat(tty.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(proc_status(xenconsoled())["Uid"].substr(0, std::to_string(st.st_uid).size()),
              std::to_string(st.st_uid));
    struct passwd* nobody = ::getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    EXPECT_EQ(exit_code_as(nobody->pw_uid, [&] {
                  int fd = ::open(tty.c_str(), O_RDWR | O_NOCTTY);
                  return fd < 0 && errno == EACCES;
              }),
              0);
    // Xen 4.17's client, as an administrator with Xen's tools runs it: it
    // reads console/tty from the store and opens the pty. Its lock file
    // goes to /var/lock: a private mount namespace keeps it off the host.
    std::string d = std::to_string(dom);
    Terminal xc({"/usr/bin/unshare", "--mount", "--", "/bin/sh", "-c",
                 "mount -t tmpfs xvm-test /run/lock && exec /usr/lib/xen-4.17/bin/xenconsole "
                 "--type pv " + d},
                {{"XENSTORED_PATH", path("/var/run/xenstored/socket")}});
    xc.type("uname\r");
    EXPECT_TRUE(xc.expect("xvm-guest 1.0 domain " + d + " (")) << xc.output();
    // One writer at a time: while xm console holds the keyboard, what is
    // typed on the pty is discarded (and logged), never mixed in.
    Terminal xm_term(xm({"console", d}), env());
    ASSERT_TRUE(xm_term.expect("console ready")) << xm_term.output();
    xm_term.mark();
    xc.type("echo from-pty\r");
    ASSERT_TRUE(eventually([&] { return console_log().find("input from pty") != std::string::npos; }))
        << console_log();
    xm_term.type("echo from-xm\r");
    ASSERT_TRUE(xm_term.expect("from-xm\n")) << xm_term.output();
    EXPECT_EQ(xm_term.output().find("from-pty"), std::string::npos) << xm_term.output();
    xm_term.type("\x1d");
    ASSERT_TRUE(xm_term.wait());
    xc.type("\x1d");
    auto status = xc.wait();
    ASSERT_TRUE(status) << xc.output();
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << xc.output();
}

TEST_F(ConsoleStack, RefusedUserIsToldAndLoggedOnceXvmadmMemberGetsIn) {
    DomId dom = boot_guest("guarded");
    TestUsers users;
    users.add("xcnopriv", "");
    users.add("xcadmin", "xvmadm");
    Terminal refused({"/usr/bin/setpriv", "--reuid=xcnopriv", "--regid=nogroup", "--init-groups",
                      XM, "console", "guarded"},
                     env(), Terminal::Kind::kPipes);
    auto st = refused.wait();
    ASSERT_TRUE(st) << refused.output();
    EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 3) << *st;
    EXPECT_NE(refused.output().find("Error: permission denied"), std::string::npos)
        << refused.output();
    std::string line = "refused the console socket for uid " +
                       std::to_string(users.uid("xcnopriv")) + " pid " +
                       std::to_string(refused.pid());
    ASSERT_TRUE(eventually([&] { return console_log().find(line) != std::string::npos; }))
        << console_log();
    EXPECT_EQ(count(console_log(), "refused the console socket"), 1u) << console_log();

    Terminal admin({"/usr/bin/setpriv", "--reuid=xcadmin", "--regid=nogroup", "--init-groups", XM,
                    "console", "guarded"},
                   env(), Terminal::Kind::kPipes);
    ASSERT_TRUE(admin.expect("console ready")) << admin.output();
    admin.type("echo member\n");  // stdin is not a terminal: a script
    EXPECT_TRUE(admin.expect("member\n")) << admin.output();
    // The end of a script's input leaves the output flowing: xm is still
    // there to report the domain's end.
    admin.close_input();
    ASSERT_TRUE(hv_->domain_destroy(dom));
    auto done = admin.wait();
    ASSERT_TRUE(done) << admin.output();
    EXPECT_TRUE(WIFEXITED(*done) && WEXITSTATUS(*done) == 2) << admin.output();
    EXPECT_NE(admin.output().find("(guarded) is gone"), std::string::npos) << admin.output();
}

TEST_F(ConsoleStack, FloodingGuestsDoNotStarveAnInteractiveOne) {
    DomId a = boot_guest("flood-a");
    DomId b = boot_guest("flood-b");
    DomId c = boot_guest("calm");
    for (DomId d : {a, b, c}) ASSERT_TRUE(booted(d));
    // The flooders' clients never read: their buffers fill and discard.
    Terminal fa(xm({"console", "flood-a"}), env(), Terminal::Kind::kPipes);
    Terminal fb(xm({"console", "flood-b"}), env(), Terminal::Kind::kPipes);
    ASSERT_TRUE(fa.expect("console ready") && fb.expect("console ready"));
    Terminal calm(xm({"console", "calm"}), env());
    ASSERT_TRUE(calm.expect("console ready")) << calm.output();
    fa.type("spew 2\n");
    fb.type("spew 2\n");
    ASSERT_TRUE(eventually([&] { return guest_log("flood-a").size() > 64 * 1024; }));
    std::chrono::milliseconds worst{0};
    for (int i = 0; i < 10; ++i) {
        std::string word = "ping-" + std::to_string(i);
        auto t0 = std::chrono::steady_clock::now();
        calm.type("echo " + word + "\r");
        ASSERT_TRUE(calm.expect(word + "\n", 10s)) << i << ": " << calm.output();
        worst = std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - t0));
    }
    std::printf("worst interactive round trip during the flood: %lld ms\n",
                static_cast<long long>(worst.count()));
    std::printf("flood-a log after the pings: %zu bytes\n", guest_log("flood-a").size());
    // The flood ends up whole in the logs (2 MiB = 32768 lines of 64 bytes).
    for (const char* g : {"flood-a", "flood-b"})
        EXPECT_TRUE(eventually([&] { return guest_log(g).find("spew 00032768 ") != std::string::npos; },
                               90s))
            << g << ": " << guest_log(g).size() << " bytes\n" << console_log();
    EXPECT_GE(guest_log("flood-a").size(), 2u << 20);
    // Memory stayed bounded: per domain at most its limit for the pty,
    // its limit per client and the history.
    std::string rss = proc_status(xenconsoled())["VmRSS"];
    long kib = std::stol(rss);
    std::printf("xenconsoled VmRSS after the flood: %ld KiB\n", kib);
    EXPECT_LT(kib, 48 * 1024) << rss;
    EXPECT_NE(console_log().find("does not keep up"), std::string::npos) << console_log();
}

TEST_F(ConsoleStack, RefreshReopensLogsAndTakesNewSettingsOrKeepsTheOld) {
    DomId dom = boot_guest("rot");
    ASSERT_TRUE(booted(dom));
    std::string log = path("/var/log/xen/console/guest-rot.log");
    ASSERT_TRUE(eventually([&] { return read_file(log).find("registered at") != std::string::npos; }));
    ASSERT_EQ(::rename(log.c_str(), (log + ".0").c_str()), 0);
    auto o = svccfg({"-s", "xctl/console", "setprop", "config/timestamp", "=", "astring:", "guest"});
    ASSERT_EQ(o.status, 0) << o.err;
    ASSERT_EQ(svcadm({"refresh", "xctl/console"}).status, 0);
    ASSERT_TRUE(eventually([&] { return console_log().find("timestamp guest") != std::string::npos; }))
        << console_log();
    Terminal t(xm({"console", "rot"}), env(), Terminal::Kind::kPipes);
    t.type("echo rotated\n");
    ASSERT_TRUE(eventually([&] { return read_file(log).find("] rotated\n") != std::string::npos; }))
        << read_file(log);
    EXPECT_NE(read_file(log).find("] Logfile Opened\n"), std::string::npos);
    EXPECT_NE(read_file(log + ".0").find("booting"), std::string::npos);
    EXPECT_EQ(read_file(log + ".0").find("rotated"), std::string::npos);

    // A bad value: named with its property and what is allowed; the
    // running settings stay (timestamps go on).
    o = svccfg({"-s", "xctl/console", "setprop", "config/timestamp", "=", "astring:", "sometimes"});
    ASSERT_EQ(o.status, 0) << o.err;
    ASSERT_EQ(svcadm({"refresh", "xctl/console"}).status, 0);
    ASSERT_TRUE(eventually([&] {
        return console_log().find("previous configuration stays in force") != std::string::npos;
    })) << console_log();
    std::string cl = console_log();
    EXPECT_NE(cl.find("config/timestamp"), std::string::npos) << cl;
    EXPECT_NE(cl.find("sometimes"), std::string::npos) << cl;
    EXPECT_NE(cl.find("none"), std::string::npos) << cl;
    t.type("echo still\n");
    ASSERT_TRUE(eventually([&] { return read_file(log).find("] still\n") != std::string::npos; }))
        << read_file(log);
    EXPECT_EQ(state("xctl/console:default"), "online");
}

TEST_F(ConsoleStack, BadPropertyAtStartIsAConfigurationError) {
    ASSERT_EQ(svcadm({"disable", "-s", "xctl/console"}).status, 0);
    auto o = svccfg({"-s", "xctl/console", "setprop", "config/rate-limit-events", "=", "integer:", "0"});
    ASSERT_EQ(o.status, 0) << o.err;
    ASSERT_EQ(svccfg({"-s", "xctl/console", "refresh"}).status, 0);  // into the running snapshot
    ASSERT_EQ(svcadm({"enable", "xctl/console"}).status, 0);
    ASSERT_TRUE(reaches("xctl/console:default", "maintenance")) << console_log();
    std::string log = console_log();
    EXPECT_NE(log.find("config/rate-limit-events: 0 is not in 1..1000000"), std::string::npos) << log;
    EXPECT_NE(log.find("exited with status 96"), std::string::npos) << log;
}

TEST_F(ConsoleStack, ASecondClientIsAViewerUntilTheWriterLeaves) {
    boot_guest("shared");
    Terminal first(xm({"console", "shared"}), env());
    ASSERT_TRUE(first.expect("console ready")) << first.output();
    Terminal second(xm({"console", "shared"}), env());
    ASSERT_TRUE(second.expect("read-only: domain")) << second.output();
    second.type("echo from-second\r");  // a viewer's keys go nowhere
    first.mark();
    first.type("echo from-first\r");
    EXPECT_TRUE(first.expect("from-first\n")) << first.output();
    EXPECT_TRUE(second.expect("from-first\n")) << second.output();  // viewers see output
    first.type("\x1d");
    ASSERT_TRUE(first.wait());
    EXPECT_EQ(first.output().find("from-second"), std::string::npos) << first.output();
    ASSERT_TRUE(second.expect("you now have the keyboard")) << second.output();
    second.type("echo second-now\r");
    EXPECT_TRUE(second.expect("second-now\n")) << second.output();
}

TEST_F(ConsoleStack, AHostileRingIsIgnoredNotFollowed) {
    DomId dom = boot_guest("hostile");
    ASSERT_TRUE(booted(dom));
    Terminal t(xm({"console", "hostile"}), env());
    ASSERT_TRUE(t.expect("console ready")) << t.output();
    pid_t daemon = xenconsoled();
    // The guest's page, mapped here as any xvm_control holder can: the
    // output ring's consumer index is pushed past the producer, so the
    // ring claims four billion unread bytes.
    auto page = hv_->map_console_page(dom);
    ASSERT_TRUE(page) << page.error().message;
    auto* intf = static_cast<xencons_interface*>(page->data());
    std::uint32_t prod = intf->out_prod;
    intf->out_cons = prod + 100;
    t.type("echo poke\r");  // the guest reads it, notifies, and cannot answer
    ASSERT_TRUE(eventually([&] { return console_log().find("ring indices corrupt") != std::string::npos; }))
        << console_log();
    intf->out_cons = intf->out_prod;  // sane again
    t.mark();
    t.type("echo healed\r");
    EXPECT_TRUE(t.expect("healed\n")) << t.output() << console_log();
    EXPECT_EQ(count(console_log(), "ring indices corrupt"), 1u);
    EXPECT_EQ(xenconsoled(), daemon);
}

TEST_F(ConsoleStack, ProtocolAbuseGetsAnErrorAndChangesNothing) {
    DomId dom = boot_guest("abused");
    std::string sock = path("/var/run/xenconsoled/socket");
    auto exchange = [&](const std::string& bytes) -> std::string {
        auto fd = connect_unix(sock);
        EXPECT_TRUE(fd);
        if (!fd) return "";
        (void)!::write(fd->get(), bytes.data(), bytes.size());
        std::string in;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fd->get(), buf, sizeof buf)) > 0) in.append(buf, n);  // until closed
        return in;
    };
    auto error_of = [](const std::string& in) -> std::string {
        auto f = cons::parse_frame(in, cons::From::kDaemon);
        if (!f || !*f || (*f)->type != cons::MsgType::kError) return "no ERROR frame";
        auto e = cons::decode_error((*f)->payload);
        return e ? std::to_string(e->code) + " " + e->text : e.error().message;
    };
    auto header = [](std::uint32_t type, std::uint32_t len) {
        std::string h(8, '\0');
        std::memcpy(h.data(), &type, 4);
        std::memcpy(h.data() + 4, &len, 4);
        return h;
    };
    // A connection that never attaches is closed after its time budget;
    // it waits while the other checks run.
    auto silent = connect_unix(sock);
    ASSERT_TRUE(silent);
    EXPECT_NE(error_of(exchange(header(99, 0))).find("unknown message type 99"), std::string::npos);
    EXPECT_NE(error_of(exchange(header(1, 1u << 30))).find("outside"), std::string::npos);
    EXPECT_NE(error_of(exchange(header(2, 1) + "x")).find("INPUT before ATTACH"), std::string::npos);
    EXPECT_NE(error_of(exchange(cons::encode_attach({7, 0, "abused"}))).find("version 7"),
              std::string::npos);
    EXPECT_NE(error_of(exchange(cons::encode_attach({cons::kVersion, 0, "0"}))).find("Domain-0"),
              std::string::npos);
    std::string viewer_input = cons::encode_attach({cons::kVersion, cons::kAttachReadOnly, "abused"});
    cons::append_frame(viewer_input, cons::MsgType::kInput, "reboot\n");
    EXPECT_NE(exchange(viewer_input).find("read-only viewer: input refused"), std::string::npos);
    // A client forging guest output for others is refused by the framing.
    EXPECT_NE(error_of(exchange(header(static_cast<std::uint32_t>(cons::MsgType::kOutput), 1) + "x"))
                  .find("may not come from a client"),
              std::string::npos);
    std::string timed_out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(silent->get(), buf, sizeof buf)) > 0) timed_out.append(buf, n);
    EXPECT_NE(error_of(timed_out).find("no ATTACH within 10 s"), std::string::npos) << timed_out;
    // The guest never saw any of it, and a real client still works.
    auto info = hv_->domain_info(dom);
    ASSERT_TRUE(info);
    EXPECT_FALSE(info->shutdown);
    Terminal t(xm({"console", "abused"}), env());
    ASSERT_TRUE(t.expect("console ready")) << t.output();
    t.type("echo fine\r");
    EXPECT_TRUE(t.expect("fine\n")) << t.output();
}

TEST_F(ConsoleStack, NamesAreResolvedThroughTheStoreAndAClaimedNameNamesNoOne) {
    DomId a = boot_guest("twin");
    DomId b = boot_guest("other");
    ASSERT_TRUE(booted(a) && booted(b));
    auto o = capture(xm({"console", "nosuch"}), env());
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "Error: Domain 'nosuch' does not exist.\n");
    // A guest owns its store directory and can claim another's name (and
    // fire its console watch): the name then resolves to neither.
    ASSERT_TRUE(xs_->write(home(b) + "/name", "twin"));
    ASSERT_TRUE(xs_->write(home(b) + "/console/limit", "1048576"));
    ASSERT_TRUE(eventually([&] {
        auto r = capture(xm({"console", "twin"}), env());
        return r.status == 1 && r.err.find("is claimed by domains") != std::string::npos;
    })) << console_log();
    o = capture(xm({"console", "0"}), env());
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.err.find("Domain-0"), std::string::npos) << o.err;
    // By id it still works.
    Terminal t(xm({"console", std::to_string(a)}), env());
    EXPECT_TRUE(t.expect("console ready")) << t.output();
}


TEST_F(ConsoleStack, ConsolesOutliveARestartOfTheStore) {
    DomId first = boot_guest("before");
    Terminal t(xm({"console", "before"}), env());
    ASSERT_TRUE(t.expect("console ready")) << t.output();
    pid_t daemon = xenconsoled();
    auto old = members("system/xctl/store:default");
    xs_.reset();
    ASSERT_EQ(svcadm({"restart", "xctl/store"}).status, 0);
    ASSERT_TRUE(eventually([&] { return runs_anew("system/xctl/store:default", old); }, 30s));
    xs_.emplace(path("/var/run/xenstored/socket"));
    ASSERT_TRUE(xs_->valid());
    // The session never paused ...
    t.mark();
    t.type("echo through\r");
    EXPECT_TRUE(t.expect("through\n")) << t.output();
    // ... xenconsoled found the store again and sees new guests.
    ASSERT_TRUE(eventually([&] {
        return console_log().find("connected to xenstored again") != std::string::npos;
    }, 30s)) << console_log();
    DomId second = boot_guest("after");
    Terminal u(xm({"console", "after"}), env());
    EXPECT_TRUE(u.expect("console ready")) << u.output() << console_log();
    EXPECT_EQ(xenconsoled(), daemon);
    EXPECT_NE(first, second);
}

}  // namespace
}  // namespace xvm::test
