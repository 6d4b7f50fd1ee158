// xs_bench: a xenstore load generator speaking xs_wire directly over the
// socket (no libxenstore in the loop), for any daemon: ours, cxenstored,
// oxenstored. Every figure is also measured against a plain unix-socket
// echo server (forked here) with the same message, in the same run, and
// reported as a ratio, so machines and runs can be compared.
//   xs_bench --socket PATH [--pid SERVER_PID] [--seconds S] [--cpu N]
//            [--only NAME[,NAME...]] [--skip NAME[,...]] [--store-dir DIR]
#include <getopt.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <memory>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "lib/xen/xs_wire.h"

namespace {

using Clock = std::chrono::steady_clock;
using xvm::xs_append;

double g_seconds = 1.0;
long g_ops = 0;  // operations done since the last row, for CPU per operation

std::string nul(std::initializer_list<std::string> parts) {
    std::string out;
    for (const auto& p : parts) out += p + std::string(1, '\0');
    return out;
}

class Conn {
public:
    explicit Conn(const std::string& path) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
            std::perror(path.c_str());
            std::exit(2);
        }
    }
    ~Conn() { ::close(fd_); }
    void send_raw(const std::string& m) {
        for (std::size_t off = 0; off < m.size();) {
            ssize_t n = ::write(fd_, m.data() + off, m.size() - off);
            if (n <= 0) std::exit(3);
            off += n;
        }
    }
    void send(std::uint32_t type, const std::string& payload, std::uint32_t tx = 0) {
        std::string m;
        xs_append(m, type, ++req_, tx, payload);
        send_raw(m);
    }
    // Next message: type and payload.
    std::pair<std::uint32_t, std::string> recv() {
        while (true) {
            if (buf_.size() >= 16) {
                xsd_sockmsg h;
                std::memcpy(&h, buf_.data(), 16);
                if (buf_.size() >= 16 + h.len) {
                    auto out = std::make_pair(h.type, buf_.substr(16, h.len));
                    buf_.erase(0, 16 + h.len);
                    return out;
                }
            }
            char tmp[65536];
            ssize_t n = ::read(fd_, tmp, sizeof tmp);
            if (n <= 0) std::exit(4);
            buf_.append(tmp, n);
        }
    }
    // Raw echo: read exactly n bytes.
    void recv_bytes(std::size_t n) {
        char tmp[65536];
        while (n > 0) {
            ssize_t r = ::read(fd_, tmp, std::min(n, sizeof tmp));
            if (r <= 0) std::exit(4);
            n -= r;
        }
    }
    std::string call(std::uint32_t type, const std::string& payload, std::uint32_t tx = 0) {
        send(type, payload, tx);
        while (true) {
            auto [t, p] = recv();
            if (t == XS_WATCH_EVENT) continue;
            if (t == XS_ERROR) {
                std::fprintf(stderr, "xs_bench: %s failed: %s\n", xvm::xs_type_name(type).data(),
                             p.c_str());
                std::exit(5);
            }
            return p;
        }
    }

private:
    int fd_;
    std::uint32_t req_ = 0;
    std::string buf_;
};

// An echo server child: writes back whatever it reads.
pid_t start_echo(const std::string& path) {
    ::unlink(path.c_str());
    int ls = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || ::listen(ls, 128) < 0)
        std::exit(6);
    pid_t pid = ::fork();
    if (pid != 0) {
        ::close(ls);
        return pid;
    }
    std::signal(SIGCHLD, SIG_IGN);  // per-connection children reap themselves
    while (true) {
        int c = ::accept(ls, nullptr, nullptr);
        if (c < 0) continue;
        if (::fork() == 0) {
            char buf[65536];
            ssize_t n;
            while ((n = ::read(c, buf, sizeof buf)) > 0)
                for (ssize_t off = 0; off < n;) off += std::max<ssize_t>(::write(c, buf + off, n - off), 0);
            ::_exit(0);
        }
        ::close(c);
    }
}

// Runs `op` repeatedly for g_seconds, three times; median ops/s.
double rate(const std::function<int()>& op) {
    std::vector<double> r;
    for (int rep = 0; rep < 3; ++rep) {
        auto start = Clock::now();
        auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(g_seconds / 3));
        long ops = 0;
        while (Clock::now() < end) ops += op();
        g_ops += ops;
        r.push_back(ops / std::chrono::duration<double>(Clock::now() - start).count());
    }
    std::sort(r.begin(), r.end());
    return r[1];
}

