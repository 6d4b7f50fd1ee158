// End-to-end tests of the simulated hypervisor: the real hvsim daemon (as
// root, dropping to xvm), real guest processes, the real client library.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "tests/e2e/hv_peers.h"
#include "lib/xen/hv_proto.h"
#include "tests/e2e/hvsim_fixture.h"
#include "lib/base/unix_socket.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

class HvsimE2E : public HvsimFixture {
  protected:
    // After an operation: the subscription fired (its fd became readable
    // within 5 s, then acked), and the domain's entry in the domain list
    // satisfies `pred`.
    void expect_event_and_listed(DomId dom, const std::function<bool(const DomainInfo&)>& pred) {
        pollfd p{events_->fd(), POLLIN, 0};
        ASSERT_EQ(::poll(&p, 1, 5000), 1) << "no state-change event";
        ASSERT_TRUE(events_->ack());
        auto list = hv_->domain_list();
        ASSERT_TRUE(list);
        auto it = std::find_if(list->begin(), list->end(),
                               [&](const DomainInfo& i) { return i.domid == dom; });
        ASSERT_NE(it, list->end()) << "domain " << dom << " not listed";
        EXPECT_TRUE(pred(*it)) << "listed state of domain " << dom;
    }
};

TEST_F(HvsimE2E, LifecycleSeenInInfoListAndSubscription) {
    auto phys = hv_->physinfo();
    ASSERT_TRUE(phys);
    EXPECT_EQ(phys->nr_cpus, 2u);
    EXPECT_EQ(phys->total_kib, 1024u * 1024);
    EXPECT_EQ(phys->free_kib, 512u * 1024);

    (void)events_->ack();
    DomainConfig c = config(64);
    c.ssidref = 0x10002;  // an ACM label reference, kept and reported as given
    c.hvm = true;
    auto dom = hv_->domain_create(c);
    ASSERT_TRUE(dom) << dom.error().message;
    // The subscription fired for the create.
    pollfd p{events_->fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 5000), 1);
    auto info = hv_->domain_info(*dom);
    ASSERT_TRUE(info);
    EXPECT_TRUE(info->paused);
    EXPECT_FALSE(info->running || info->blocked || info->shutdown);
    EXPECT_EQ(info->memory_kib, 64u * 1024);
    EXPECT_EQ(info->uuid[0], 0x42);
    EXPECT_EQ(info->ssidref, 0x10002u);
    EXPECT_TRUE(info->hvm);
    EXPECT_NE(info->store_port, 0u);
    EXPECT_NE(info->console_port, info->store_port);
    EXPECT_EQ(hv_->physinfo()->free_kib, 448u * 1024);

    auto list = hv_->domain_list();
    ASSERT_TRUE(list);
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].domid, kDom0);
    EXPECT_EQ((*list)[0].memory_kib, 512u * 1024);
    EXPECT_EQ((*list)[1].domid, *dom);

    ASSERT_TRUE(events_->ack());
    ASSERT_TRUE(hv_->domain_unpause(*dom));
    expect_event_and_listed(*dom, [](const DomainInfo& i) { return !i.paused && !i.shutdown; });
    ASSERT_TRUE(wait_state(
        *dom, [](const DomainInfo& i) { return (i.running || i.blocked) && !i.paused; }));
    pid_t pid = -1;  // found once the launcher's child has exec'd the guest
    ASSERT_TRUE(eventually([&] { return (pid = guest_pid(*dom)) > 0; }, 5s));

    ASSERT_TRUE(events_->ack());
    ASSERT_TRUE(hv_->domain_pause(*dom));
    expect_event_and_listed(
        *dom, [](const DomainInfo& i) { return i.paused && !i.running && !i.blocked; });
    ASSERT_TRUE(wait_state(*dom, [](const DomainInfo& i) { return i.paused && !i.running; }));
    EXPECT_TRUE(eventually([&] { return proc_status(pid)["State"].rfind("T", 0) == 0; }, 5s))
        << "a paused guest process is stopped";

    ASSERT_TRUE(events_->ack());
    ASSERT_TRUE(hv_->domain_unpause(*dom));
    expect_event_and_listed(*dom, [](const DomainInfo& i) { return !i.paused; });
    ASSERT_TRUE(wait_state(*dom, [](const DomainInfo& i) { return !i.paused; }));

    ASSERT_TRUE(events_->ack());
    ASSERT_TRUE(hv_->domain_shutdown(*dom, ShutdownReason::kReboot));
    expect_event_and_listed(*dom, [](const DomainInfo& i) {
        return i.shutdown && i.shutdown_reason == ShutdownReason::kReboot && !i.running;
    });
    ASSERT_TRUE(wait_state(*dom, [](const DomainInfo& i) {
        return i.shutdown && i.shutdown_reason == ShutdownReason::kReboot && !i.crashed;
    }));
    EXPECT_TRUE(eventually([&] { return guest_pid(*dom) < 0; }, 5s)) << "shut down means stopped";
    EXPECT_EQ(hv_->physinfo()->free_kib, 448u * 1024) << "memory stays until destroy";

    (void)events_->ack();
    ASSERT_TRUE(hv_->domain_destroy(*dom));
    ASSERT_EQ(::poll(&p, 1, 5000), 1);
    auto gone = hv_->domain_info(*dom);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, ESRCH);
    EXPECT_EQ(hv_->domain_list()->size(), 1u);
    EXPECT_EQ(hv_->physinfo()->free_kib, 512u * 1024);
    auto again = hv_->domain_destroy(*dom);
    EXPECT_EQ(again.error().code, ESRCH);
}

