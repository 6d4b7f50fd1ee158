// console_bench - xenconsoled's two hot paths, each against baselines
// measured in the same run on the same machine (bench/README.md):
//
//   throughput  a guest's `spew N` (N MiB of 64-byte lines) from its
//               console ring to a client attached over the console socket,
//               against
//                 - a plain pipe copy of the same bytes between two
//                   processes, in 64 KiB writes (as cat) and in 2 KiB
//                   writes (the ring's size);
//                 - the same guest ring read directly by this process (no
//                   daemon, no socket, no rate limit): the floor of any
//                   console daemon, set by the 2 KiB ring and a wake-up of
//                   each side per ring;
//               with Xen's rate limit (30 per 200 ms) and with it raised.
//   keystroke   `echo x` typed by a client and its answer back, against the
//               eventfd ping-pong of two processes (one wake-up each way)
//               and the direct ring round trip of hvsim_bench.
//
// Wall time and CPU time (of xenconsoled, from /proc/PID/stat) are both
// reported: on a shared machine CPU time is the steadier number.
//   sudo ./build/bench/console_bench [MiB] [rounds] [repeats]
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
#include <optional>
#include <string>
#include <vector>

#include "lib/base/unix_socket.h"
#include "lib/xen/console_proto.h"
#include "lib/xen/hypervisor.h"
#include "lib/xen/xs_wire.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/hv_peers.h"
#include "tests/e2e/xs_harness.h"

using namespace std::chrono;
using namespace xvm;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double p99(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, v.size() * 99 / 100)];
}

// CPU time a process has used, in microseconds: the scheduler's own
// nanosecond count (/proc/PID/schedstat), not stat(5)'s 10 ms ticks.
double cpu_us(pid_t pid) {
    std::string text = test::read_file("/proc/" + std::to_string(pid) + "/schedstat");
    return text.empty() ? 0 : std::stod(text.substr(0, text.find(' '))) / 1000.0;
}

void wait_fd(int fd) {
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, -1) < 0) {
    }
}