// N forked clients each running `op`; total ops/s.
double concurrent(int n, const std::function<std::function<int()>()>& make) {
    std::vector<int> pipes;
    std::vector<pid_t> kids;
    for (int i = 0; i < n; ++i) {
        int p[2];
        if (::pipe(p) < 0) std::exit(7);
        pid_t kid = ::fork();
        if (kid == 0) {
            ::close(p[0]);
            auto op = make();
            auto start = Clock::now();
            auto end = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(g_seconds));
            long ops = 0;
            while (Clock::now() < end) ops += op();
            double r = ops / std::chrono::duration<double>(Clock::now() - start).count();
            (void)!::write(p[1], &r, sizeof r);
            ::_exit(0);
        }
        ::close(p[1]);
        pipes.push_back(p[0]);
        kids.push_back(kid);
    }
    double total = 0;
    for (int fd : pipes) {
        double r = 0;
        if (::read(fd, &r, sizeof r) == sizeof r) total += r;
        g_ops += static_cast<long>(r * g_seconds);
        ::close(fd);
    }
    for (pid_t kid : kids) ::waitpid(kid, nullptr, 0);
    return total;
}

// The server's user+system CPU time in microseconds.
double cpu_us(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = all.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream f(all.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && f >> field; ++i)
        if (i == 14 || i == 15) ticks += std::stod(field);
    return ticks * 1e6 / ::sysconf(_SC_CLK_TCK);
}

// Bytes allocated to the regular files in `dir` (tmpfs: memory too).
long files_kib(const std::string& dir) {
    if (dir.empty()) return -1;
    std::string cmd = "du -sk '" + dir + "' 2>/dev/null";
    FILE* p = ::popen(cmd.c_str(), "r");
    long kib = -1;
    if (p && std::fscanf(p, "%ld", &kib) != 1) kib = -1;
    if (p) ::pclose(p);
    return kib;
}

long rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

struct Bench {
    std::string sock, echo;
    std::string store_dir;  // the daemon's files (ours: tdb and journal on tmpfs)
    pid_t server = 0;
    std::set<std::string> only, skip;
    double cpu_mark = 0;  // server CPU at the start of the current row
    long ops_mark = 0;

