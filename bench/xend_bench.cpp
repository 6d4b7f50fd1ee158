// xend_bench - xend's costs as ratios to baselines measured in the same
// run, on the stack as it runs in production: svc.startd, hvsim,
// xenstored and xend (as xvm) from the shipped manifests in a temporary
// root (the e2e fixture, tests/e2e/xend_fixture.h). Run as root, by hand
// (not a ctest test):  ./build/bench/xend_bench [--rounds N]
//
//   A  hvsim bare:  domain_create + domain_destroy (never started), through
//      the hypervisor client library - the floor of any create
//   B  hvsim bare:  create + unpause + destroy (a guest process started by
//      hvsim's launcher and killed) - what the XML-RPC cycle also does
//   X  xend:        xend.domain.create + xend.domain.unpause +
//      xend.domain.destroy over XML-RPC, one connection per call as xm
//      makes them (a small C++ client: lib/rpc's codec over the socket)
//   L  xend.domains_with_state(True, 'all', False) - the call behind
//      `xm list` - with 100 domains, from C++ and from Python's
//      xmlrpc.client (in-process loop, and a whole python3 process per
//      call), and `xm list` itself (cmd/xm)
//   C  16 clients calling xend.domains in a loop, alone and while another
//      client runs create/unpause/destroy cycles
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>

#include "lib/rpc/xmlrpc.h"
#include "lib/xen/hypervisor.h"
#include "tests/e2e/xend_fixture.h"

using namespace std::chrono;