TEST_F(HvsimE2E, BannerOnConsoleAndShellAcrossProcesses) {
    auto dom = hv_->domain_create(config(32, "/boot/vmlinuz-test", "quiet"));
    ASSERT_TRUE(dom);
    auto console = ConsolePeer::attach(*hv_, *dom);
    ASSERT_TRUE(console) << console.error().message;
    ASSERT_TRUE(hv_->domain_unpause(*dom));
    auto has = [&](const std::string& s) {
        return eventually(
            [&] {
                console->pump();
                return console->text().find(s) != std::string::npos;
            },
            10s, console->fd());
    };
    ASSERT_TRUE(has("xvm-guest 1.0: domain " + std::to_string(*dom) +
                    " booting (kernel "
                    "'/boot/vmlinuz-test', extra 'quiet', 32768 KiB, 1 vcpus)"))
        << console->text();
    ASSERT_TRUE(has("console ready"));
    console->type("echo hello from dom0\n");
    ASSERT_TRUE(has("\nhello from dom0\n")) << console->text();
    console->type("uname\n");
    ASSERT_TRUE(has("xvm-guest 1.0 domain " + std::to_string(*dom)));
    console->type("frobnicate\n");
    ASSERT_TRUE(has("frobnicate: command not found"));
    console->type("mem\n");
    ASSERT_TRUE(has("memory: 32768 KiB"));

    // Bulk output: exactly 1 MiB flows through the 2 KiB ring.
    console->keep_text(false);
    std::uint64_t before = console->bytes();
    console->type("spew 1\n");
    ASSERT_TRUE(eventually(
        [&] {
            console->pump();
            return console->bytes() - before >= (1u << 20);
        },
        20s, console->fd()));
    EXPECT_EQ(console->bytes() - before, 1u << 20);

    console->keep_text(true);
    console->type("halt\n");
    ASSERT_TRUE(wait_state(*dom, [](const DomainInfo& i) {
        return i.shutdown && i.shutdown_reason == ShutdownReason::kPoweroff;
    }));
}