// The guest's spew text for `bytes` bytes (cmd/xvm-guest/console.cpp).
std::string spew_text(std::size_t bytes) {
    std::string out;
    out.reserve(bytes);
    for (unsigned long long line = 1; out.size() < bytes; ++line) {
        char buf[65];
        std::snprintf(buf, sizeof buf, "spew %08llu %s\n", line % 100000000,
                      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        out.append(buf, std::min<std::size_t>(64, bytes - out.size()));
    }
    return out;
}

// Two processes, one pipe, writes of `chunk` bytes: seconds for the text.
double pipe_copy(const std::string& text, std::size_t chunk) {
    int p[2];
    if (::pipe(p) < 0) return 0;
    auto t0 = steady_clock::now();
    pid_t child = ::fork();
    if (child == 0) {
        ::close(p[0]);
        std::string_view rest = text;
        while (!rest.empty()) {
            ssize_t n = ::write(p[1], rest.data(), std::min(rest.size(), chunk));
            if (n <= 0) ::_exit(1);
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        ::_exit(0);
    }
    ::close(p[1]);
    std::vector<char> buf(65536);
    std::size_t got = 0;
    ssize_t n;
    while ((n = ::read(p[0], buf.data(), buf.size())) > 0) got += static_cast<std::size_t>(n);
    ::close(p[0]);
    ::waitpid(child, nullptr, 0);
    return duration<double>(steady_clock::now() - t0).count();
}

// Two processes bouncing one eventfd notification each way: microseconds.
std::vector<double> eventfd_pingpong(int rounds) {
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
    std::vector<double> us;
    for (int i = 0; i < rounds + 100; ++i) {
        auto t0 = steady_clock::now();
        std::uint64_t v = 1;
        (void)!::write(ping, &v, sizeof v);
        (void)!::read(pong, &v, sizeof v);
        if (i >= 100) us.push_back(duration<double, std::micro>(steady_clock::now() - t0).count());
    }
    ::waitpid(child, nullptr, 0);
    ::close(ping);
    ::close(pong);
    return us;
}

// A console client speaking the socket protocol directly.
class Client {
  public:
    static std::optional<Client> attach(const std::string& socket, const std::string& dom) {
        auto fd = connect_unix(socket);
        if (!fd) return std::nullopt;
        Client c;
        c.fd_ = std::move(*fd);
        std::string hello = cons::encode_attach({cons::kVersion, cons::kAttachNoReplay, dom});
        if (::write(c.fd_.get(), hello.data(), hello.size()) != static_cast<ssize_t>(hello.size()))
            return std::nullopt;
        auto f = c.frame();
        if (!f || f->type != cons::MsgType::kAttached) return std::nullopt;
        return c;
    }
    void type(std::string_view text) {
        std::string f;
        cons::append_frame(f, cons::MsgType::kInput, text);
        (void)!::write(fd_.get(), f.data(), f.size());
    }
    // OUTPUT bytes until `done` says so.
    bool read_until(const std::function<bool(std::string_view)>& done) {
        for (;;) {
            auto f = frame();
            if (!f) return false;
            if (f->type == cons::MsgType::kOutput && done(f->payload)) return true;
            if (f->type == cons::MsgType::kNotice) {
                std::fprintf(stderr, "console_bench: xenconsoled: %s\n", f->payload.c_str());
                return false;
            }
        }
    }

  private:
    std::optional<cons::FrameReader::Owned> frame() {
        for (;;) {
            auto f = reader_.next();
            if (!f) return std::nullopt;
            if (*f) return std::move(**f);
            char buf[cons::kHeaderSize + cons::kMaxPayload];
            ssize_t n = ::read(fd_.get(), buf, reader_.room());
            if (n <= 0) return std::nullopt;
            reader_.push({buf, static_cast<std::size_t>(n)});
        }
    }
    UniqueFd fd_;
    cons::FrameReader reader_{cons::From::kDaemon};
};

struct Stack {
    test::TempRoot root;
    std::optional<test::Child> hvsim, xenstored, xenconsoled;
    std::unique_ptr<Hypervisor> hv;
    std::optional<test::XsClient> xs;

    std::string socket() const { return root / "/var/run/xenconsoled/socket"; }

    bool start_console(const std::vector<std::string>& extra) {
        if (xenconsoled) {
            xenconsoled->kill(SIGTERM);
            xenconsoled->wait();
            xenconsoled.reset();
            ::unlink(socket().c_str());
        }
        std::vector<std::string> argv{XENCONSOLED_PROGRAM, "-N", "--hypervisor", "sim"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        xenconsoled.emplace(test::Child::spawn(argv, {{"XVM_ROOT", root.path()}},
                                               root / "/xenconsoled.log"));
        return test::eventually([&] { return connect_unix(socket()).has_value(); }, seconds(20));
    }

    // A guest described in the store as xend does, served by xenconsoled.
    DomId served_guest(const std::string& name) {
        DomainConfig cfg;
        cfg.memory_kib = cfg.max_memory_kib = 16 * 1024;
        cfg.kernel = "/boot/vmlinuz";
        DomId dom = *hv->domain_create(cfg);
        auto info = hv->domain_info(dom);
        std::string h = "/local/domain/" + std::to_string(dom);
        xs->write(h + "/name", name);
        xs->write(h + "/console/port", std::to_string(info->console_port));
        xs->write(h + "/console/ring-ref", std::to_string(0x10000 + dom));
        // The largest limit: a bench client that is descheduled for a
        // moment must not lose output (which the daemon would discard).
        xs->write(h + "/console/limit", "4194304");
        xs->write(h + "/console/type", "xenconsoled");
        xs->call(XS_INTRODUCE,
                 test::nul_join({std::to_string(dom), "0", std::to_string(info->store_port)}));
        (void)hv->domain_unpause(dom);
        return dom;
    }
};

struct Throughput {
    double seconds;
    double daemon_cpu_us;
};

Throughput through_daemon(Stack& s, const std::string& name, std::size_t mib) {
    auto c = Client::attach(s.socket(), name);
    if (!c) return {0, 0};
    pid_t daemon = s.xenconsoled->pid();
    double cpu0 = cpu_us(daemon);
    auto t0 = steady_clock::now();
    c->type("spew " + std::to_string(mib) + "\r");
    std::size_t want = mib << 20, got = 0;
    if (!c->read_until([&](std::string_view bytes) { return (got += bytes.size()) >= want; })) {
        std::fprintf(stderr, "console_bench: %zu of %zu bytes arrived\n", got, want);
        std::exit(1);
    }
    return {duration<double>(steady_clock::now() - t0).count(), cpu_us(daemon) - cpu0};
}

double through_ring(test::ConsolePeer& peer, std::size_t mib) {
    peer.keep_text(false);
    std::uint64_t start = peer.bytes();
    auto t0 = steady_clock::now();
    peer.type("spew " + std::to_string(mib) + "\n");
    while (peer.bytes() - start < (mib << 20)) {
        if (!peer.pump()) wait_fd(peer.fd());
    }
    return duration<double>(steady_clock::now() - t0).count();
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

void row(const char* name, const std::vector<double>& us, double base) {
    std::printf("| %s | %.1f | %.1f | %.2f |\n", name, median(us), p99(us), median(us) / base);
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 16;
    int rounds = argc > 2 ? std::atoi(argv[2]) : 2000;
    int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
    if (::geteuid() != 0) {
        std::fprintf(stderr, "console_bench: run as root (the daemons start as their services do)\n");
        return 2;
    }
    ::signal(SIGPIPE, SIG_IGN);
    Stack s;
    ::setenv("XVM_ROOT", s.root.path().c_str(), 1);
    s.hvsim.emplace(test::Child::spawn({HVSIM_PROGRAM, "--guest", GUEST_PROGRAM, "--memory-mib",
                                        "4096", "--dom0-mib", "512"},
                                       {{"XVM_ROOT", s.root.path()}}, s.root / "/hvsim.log"));
    test::eventually([&] {
        auto h = open_hypervisor(Backend::kSim);
        if (h) s.hv = std::move(*h);
        return s.hv != nullptr;
    }, seconds(10));
    if (!s.hv) {
        std::fprintf(stderr, "hvsim did not start:\n%s", test::read_file(s.root / "/hvsim.log").c_str());
        return 1;
    }
    s.xenstored.emplace(test::Child::spawn({XENSTORED_PROGRAM, "-N", "--new-store", "--hypervisor", "sim"},
                                           {{"XVM_ROOT", s.root.path()}}, s.root / "/xenstored.log"));
    std::string store = s.root / "/var/run/xenstored/socket";
    test::eventually([&] { return connect_unix(store).has_value(); }, seconds(20));
    s.xs.emplace(store);
    // Xen's rate limit first; logs off (the log's cost is a write() per chunk).
    if (!s.start_console({"--log=none"})) {
        std::fprintf(stderr, "xenconsoled did not start:\n%s",
                     test::read_file(s.root / "/xenconsoled.log").c_str());
        return 1;
    }
    DomId served = s.served_guest("bench");
    // A guest nobody describes in the store: xenconsoled leaves its ring
    // alone and this process reads it directly.
    DomainConfig raw;
    raw.memory_kib = raw.max_memory_kib = 16 * 1024;
    raw.kernel = "no-xenstore";
    DomId direct = *s.hv->domain_create(raw);
    auto peer = test::ConsolePeer::attach(*s.hv, direct);
    (void)s.hv->domain_unpause(direct);
    await_text(*peer, "type 'help'\n");
    test::eventually([&] { return Client::attach(s.socket(), "bench").has_value(); }, seconds(20));

    std::string text = spew_text(mib << 20);
    std::vector<double> pipe_s, pipe2k_s, ring_s, xen_s, xen_cpu, fast_s, fast_cpu;
    for (int r = 0; r < repeats; ++r) {
        pipe_s.push_back(pipe_copy(text, 65536));
        pipe2k_s.push_back(pipe_copy(text, 2048));
        ring_s.push_back(through_ring(*peer, mib));
        // Rate-limited, the daemon moves about 300 KiB/s: 1 MiB is enough.
        Throughput t = through_daemon(s, "bench", 1);
        xen_s.push_back(t.seconds * static_cast<double>(mib));
        xen_cpu.push_back(t.daemon_cpu_us * static_cast<double>(mib));
    }
    // The same with the rate limit out of the way (it exists for fairness
    // between guests, and caps one guest at 30 rings per 200 ms).
    s.start_console({"--log=none", "-s", "rate-limit-events=1000000"});
    test::eventually([&] { return Client::attach(s.socket(), "bench").has_value(); }, seconds(20));
    for (int r = 0; r < repeats; ++r) {
        Throughput t = through_daemon(s, "bench", mib);
        fast_s.push_back(t.seconds);
        fast_cpu.push_back(t.daemon_cpu_us);
    }

    double mb = static_cast<double>(mib);
    std::printf("\n### throughput: %zu MiB of spew, median of %d\n\n", mib, repeats);
    std::printf("| path | MiB/s | / pipe copy | / direct ring | xenconsoled CPU per MiB |\n");
    std::printf("|---|---:|---:|---:|---:|\n");
    double pipe_rate = mb / median(pipe_s), ring_rate = mb / median(ring_s);
    std::printf("| pipe copy, 2 processes, 64 KiB writes (baseline) | %.1f | 1.00 | - | - |\n", pipe_rate);
    std::printf("| pipe copy, 2 processes, 2 KiB writes | %.1f | %.3f | - | - |\n",
                mb / median(pipe2k_s), mb / median(pipe2k_s) / pipe_rate);
    std::printf("| guest ring read directly, no daemon (baseline) | %.1f | %.3f | 1.00 | - |\n",
                ring_rate, ring_rate / pipe_rate);
    auto trow = [&](const char* name, const std::vector<double>& secs, const std::vector<double>& cpu) {
        double rate = mb / median(secs);
        std::printf("| %s | %.1f | %.3f | %.2f | %.0f us |\n", name, rate, rate / pipe_rate,
                    rate / ring_rate, median(cpu) / mb);
    };
    trow("ring -> xenconsoled -> socket client, Xen's rate limit 30/200 ms (1 MiB)", xen_s, xen_cpu);
    trow("ring -> xenconsoled -> socket client, rate limit raised", fast_s, fast_cpu);

    // Keystroke round trips.
    std::vector<double> base = eventfd_pingpong(rounds);
    std::vector<double> ring_rtt, daemon_rtt;
    peer->keep_text(true);
    for (int i = 0; i < rounds + 100; ++i) {
        auto t0 = steady_clock::now();
        peer->type("echo x\n");
        await_text(*peer, "x\n");
        if (i >= 100) ring_rtt.push_back(duration<double, std::micro>(steady_clock::now() - t0).count());
    }
    auto c = Client::attach(s.socket(), "bench");
    pid_t daemon = s.xenconsoled->pid();
    double cpu0 = cpu_us(daemon);
    for (int i = 0; i < rounds + 100; ++i) {
        auto t0 = steady_clock::now();
        c->type("echo x\r");
        std::string seen;
        c->read_until([&](std::string_view b) {
            seen.append(b);
            return seen.find("x\n") != std::string::npos;
        });
        if (i >= 100) daemon_rtt.push_back(duration<double, std::micro>(steady_clock::now() - t0).count());
    }
    double daemon_cpu = (cpu_us(daemon) - cpu0) / (rounds + 100);
    double b = median(base);
    std::printf("\n### keystroke round trip: %d rounds\n\n", rounds);
    std::printf("| measurement | median (us) | p99 (us) | median / baseline |\n|---|---:|---:|---:|\n");
    row("eventfd ping-pong, 2 processes (baseline)", base, b);
    row("`echo x` on the guest ring directly (no daemon)", ring_rtt, b);
    row("`echo x` through xenconsoled from a socket client", daemon_rtt, b);
    std::printf("\nxenconsoled CPU per keystroke round trip: %.1f us\n", daemon_cpu);

    (void)s.hv->domain_destroy(served);
    (void)s.hv->domain_destroy(direct);
    s.hv.reset();
    s.xenconsoled->kill(SIGTERM);
    s.xenconsoled->wait();
    s.xenstored->kill(SIGTERM);
    s.xenstored->wait();
    s.hvsim->kill(SIGTERM);
    s.hvsim->wait();
    return 0;
}