    bool want(const std::string& name) const {
        return (only.empty() || only.contains(name)) && !skip.contains(name);
    }
    // Server CPU per operation since the previous row (echo runs add
    // operations but no server CPU, so they are excluded by the caller
    // marking before its own part). Coarse: clock ticks.
    void mark() {
        cpu_mark = server ? cpu_us(server) : 0;
        ops_mark = g_ops;
    }
    // The server's CPU per operation since mark(), after letting it finish
    // the work the row left behind (a daemon that defers writing its store
    // to disk - ours merges its journal every 100 ms - is charged for it
    // in the row that caused it).
    double cpu_per_op(long ops) const {
        if (!server || !ops) return 0;
        settle();
        return (cpu_us(server) - cpu_mark) / ops;
    }
    static void settle() { ::usleep(300 * 1000); }
    void row(const std::string& name, double ops, double echo_ops, const std::string& note = "",
             double cpu = -1) {
        if (cpu < 0) cpu = cpu_per_op(g_ops - ops_mark);
        std::printf("| %-28s | %10.0f | %10.0f | %6.2f | %8.1f | %s\n", name.c_str(), ops, echo_ops,
                    echo_ops > 0 ? echo_ops / ops : 0.0, cpu, note.c_str());
        std::fflush(stdout);
        mark();
    }
    // One request-reply over the daemon, and the same bytes over echo.
    // `alt`, when given, alternates with `payload` (a write that changes
    // the value every time).
    void rtt(const std::string& name, std::uint32_t type, const std::string& payload,
             const std::string& alt = "") {
        if (!want(name)) return;
        Conn c(sock), e(echo);
        std::string m;
        xs_append(m, type, 1, 0, payload);
        settle();
        mark();
        long n = 0;
        double ours = rate([&] {
            c.call(type, (++n & 1) || alt.empty() ? payload : alt);
            return 1;
        });
        double cpu = cpu_per_op(g_ops - ops_mark);
        double floor = rate([&] { e.send_raw(m); e.recv_bytes(m.size()); return 1; });
        row(name, ours, floor, "", cpu);
    }
    void pipelined(int depth) {
        std::string name = "pipelined read x" + std::to_string(depth);
        if (!want(name)) return;
        Conn c(sock), e(echo);
        std::string p = nul({"/bench/r1"}), m;
        xs_append(m, XS_READ, 1, 0, p);
        mark();
        double ours = rate([&] {
            for (int i = 0; i < depth; ++i) c.send(XS_READ, p);
            for (int i = 0; i < depth; ++i) c.recv();
            return depth;
        });
        double cpu = cpu_per_op(g_ops - ops_mark);
        std::string burst;
        for (int i = 0; i < depth; ++i) burst += m;
        double floor = rate([&] { e.send_raw(burst); e.recv_bytes(burst.size()); return depth; });
        row(name, ours, floor, "", cpu);
    }
    void clients(int n, const std::string& kind) {
        std::string name = std::to_string(n) + " clients " + kind;
        if (!want(name)) return;
        mark();
        double ours = concurrent(n, [&]() -> std::function<int()> {
            auto c = std::make_shared<Conn>(sock);
            auto i = std::make_shared<long>(::getpid());
            return [c, i, kind] {
                bool w = kind == "write" || (kind == "mix 90/10" && (++*i % 10) == 0);
                if (w) c->call(XS_WRITE, "/bench/c/" + std::to_string(::getpid()) + std::string(1, '\0') + "x");
                else c->call(XS_READ, nul({"/bench/r1"}));
                return 1;
            };
        });
        double cpu = cpu_per_op(g_ops - ops_mark);
        std::string m;
        xs_append(m, XS_READ, 1, 0, nul({"/bench/r1"}));
        double floor = concurrent(n, [&]() -> std::function<int()> {
            auto e = std::make_shared<Conn>(echo);
            return [e, m] { e->send_raw(m); e->recv_bytes(m.size()); return 1; };
        });
        row(name, ours, floor, "", cpu);
    }
    void run_all();
    void big_store();
};

// 100,000 nodes: populating them (RSS per node), writing into the full
// store (one node; 20 random existing ones, each its own measurement),
// and removing the whole subtree under two watchers.
void Bench::big_store() {
    constexpr int kNodes = 100000;
    auto node = [](int i) {
        return "/bench/pop/" + std::to_string(i / 1000) + "/" + std::to_string(i);
    };
    settle();
    long before = server ? rss_kib(server) : -1;
    long files_before = files_kib(store_dir);
    mark();
    Conn c(sock);
    auto t0 = Clock::now();
    int sent = 0, got = 0;
    while (got < kNodes) {
        while (sent < kNodes && sent - got < 32) {
            c.send(XS_WRITE, node(sent) + std::string(1, '\0') + "v");
            ++sent;
        }
        c.recv();
        ++got;
    }
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    g_ops += kNodes;
    double cpu = cpu_per_op(kNodes);  // settles: the store is on disk now
    long after = server ? rss_kib(server) : -1;
    char note[200];
    std::snprintf(note, sizeof note, "%.2f s; RSS +%ld KiB = %.0f B/node", secs, after - before,
                  (after - before) * 1024.0 / kNodes);
    if (long files = files_kib(store_dir); files >= 0) {
        std::size_t used = std::strlen(note);
        std::snprintf(note + used, sizeof note - used, "; store files %ld KiB = %.0f B/node",
                      files - files_before, (files - files_before) * 1024.0 / kNodes);
    }
    row("populate 100000 nodes", kNodes / secs, 0, note, cpu);

    rtt("write 1 B in 100k-node store", XS_WRITE, "/bench/w1" + std::string(1, '\0') + "x",
        "/bench/w1" + std::string(1, '\0') + "y");
    if (want("write 20 random nodes of 100k")) {
        std::vector<double> cpus;
        std::vector<double> rates;
        unsigned seed = 14;
        double keep = g_seconds;
        g_seconds = std::max(0.3, g_seconds / 2);
        for (int k = 0; k < 20; ++k) {
            seed = seed * 1103515245u + 12345u;
            std::string path = node(static_cast<int>(seed % kNodes));
            std::string a = path + std::string(1, '\0') + "a", b = path + std::string(1, '\0') + "b";
            Conn w(sock);
            settle();
            mark();
            long n = 0;
            rates.push_back(rate([&] {
                w.call(XS_WRITE, (++n & 1) ? a : b);
                return 1;
            }));
            cpus.push_back(cpu_per_op(g_ops - ops_mark));
        }
        g_seconds = keep;
        std::vector<double> sorted = cpus;
        std::sort(sorted.begin(), sorted.end());
        std::sort(rates.begin(), rates.end());
        std::snprintf(note, sizeof note, "median of 20 nodes; server CPU %.1f-%.1f us/op",
                      sorted.front(), sorted.back());
        row("write 20 random nodes of 100k", rates[10], 0, note, (sorted[9] + sorted[10]) / 2);
    }
    if (want("RM 100000-node subtree")) {
        // Xen's rule: one event for the watch on the removed root, one
        // for the exact watch on a node below it.
        Conn w(sock);
        w.call(XS_WATCH, nul({"/bench/pop", "root"}));
        w.recv();
        w.call(XS_WATCH, nul({node(50000), "deep"}));
        w.recv();
        settle();
        mark();
        long rss_full = server ? rss_kib(server) : -1;
        auto t1 = Clock::now();
        c.call(XS_RM, nul({"/bench/pop"}));
        double reply = std::chrono::duration<double>(Clock::now() - t1).count();
        int events = 0;
        while (events < 2)
            if (w.recv().first == XS_WATCH_EVENT) ++events;
        double all = std::chrono::duration<double>(Clock::now() - t1).count();
        g_ops += 1;
        double rm_cpu = cpu_per_op(1);
        std::snprintf(note, sizeof note,
                      "reply %.1f ms, both events %.1f ms; server CPU %.1f ms incl. writing the "
                      "store; RSS after %ld KiB (full %ld)",
                      reply * 1e3, all * 1e3, rm_cpu / 1e3, server ? rss_kib(server) : -1,
                      rss_full);
        row("RM 100000-node subtree", 1 / all, 0, note, rm_cpu);
    }
}