TEST_F(HvsimE2E, XenstorePeerTalksToTheGuestAndShutsItDown) {
    auto dom = hv_->domain_create(config(64));
    ASSERT_TRUE(dom);
    auto xs = XenstorePeer::attach(*hv_, *dom);
    ASSERT_TRUE(xs) << xs.error().message;
    std::string path = "/local/domain/" + std::to_string(*dom);
    ASSERT_TRUE(hv_->domain_unpause(*dom));
    auto serve_until = [&](const std::function<bool()>& done) {
        return eventually([&] { return xs->pump() && done(); }, 10s, xs->fd());
    };
    ASSERT_TRUE(serve_until([&] { return xs->store().count(path + "/data/booted") == 1; }));
    EXPECT_EQ(xs->seen().front(), "GET_DOMAIN_PATH");
    EXPECT_EQ(xs->store()[path + "/control/feature-poweroff"], "1");
    EXPECT_EQ(xs->store()[path + "/control/feature-suspend"], "1");
    EXPECT_EQ(xs->store()[path + "/memory/actual"], "65536");

    // Balloon: the guest follows memory/target and hvsim's accounting too.
    xs->set(path + "/memory/target", "49152");
    ASSERT_TRUE(serve_until([&] { return xs->store()[path + "/memory/actual"] == "49152"; }));
    ASSERT_TRUE(wait_state(*dom, [](const DomainInfo& i) { return i.memory_kib == 49152; }));
    EXPECT_EQ(hv_->physinfo()->free_kib, (512u - 48u) * 1024);
    // Beyond its maximum (= its initial 64 MiB): refused, and the guest
    // neither claims it nor changes hvsim's accounting.
    auto console = ConsolePeer::attach(*hv_, *dom);
    ASSERT_TRUE(console);
    xs->set(path + "/memory/target", "131072");
    ASSERT_TRUE(eventually(
        [&] {
            xs->pump();
            console->pump();
            return console->text().find(
                       "the hypervisor refused 131072 KiB; staying at 49152 KiB") !=
                   std::string::npos;
        },
        10s, console->fd()))
        << console->text();
    EXPECT_EQ(xs->store()[path + "/memory/actual"], "49152");
    EXPECT_EQ(hv_->domain_info(*dom)->memory_kib, 49152u);

    xs->set(path + "/control/shutdown", "poweroff");
    ASSERT_TRUE(serve_until([&] {
        auto i = hv_->domain_info(*dom);
        return i && i->shutdown;
    }));
    auto info = hv_->domain_info(*dom);
    EXPECT_EQ(info->shutdown_reason, ShutdownReason::kPoweroff);
    EXPECT_EQ(xs->store()[path + "/control/shutdown"], "") << "the guest acknowledges";
}

// Every control/shutdown request a guest obeys ends in the matching reason.
TEST_F(HvsimE2E, ShutdownRequestsMapToReasons) {
    const std::pair<const char*, ShutdownReason> cases[] = {
        {"halt", ShutdownReason::kPoweroff},
        {"reboot", ShutdownReason::kReboot},
        {"suspend", ShutdownReason::kSuspend},
        {"crash", ShutdownReason::kCrash},
    };
    for (const auto& [request, reason] : cases) {
        auto dom = hv_->domain_create(config(16));
        ASSERT_TRUE(dom);
        auto xs = XenstorePeer::attach(*hv_, *dom);
        ASSERT_TRUE(xs);
        ASSERT_TRUE(hv_->domain_unpause(*dom));
        std::string path = "/local/domain/" + std::to_string(*dom);
        ASSERT_TRUE(eventually(
            [&] { return xs->pump() && xs->store().count(path + "/data/booted"); }, 10s, xs->fd()));
        xs->set(path + "/control/shutdown", request);
        ASSERT_TRUE(eventually(
            [&] {
                xs->pump();
                auto i = hv_->domain_info(*dom);
                return i && i->shutdown;
            },
            10s, xs->fd()))
            << request;
        auto info = hv_->domain_info(*dom);
        EXPECT_EQ(info->shutdown_reason, reason) << request;
        EXPECT_EQ(info->crashed, reason == ShutdownReason::kCrash) << request;
        ASSERT_TRUE(hv_->domain_destroy(*dom));
    }
}

TEST_F(HvsimE2E, IgnoreShutdownBehaviourIgnores) {
    auto dom = hv_->domain_create(config(32, "/boot/vmlinuz", "ignore-shutdown"));
    ASSERT_TRUE(dom);
    auto xs = XenstorePeer::attach(*hv_, *dom);
    auto console = ConsolePeer::attach(*hv_, *dom);
    ASSERT_TRUE(xs && console);
    ASSERT_TRUE(hv_->domain_unpause(*dom));
    std::string path = "/local/domain/" + std::to_string(*dom);
    ASSERT_TRUE(eventually([&] { return xs->pump() && xs->store().count(path + "/data/booted"); },
                           10s, xs->fd()));
    xs->set(path + "/control/shutdown", "reboot");
    ASSERT_TRUE(eventually(
        [&] {
            xs->pump();
            console->pump();
            return console->text().find("ignoring shutdown request 'reboot'") != std::string::npos;
        },
        10s, console->fd()));
    EXPECT_FALSE(hv_->domain_info(*dom)->shutdown);
}

