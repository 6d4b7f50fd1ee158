// hvsim_bench - latency of the simulated hypervisor's hot paths, each as a
// ratio to a baseline measured in the same run on the same machine:
//   baseline   eventfd ping-pong between two processes (one wake-up each way)
//   console    a console round trip to a guest: type "echo x", wait for the
//              line - two event-channel notifications, ring reads and writes
//              on both sides and the guest's shell
//   create     domain create + destroy, never started (hvsim request path)
//   boot       create + unpause + banner on the console + destroy (a guest
//              process started through the launcher and killed)
// Run as root (hvsim is started as its service would be): see README.md.
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"
#include "tests/e2e/hv_peers.h"
#include "lib/xen/hypervisor.h"

using namespace std::chrono;
using namespace xvm;

namespace {

struct Stats {
    double median_us, p99_us;
};

Stats measure(int rounds, const std::function<void()>& once) {
    std::vector<double> us;
    for (int i = 0; i < rounds; ++i) {
        auto t0 = steady_clock::now();
        once();
        us.push_back(duration<double, std::micro>(steady_clock::now() - t0).count());
    }
    std::sort(us.begin(), us.end());
    return {us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)]};
}

void wait_fd(int fd) {
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, -1) < 0) {
    }
}

// Two processes bouncing one eventfd notification each way.
Stats eventfd_baseline(int rounds) {
    int ping = ::eventfd(0, 0), pong = ::eventfd(0, 0);
    pid_t child = ::fork();
    if (child == 0) {
        std::uint64_t v;
        for (int i = 0; i < rounds + 100; ++i) {
            if (::read(ping, &v, sizeof v) != sizeof v) ::_exit(1);
            v = 1;
            if (::write(pong, &v, sizeof v) != sizeof v) ::_exit(1);
        }
        ::_exit(0);
    }
    std::uint64_t v = 1;
    auto once = [&] {
        v = 1;
        (void)!::write(ping, &v, sizeof v);
        (void)!::read(pong, &v, sizeof v);
    };
    for (int i = 0; i < 100; ++i) once();  // warm-up
    Stats s = measure(rounds, once);
    ::waitpid(child, nullptr, 0);
    ::close(ping);
    ::close(pong);
    return s;
}

DomainConfig small(std::uint64_t mib) {
    DomainConfig c;
    c.memory_kib = mib * 1024;
    c.kernel = "/boot/vmlinuz";
    return c;
}

bool await_text(test::ConsolePeer& console, const std::string& text) {
    for (;;) {
        console.pump();
        auto at = console.text().find(text);
        if (at != std::string::npos) {
            console.text().erase(0, at + text.size());
            return true;
        }
        wait_fd(console.fd());
    }
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = argc > 1 ? std::atoi(argv[1]) : 2000;
    if (::geteuid() != 0) {
        std::fprintf(stderr, "hvsim_bench: run as root (it starts hvsim as its service would)\n");
        return 2;
    }
    test::TempRoot root;
    ::setenv("XVM_ROOT", root.path().c_str(), 1);
    test::Child hvsim = test::Child::spawn(
        {HVSIM_PROGRAM, "--guest", GUEST_PROGRAM, "--memory-mib", "65536", "--dom0-mib", "1024"},
        {{"XVM_ROOT", root.path()}}, root / "/hvsim.log");
    std::unique_ptr<Hypervisor> hv;
    test::eventually(
        [&] {
            auto h = open_hypervisor(Backend::kSim);
            if (h) hv = std::move(*h);
            return hv != nullptr;
        },
        seconds(10));
    if (!hv) {
        std::fprintf(stderr, "hvsim_bench: hvsim did not start:\n%s",
                     test::read_file(root / "/hvsim.log").c_str());
        return 1;
    }

    Stats base = eventfd_baseline(rounds);

    auto dom = hv->domain_create(small(16));
    auto console = test::ConsolePeer::attach(*hv, *dom);
    (void)hv->domain_unpause(*dom);
    await_text(*console, "type 'help'\n");
    auto echo = [&] {
        console->type("echo x\n");
        await_text(*console, "x\n");
    };
    for (int i = 0; i < 100; ++i) echo();
    Stats rtt = measure(rounds, echo);
    (void)hv->domain_destroy(*dom);

    Stats create = measure(rounds / 4, [&] {
        auto d = hv->domain_create(small(16));
        (void)hv->domain_destroy(*d);
    });
    Stats boot = measure(rounds / 20, [&] {
        auto d = hv->domain_create(small(16));
        auto c = test::ConsolePeer::attach(*hv, *d);
        (void)hv->domain_unpause(*d);
        await_text(*c, "booting");
        (void)hv->domain_destroy(*d);
    });

    std::printf("| measurement | median (us) | p99 (us) | median / baseline |\n");
    std::printf("|---|---:|---:|---:|\n");
    auto row = [&](const char* name, Stats s) {
        std::printf("| %s | %.1f | %.1f | %.1f |\n", name, s.median_us, s.p99_us,
                    s.median_us / base.median_us);
    };
    row("eventfd ping-pong, 2 processes (baseline)", base);
    row("console round trip to a guest (evtchn + rings + shell)", rtt);
    row("domain create + destroy (not started)", create);
    row("domain create + boot to banner + destroy", boot);
    hv.reset();
    hvsim.kill(SIGTERM);
    hvsim.wait();
    return 0;
}