void Bench::run_all() {
    Conn setup(sock);
    setup.call(XS_WRITE, "/bench/r1" + std::string(1, '\0') + "x");
    for (int i = 0; i < 1000; ++i)
        setup.send(XS_WRITE, "/bench/dir/" + std::to_string(i) + std::string(1, '\0'));
    for (int i = 0; i < 1000; ++i) setup.recv();
    std::printf("| %-28s | %10s | %10s | %6s | %8s | notes\n", "workload", "ops/s", "echo ops/s",
                "x echo", "srv us/op");
    std::printf("|------------------------------|------------|------------|--------|----------|------\n");
    // First, while the daemon's memory holds nothing else (RSS per node).
    if (want("populate 100000 nodes")) big_store();
    mark();
    rtt("read 1 B", XS_READ, nul({"/bench/r1"}));
    rtt("write 1 B", XS_WRITE, "/bench/w1" + std::string(1, '\0') + "x",
        "/bench/w1" + std::string(1, '\0') + "y");
    rtt("write 2000 B", XS_WRITE, "/bench/w2000" + std::string(1, '\0') + std::string(2000, 'x'),
        "/bench/w2000" + std::string(1, '\0') + std::string(2000, 'y'));
    rtt("GET_PERMS", XS_GET_PERMS, nul({"/bench/r1"}));
    rtt("DIRECTORY 1000 children", XS_DIRECTORY, nul({"/bench/dir"}));
    if (want("watch event latency")) {
        Conn a(sock), b(sock);
        a.call(XS_WATCH, nul({"/bench/watch", "t"}));
        a.recv();
        mark();
        double ours = rate([&] {
            b.send(XS_WRITE, "/bench/watch/x" + std::string(1, '\0') + "v");
            a.recv();
            b.recv();
            return 1;
        });
        row("watch event latency", ours, 0, "write + event, 2 clients");
    }
    if (want("transaction r-m-w")) {
        Conn c(sock);
        mark();
        double ours = rate([&] {
            std::uint32_t tx = std::stoul(c.call(XS_TRANSACTION_START, std::string(1, '\0')));
            std::string v = c.call(XS_READ, nul({"/bench/r1"}), tx);
            c.call(XS_WRITE, "/bench/r1" + std::string(1, '\0') + v, tx);
            c.call(XS_TRANSACTION_END, nul({"T"}), tx);
            return 1;
        });
        row("transaction r-m-w", ours, 0, "4 requests");
    }
    for (int n : {1, 4, 16, 64})
        for (const char* k : {"read", "write", "mix 90/10"}) clients(n, k);
    for (int d : {8, 32, 128}) pipelined(d);
    if (want("domain boot macro")) {
        Conn c(sock);
        int dom = 0;
        const char* keys[] = {"name", "vm", "memory/target", "memory/static-max", "cpu/0/availability",
                              "cpu/1/availability", "console/port", "console/ring-ref",
                              "console/type", "console/limit", "store/port", "store/ring-ref",
                              "device/vbd/768/backend", "device/vbd/768/state",
                              "device/vbd/768/ring-ref", "device/vbd/768/event-channel",
                              "device/vif/0/backend", "device/vif/0/state", "device/vif/0/mac",
                              "device/vif/0/handle", "control/shutdown", "control/platform-feature-multiprocessor-suspend",
                              "data", "drivers", "feature", "attr", "error", "image/ostype",
                              "image/kernel", "image/cmdline", "serial/0/tty", "vm-data",
                              "domid", "uuid", "device-misc/vif/nextDeviceID",
                              "device-misc/vbd/nextDeviceID", "backend/vbd", "backend/vif",
                              "hvmloader/bios", "platform/acpi"};
        mark();
        double ours = rate([&] {
            std::string base = "/bench/local/domain/" + std::to_string(++dom);
            std::uint32_t tx = std::stoul(c.call(XS_TRANSACTION_START, std::string(1, '\0')));
            for (const char* k : keys) {
                c.send(XS_WRITE, base + "/" + k + std::string(1, '\0') + "v", tx);
            }
            for (std::size_t i = 0; i < std::size(keys); ++i) c.recv();
            c.call(XS_SET_PERMS, nul({base, "n" + std::to_string(dom), "r0"}), tx);
            c.call(XS_TRANSACTION_END, nul({"T"}), tx);
            return 1;
        });
        row("domain boot macro", ours, 0, "40 writes + perms, 1 transaction");
        mark();
        auto t0 = Clock::now();
        for (int d = 1; d <= dom; ++d) c.call(XS_RM, nul({"/bench/local/domain/" + std::to_string(d)}));
        g_ops += dom;
        double rm = dom / std::chrono::duration<double>(Clock::now() - t0).count();
        row("domain destroy (RM of its subtree)", rm, 0, "62 nodes each");
    }
    setup.call(XS_RM, nul({"/bench"}));
}