TEST_F(HvsimE2E, CrashOnBootAndDyingGuestAreCrashed) {
    auto crash = hv_->domain_create(config(16, "/boot/crash-on-boot"));
    auto die = hv_->domain_create(config(16, "/boot/vmlinuz", "die-on-boot"));
    ASSERT_TRUE(crash && die);
    ASSERT_TRUE(hv_->domain_unpause(*crash));
    ASSERT_TRUE(hv_->domain_unpause(*die));
    for (DomId d : {*crash, *die})
        ASSERT_TRUE(wait_state(d, [](const DomainInfo& i) {
            return i.shutdown && i.crashed && i.shutdown_reason == ShutdownReason::kCrash;
        })) << d;
    EXPECT_NE(log().find("ended without shutting down: crashed"), std::string::npos);
}

TEST_F(HvsimE2E, MemoryExhaustionIsEnomemWithAClearMessage) {
    auto big = hv_->domain_create(config(600));
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, ENOMEM);
    EXPECT_EQ(big.error().message,
              "cannot create domain: 614400 KiB of memory requested but only 524288 KiB of "
              "1048576 KiB are free");
    EXPECT_EQ(hv_->domain_list()->size(), 1u) << "nothing changed";
    // dom0 balloons down (xend's dom0-min-mem) and then it fits.
    ASSERT_TRUE(hv_->set_memory_target(kDom0, 256 * 1024));
    auto fits = hv_->domain_create(config(600));
    ASSERT_TRUE(fits) << fits.error().message;
    EXPECT_EQ(hv_->physinfo()->free_kib, (1024u - 256 - 600) * 1024);
}

TEST_F(HvsimE2E, EventChannelRefusalsAndVcpus) {
    auto dom = hv_->domain_create(config(16));
    ASSERT_TRUE(dom);
    auto info = hv_->domain_info(*dom);
    auto first = hv_->evtchn_bind_interdomain(*dom, info->store_port);
    ASSERT_TRUE(first);
    auto twice = hv_->evtchn_bind_interdomain(*dom, info->store_port);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, EBUSY);
    EXPECT_EQ(hv_->evtchn_bind_interdomain(*dom, 999).error().code, EINVAL);
    auto port = hv_->evtchn_alloc_unbound(*dom, kDom0);
    ASSERT_TRUE(port);
    auto bound = hv_->evtchn_bind_interdomain(*dom, *port);
    ASSERT_TRUE(bound);
    EXPECT_EQ(hv_->evtchn_alloc_unbound(4242, kDom0).error().code, ESRCH);

    ASSERT_TRUE(hv_->set_vcpu_affinity(*dom, 0, {1}));
    auto vcpus = hv_->vcpu_info(*dom);
    ASSERT_TRUE(vcpus);
    ASSERT_EQ(vcpus->size(), 1u);
    EXPECT_EQ((*vcpus)[0].affinity, (std::vector<std::uint32_t>{1}));
    EXPECT_EQ((*vcpus)[0].cpu, 1);  // an online vcpu is on a CPU of its affinity
    auto bad = hv_->set_vcpu_affinity(*dom, 0, {7});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("the host has CPUs 0..1"), std::string::npos);
}

TEST_F(HvsimE2E, DaemonAndGuestIdentities) {
    EXPECT_EQ(identity_mismatch(hvsim_->pid(), "hvsim"), "");
    pid_t launcher = launcher_pid();
    ASSERT_GT(launcher, 0);
    EXPECT_EQ(identity_mismatch(launcher, "hvsim-launcher"), "");

    auto dom = hv_->domain_create(config(16));
    ASSERT_TRUE(dom);
    ASSERT_TRUE(hv_->domain_unpause(*dom));
    pid_t pid = -1;
    ASSERT_TRUE(eventually([&] { return (pid = guest_pid(*dom)) > 0; }, 5s));
    auto g = proc_status(pid);
    EXPECT_EQ(g["Uid"], "65534\t65534\t65534\t65534");
    EXPECT_EQ(g["Gid"], "65534\t65534\t65534\t65534");
    EXPECT_EQ(g["Groups"], "");
    EXPECT_EQ(g["CapEff"], "0000000000000000");
    EXPECT_EQ(g["CapPrm"], "0000000000000000");
    EXPECT_EQ(g["NoNewPrivs"], "1");
}

// Connects as `user` from a forked child; returns "code message".
std::string open_as(const std::string& user) {
    int fds[2];
    if (::pipe(fds) < 0) return "pipe failed";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        struct passwd* pw = ::getpwnam(user.c_str());
        if (pw == nullptr || ::initgroups(user.c_str(), pw->pw_gid) < 0 ||
            ::setgid(pw->pw_gid) < 0 || ::setuid(pw->pw_uid) < 0)
            ::_exit(3);
        auto hv = open_hypervisor(Backend::kSim);
        std::string answer =
            hv ? "0 ok" : std::to_string(hv.error().code) + " " + hv.error().message;
        (void)!::write(fds[1], answer.data(), answer.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string answer;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) answer.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    ::waitpid(pid, nullptr, 0);
    return answer;
}