namespace xvm::test {
namespace {

int g_rounds = 300;

struct Stats {
    double median_us = 0, p99_us = 0, per_second = 0;
};

Stats summarize(std::vector<double> us, double seconds) {
    Stats s;
    if (us.empty()) return s;
    std::sort(us.begin(), us.end());
    s.median_us = us[us.size() / 2];
    s.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
    s.per_second = static_cast<double>(us.size()) / seconds;
    return s;
}

Stats measure(int rounds, const std::function<void()>& once) {
    std::vector<double> us;
    auto start = steady_clock::now();
    for (int i = 0; i < rounds; ++i) {
        auto t0 = steady_clock::now();
        once();
        us.push_back(duration<double, std::micro>(steady_clock::now() - t0).count());
    }
    return summarize(us, duration<double>(steady_clock::now() - start).count());
}

// One XML-RPC call on a fresh connection. A bench tool's client: it reads
// the answer by its Content-Length and leaves the rest to lib/rpc.
rpc::Response call(const std::string& socket, const std::string& method, std::vector<rpc::Value> params) {
    auto body = rpc::encode_call({method, std::move(params)});
    if (!body) return {rpc::Fault{1, body.error().message}};
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    socket.copy(a.sun_path, sizeof a.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
        ::close(fd);
        return {rpc::Fault{1, "connect failed"}};
    }
    std::string req = "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: " +
                      std::to_string(body->size()) + "\r\nConnection: close\r\n\r\n" + *body;
    (void)!::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    std::string in;
    char buf[65536];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) in.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    std::size_t end = in.find("\r\n\r\n");
    if (end == std::string::npos) return {rpc::Fault{1, "no answer"}};
    auto r = rpc::decode_response(std::string_view(in).substr(end + 4));
    if (!r) return {rpc::Fault{1, r.error().message}};
    return *r;
}

rpc::Value config_value(const std::string& name, int mib) {
    auto v = rpc::parse_sexpr("(vm (name " + name + ") (memory " + std::to_string(mib) +
                              ") (image (linux (kernel /boot/xvm-kernel))))");
    return rpc::sexpr_to_value(*v);
}

class XendBench : public XendStack {
protected:
    void configure() override {
        // Room for 100 small guests and the cycles besides.
        host_mib_ = 8192;
        dom0_mib_ = 1024;
    }
    void ok(const rpc::Response& r, const std::string& what) {
        if (r.is_fault()) ADD_FAILURE() << what << ": " << r.fault().message;
    }
    void print(const char* what, const Stats& s, double base) {
        std::printf("| %-62s | %9.1f | %9.1f | %8.1f | %6.2f |\n", what, s.median_us, s.p99_us, s.per_second,
                    base > 0 ? s.median_us / base : 1.0);
    }
};

TEST_F(XendBench, Run) {
    std::string sock = xmlrpc_socket();
    auto hv = open_hypervisor(Backend::kSim);
    ASSERT_TRUE(hv) << hv.error().message;
    DomainConfig c;
    c.memory_kib = 16 * 1024;
    c.max_memory_kib = c.memory_kib;
    c.kernel = path(kKernel);
    c.uuid[0] = 1;
    int rounds = g_rounds;
    std::printf("\n| %-62s | %9s | %9s | %8s | %6s |\n", "measurement", "median us", "p99 us", "per s", "ratio");
    std::printf("|%s|%s|%s|%s|%s|\n", std::string(64, '-').c_str(), std::string(11, '-').c_str(),
                std::string(11, '-').c_str(), std::string(10, '-').c_str(), std::string(8, '-').c_str());

    Stats a = measure(rounds, [&] {
        auto d = (*hv)->domain_create(c);
        if (d) (void)(*hv)->domain_destroy(*d);
    });
    print("A hvsim bare create + destroy (baseline)", a, a.median_us);
    Stats b = measure(rounds, [&] {
        auto d = (*hv)->domain_create(c);
        if (!d) return;
        (void)(*hv)->domain_unpause(*d);
        (void)(*hv)->domain_destroy(*d);
    });
    print("B hvsim bare create + unpause + destroy", b, a.median_us);
    int n = 0;
    Stats x = measure(rounds, [&] {
        std::string name = "cycle" + std::to_string(n++);
        ok(call(sock, "xend.domain.create", {config_value(name, 16)}), "create");
        ok(call(sock, "xend.domain.unpause", {rpc::Value::string(name)}), "unpause");
        ok(call(sock, "xend.domain.destroy", {rpc::Value::string(name)}), "destroy");
    });
    print("X xend create + unpause + destroy over XML-RPC (vs A)", x, a.median_us);
    std::printf("| %-62s | %9s | %9s | %8s | %6.2f |\n", "  the same, vs B", "", "", "", x.median_us / b.median_us);

    // 100 domains (paused: listing is what is measured, not guest CPU).
    for (int i = 0; i < 100; ++i) ok(call(sock, "xend.domain.create", {config_value("list" + std::to_string(i), 16)}), "create");
    std::vector<rpc::Value> all = {rpc::Value::boolean(true), rpc::Value::string("all"), rpc::Value::boolean(false)};
    Stats l = measure(rounds, [&] { ok(call(sock, "xend.domains_with_state", all), "list"); });
    print("L list 101 domains, C++ client", l, a.median_us);
    auto py = capture({"/usr/bin/python3", "-c",
                       "import sys,time\nsys.path.insert(0, sys.argv[1])\nimport xend_rpc, xmlrpc.client\n"
                       "p=xmlrpc.client.ServerProxy('http://x/RPC2', transport=xend_rpc.UnixTransport(sys.argv[2]), "
                       "allow_none=True)\nts=[]\nfor i in range(int(sys.argv[3])):\n"
                       "  t=time.perf_counter(); d=p.xend.domains_with_state(True,'all',False); "
                       "ts.append((time.perf_counter()-t)*1e6)\n"
                       "ts.sort(); print(len(d), ts[len(ts)//2], ts[len(ts)*99//100])",
                       XVM_SOURCE_DIR "/tests/e2e", sock, std::to_string(std::max(rounds / 3, 10))});
    int count = 0;
    double pmed = 0, pp99 = 0;
    if (std::sscanf(py.out.c_str(), "%d %lf %lf", &count, &pmed, &pp99) == 3)
        print("L list 101 domains, Python xmlrpc.client (in one process)", {pmed, pp99, 1e6 / pmed}, a.median_us);
    else
        ADD_FAILURE() << py.out << py.err;
    Stats whole = measure(10, [&] {
        (void)capture({"/usr/bin/python3", XVM_SOURCE_DIR "/tests/e2e/xend_rpc.py", sock, "xend.domains_with_state",
                       "[true, \"all\", false]"});
    });
    print("L the same, a python3 process per call", whole, a.median_us);
    Stats xm = measure(std::max(rounds / 10, 10), [&] { (void)capture({XM, "list"}); });
    print("L `xm list` (the xm command, a process per call)", xm, a.median_us);

    // 16 clients listing, alone and while creates run.
    auto clients = [&](bool with_creates) {
        std::atomic<bool> stop{false};
        std::vector<std::vector<double>> lat(16);
        std::vector<std::thread> ts;
        auto start = steady_clock::now();
        for (int t = 0; t < 16; ++t)
            ts.emplace_back([&, t] {
                while (!stop) {
                    auto t0 = steady_clock::now();
                    auto r = call(sock, "xend.domains", {rpc::Value::boolean(false)});
                    lat[t].push_back(duration<double, std::micro>(steady_clock::now() - t0).count());
                    if (r.is_fault()) ADD_FAILURE() << r.fault().message;
                }
            });
        int cycles = 0;
        std::thread creator([&] {
            while (with_creates && !stop) {
                std::string name = "busy" + std::to_string(cycles++);
                call(sock, "xend.domain.create", {config_value(name, 16)});
                call(sock, "xend.domain.unpause", {rpc::Value::string(name)});
                call(sock, "xend.domain.destroy", {rpc::Value::string(name)});
            }
        });
        std::this_thread::sleep_for(seconds(3));
        stop = true;
        for (auto& t : ts) t.join();
        creator.join();
        std::vector<double> merged;
        for (auto& v : lat) merged.insert(merged.end(), v.begin(), v.end());
        double secs = duration<double>(steady_clock::now() - start).count();
        return std::make_pair(summarize(merged, secs), cycles / secs);
    };
    auto [alone, _] = clients(false);
    print("C 16 clients calling xend.domains (101 domains), alone", alone, alone.median_us);
    auto [busy, cps] = clients(true);
    print("C the same while one client creates/unpauses/destroys (vs alone)", busy, alone.median_us);
    std::printf("| %-62s | %9s | %9s | %8.1f | %6s |\n", "  create/unpause/destroy cycles meanwhile", "", "", cps, "");
    std::printf("\nload average: %s\n", read_file("/proc/loadavg").c_str());
}

}  // namespace
}  // namespace xvm::test

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--rounds") xvm::test::g_rounds = std::stoi(argv[i + 1]);
    return RUN_ALL_TESTS();
}