std::set<std::string> split(const std::string& s) {
    std::set<std::string> out;
    std::size_t a = 0;
    while (a <= s.size()) {
        std::size_t b = s.find(',', a);
        if (b == std::string::npos) b = s.size();
        if (b > a) out.insert(s.substr(a, b - a));
        a = b + 1;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    Bench b;
    int cpu = -1;
    static const option opts[] = {{"socket", 1, nullptr, 's'}, {"pid", 1, nullptr, 'p'},
                                  {"seconds", 1, nullptr, 't'}, {"cpu", 1, nullptr, 'c'},
                                  {"only", 1, nullptr, 'o'},   {"skip", 1, nullptr, 'k'},
                                  {"store-dir", 1, nullptr, 'd'},
                                  {nullptr, 0, nullptr, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, nullptr)) != -1) {
        if (o == 's') b.sock = optarg;
        else if (o == 'p') b.server = std::atoi(optarg);
        else if (o == 't') g_seconds = std::atof(optarg);
        else if (o == 'c') cpu = std::atoi(optarg);
        else if (o == 'o') b.only = split(optarg);
        else if (o == 'k') b.skip = split(optarg);
        else if (o == 'd') b.store_dir = optarg;
        else return 1;
    }
    if (b.sock.empty()) {
        std::fprintf(stderr, "usage: xs_bench --socket PATH [--pid PID] [--seconds S] [--cpu N] "
                             "[--only A,B] [--skip A,B]\n");
        return 1;
    }
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        sched_setaffinity(0, sizeof set, &set);
    }
    b.echo = "/tmp/xs_bench_echo." + std::to_string(::getpid());
    pid_t echo = start_echo(b.echo);
    b.run_all();
    ::kill(echo, SIGKILL);
    ::unlink(b.echo.c_str());
    return 0;
}