TEST_F(HvsimE2E, PeerWithoutXvmControlIsRefused) {
    TestUsers users;
    users.add("xvmh-none", "");
    users.add("xvmh-ctl", "xvm");
    std::string refused = open_as("xvmh-none");
    EXPECT_EQ(refused.rfind(std::to_string(EPERM) + " ", 0), 0u) << refused;
    EXPECT_NE(refused.find("hvsim answers only peers holding xvm_control"), std::string::npos)
        << refused;
    EXPECT_EQ(open_as("xvmh-ctl"), "0 ok");
    std::string uid = std::to_string(users.uid("xvmh-none"));
    EXPECT_TRUE(eventually([&] { return log().find("uid " + uid) != std::string::npos; }, 5s))
        << log();
}

TEST_F(HvsimE2E, CoreDumpSaveAndRestore) {
    auto dom = hv_->domain_create(config(8));
    ASSERT_TRUE(dom);
    auto console = ConsolePeer::attach(*hv_, *dom);
    ASSERT_TRUE(console);
    ASSERT_TRUE(hv_->domain_unpause(*dom));
    ASSERT_TRUE(eventually(
        [&] {
            console->pump();
            return console->text().find("console ready") != std::string::npos;
        },
        10s, console->fd()));
    std::string core = root_ / "/core.dump";
    {
        UniqueFd out(::open(core.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        ASSERT_TRUE(out);
        ASSERT_TRUE(hv_->core_dump(*dom, out.get()));
    }
    std::string dump = read_file(core);
    ASSERT_GT(dump.size(), 8u * 1024 * 1024);
    EXPECT_EQ(dump.substr(4, 8), "XVMHVDMP");
    EXPECT_NE(dump.find("booting"), std::string::npos) << "the console page is in the dump";

    std::string saved = root_ / "/saved.img";
    ASSERT_TRUE(hv_->save(*dom, saved));
    EXPECT_EQ(hv_->domain_info(*dom).error().code, ESRCH) << "save ends the domain";
    auto restored = hv_->restore(saved);
    ASSERT_TRUE(restored) << restored.error().message;
    auto info = hv_->domain_info(*restored);
    ASSERT_TRUE(info);
    EXPECT_TRUE(info->paused);
    EXPECT_EQ(info->memory_kib, 8u * 1024);
    auto again = ConsolePeer::attach(*hv_, *restored);
    ASSERT_TRUE(again);
    ASSERT_TRUE(hv_->domain_unpause(*restored));
    ASSERT_TRUE(eventually(
        [&] {
            again->pump();
            return again->text().find("resumed (boot 2") != std::string::npos;
        },
        10s, again->fd()))
        << again->text();

    int fd = ::open((root_ / "/garbage").c_str(), O_WRONLY | O_CREAT, 0600);
    ASSERT_EQ(::write(fd, "nonsense-nonsense", 17), 17);
    ::close(fd);
    auto bad = hv_->restore(root_ / "/garbage");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("cannot restore"), std::string::npos) << bad.error().message;
    EXPECT_EQ(hv_->domain_list()->size(), 2u) << "a bad image changes nothing";
}

// Reads one reply frame from a raw connection: {code, payload}, or code -1
// when the connection closed.
std::pair<int, std::string> raw_reply(int fd) {
    std::string in;
    char buf[4096];
    for (;;) {
        auto frame = hv_parse_frame(in);
        if (frame && *frame)
            return {static_cast<int>((*frame)->code), std::string((*frame)->payload)};
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 5000) != 1) return {-2, "timeout"};
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return {-1, "closed"};
        in.append(buf, static_cast<std::size_t>(n));
    }
}

TEST_F(HvsimE2E, BadRequestsGetErrorsAndBrokenFramingDisconnects) {
    auto fd = connect_unix(root_ / "/var/run/xvm/hvsim.sock");
    ASSERT_TRUE(fd);
    std::string frame;
    hv_append_frame(frame, static_cast<std::uint32_t>(HvOp::kSetMaxMemory), std::string(4, '\0'));
    ASSERT_EQ(::write(fd->get(), frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
    auto [code, message] = raw_reply(fd->get());
    EXPECT_EQ(code, EINVAL);
    EXPECT_EQ(message, "SET_MAX_MEMORY request: payload ends before field kib");
    frame.clear();
    hv_append_frame(frame, 4711, "");
    ASSERT_EQ(::write(fd->get(), frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
    EXPECT_EQ(raw_reply(fd->get()).first, ENOSYS);
    // Still served after bad requests.
    frame.clear();
    hv_append_frame(frame, static_cast<std::uint32_t>(HvOp::kPhysinfo), "");
    ASSERT_EQ(::write(fd->get(), frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
    EXPECT_EQ(raw_reply(fd->get()).first, 0);
    // A frame longer than the protocol allows ends the connection.
    std::uint32_t header[2] = {1, kHvMaxPayload + 1};
    ASSERT_EQ(::write(fd->get(), header, sizeof header), static_cast<ssize_t>(sizeof header));
    EXPECT_EQ(raw_reply(fd->get()).first, -1);
    EXPECT_TRUE(eventually([&] { return log().find("broke framing") != std::string::npos; }, 5s));
    EXPECT_NE(log().find("bad request from uid 0"), std::string::npos);
    EXPECT_TRUE(hv_->physinfo()) << "other clients are unaffected";
}

// hvsim restart: documented clean failure. Guests die with hvsim; a new
// hvsim starts with an empty table and a clean state directory.
// svcadm refresh xctl/hvsim is `:kill -HUP` to every process of the
// service's contract: hvsim refreshes; its launcher and guests ignore it
// (they have nothing to refresh) and live on.
TEST_F(HvsimE2E, AHangupToEveryProcessOfTheServiceIsOnlyARefresh) {
    auto dom = hv_->domain_create(config(16));
    ASSERT_TRUE(dom);
    ASSERT_TRUE(hv_->domain_unpause(*dom));
    pid_t guest = -1;
    ASSERT_TRUE(eventually([&] { return (guest = guest_pid(*dom)) > 0; }, 5s));
    pid_t launcher = launcher_pid();
    ASSERT_GT(launcher, 0);
    auto ignores_hup = [](pid_t pid) {
        std::string mask = proc_status(pid)["SigIgn"];
        return !mask.empty() && ((std::stoull(mask, nullptr, 16) >> (SIGHUP - 1)) & 1) == 1;
    };
    EXPECT_TRUE(ignores_hup(launcher));
    EXPECT_TRUE(ignores_hup(guest));
    for (pid_t p : {hvsim_->pid(), launcher, guest}) ASSERT_EQ(::kill(p, SIGHUP), 0);
    ASSERT_TRUE(eventually([&] { return log().find("refresh: ") != std::string::npos; })) << log();
    // The launcher still serves: a second guest starts.
    auto second = hv_->domain_create(config(16));
    ASSERT_TRUE(second) << second.error().message;
    ASSERT_TRUE(hv_->domain_unpause(*second));
    EXPECT_TRUE(eventually([&] { return guest_pid(*second) > 0; }, 5s)) << log();
    EXPECT_EQ(launcher_pid(), launcher);
    EXPECT_EQ(guest_pid(*dom), guest);
    auto info = hv_->domain_info(*dom);
    ASSERT_TRUE(info);
    EXPECT_FALSE(info->crashed || info->shutdown) << log();
}

TEST_F(HvsimE2E, RestartEndsGuestsCleanly) {
    auto dom = hv_->domain_create(config(16));
    ASSERT_TRUE(dom);
    ASSERT_TRUE(hv_->domain_unpause(*dom));
    ASSERT_TRUE(eventually([&] { return guest_pid(*dom) > 0; }, 5s));
    events_.reset();
    hv_.reset();
    hvsim_->kill(SIGKILL);  // not even a clean stop
    hvsim_->wait();
    hvsim_.reset();
    EXPECT_TRUE(eventually([&] { return guest_pid(*dom) < 0; }, 5s)) << "guest outlived hvsim";
    start_hvsim();
    ASSERT_NE(hv_, nullptr);
    auto list = hv_->domain_list();
    ASSERT_TRUE(list);
    EXPECT_EQ(list->size(), 1u);
    EXPECT_EQ(hv_->physinfo()->free_kib, 512u * 1024);
    auto ev = hv_->subscribe_domain_events();
    ASSERT_TRUE(ev);
    events_ = std::move(*ev);
}

}  // namespace
}  // namespace xvm::test
