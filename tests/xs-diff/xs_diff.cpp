// xs-diff: differential testing of our xenstored against Xen 4.17's C
// xenstored (cxenstored, from xen-utils-4.17, run socket-only under the
// xenfake.so LD_PRELOAD shim of this directory). The same request
// sequences - hand-written cases and seeded random ones - go to both
// daemons over three connections each; after every request each other
// connection is synchronised with a GET_DOMAIN_PATH, so every watch event
// caused by the request lands in a fixed place of that connection's
// transcript. Every reply and every event must match byte for byte after
// normalisation (transaction ids and DIRECTORY_PART generations are each
// daemon's own numbers). Differences that are deliberate are listed in
// kExceptions with the reason; anything else fails.
//   xs-diff --ours BIN --shim SO [--seed N] [--random-cases N] [--steps N] [-v]
// Exit 0: no unlisted difference; 1: differences (printed); 2: set-up.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lib/xen/xs_wire.h"

namespace {

constexpr const char* kCxenstored = "/usr/lib/xen-4.17/bin/xenstored";
constexpr int kConns = 3;

// Request types whose replies are compared only for argument errors: the
// two daemons have different hypervisors behind them (ours none, Xen's the
// shim), and CONTROL is each daemon's own debug interface.
struct Exception {
    std::uint32_t type;
    const char* reason;
};
// And one about errors, applied per message: a request whose argument is
// missing or not NUL-terminated, where Xen 4.17 answers with whatever errno
// an earlier call left behind (onearg() returns NULL, canonicalize() passes
// it on without setting errno) and we answer EINVAL: both must be errors.
constexpr const char* kStaleErrnoReason =
    "malformed argument: Xen answers a stale errno, we answer EINVAL";

constexpr Exception kExceptions[] = {
    {XS_CONTROL, "operator commands are implementation-specific (xenstore-control)"},
    {XS_INTRODUCE, "needs a hypervisor: ours has none configured here, Xen's a fake one"},
    {XS_RELEASE, "depends on INTRODUCE"},
    {XS_RESUME, "depends on INTRODUCE"},
    {XS_SET_TARGET, "depends on INTRODUCE"},
};

bool excepted(std::uint32_t type) {
    for (const Exception& e : kExceptions)
        if (e.type == type) return true;
    return false;
}

struct Msg {
    std::uint32_t type, req, tx;
    std::string payload;
};

class Conn {
public:
    explicit Conn(const std::string& path) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path.c_str());
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~Conn() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool ok() const { return fd_ >= 0; }
    bool send(std::uint32_t type, std::uint32_t req, std::uint32_t tx, const std::string& p) {
        std::string m;
        xvm::xs_append(m, type, req, tx, p);
        for (std::size_t off = 0; off < m.size();) {
            ssize_t n = ::send(fd_, m.data() + off, m.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return false;
            off += n;
        }
        return true;
    }
    // Messages until the reply to `req` (included); false on EOF/timeout.
    bool until_reply(std::uint32_t req, std::vector<Msg>& out) {
        while (true) {
            auto parsed = xvm::xs_parse(std::span<const char>(buf_));
            if (parsed && *parsed) {
                const xvm::XsMessage& m = **parsed;
                out.push_back(Msg{m.header.type, m.header.req_id, m.header.tx_id,
                                  std::string(m.payload)});
                buf_.erase(0, m.wire_size());
                if (out.back().type != XS_WATCH_EVENT && out.back().req == req) return true;
                continue;
            }
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 5000) != 1) return false;
            char tmp[65536];
            ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
            if (n <= 0) return false;
            buf_.append(tmp, n);
        }
    }

private:
    int fd_ = -1;
    std::string buf_;
};

struct Daemon {
    std::string name, socket;
    pid_t pid = -1;
    std::vector<std::unique_ptr<Conn>> conns;
    std::vector<std::vector<Msg>> transcript;
    std::vector<std::uint32_t> tx;  // per connection: its open transaction, 0 if none
};

pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
            const std::string& log) {
    pid_t pid = ::fork();
    if (pid == 0) {
        for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        std::vector<char*> args;
        for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

bool wait_socket(const std::string& path) {
    for (int i = 0; i < 400; ++i) {
        Conn c(path);
        if (c.ok()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));  // start-up poll
    }
    return false;
}

// A step: connection, type, payload; tx: use the connection's open
// transaction. Payload "@TX" in TRANSACTION_START/END is handled by type.
struct Step {
    int conn;
    std::uint32_t type;
    std::string payload;
    bool in_tx = false;
    bool malformed = false;  // kStaleErrnoReason applies to its reply
};

std::string z(std::initializer_list<std::string> parts) {
    std::string s;
    for (const std::string& p : parts) {
        s += p;
        s += '\0';
    }
    return s;
}

std::string normalise(std::uint32_t type, const std::string& payload) {
    if (type == XS_TRANSACTION_START && !payload.empty() && payload[0] != 'E') return "<tx>";
    if (type == XS_DIRECTORY_PART) {
        auto nul = payload.find('\0');
        if (nul != std::string::npos) return "<gen>" + payload.substr(nul);
    }
    return payload;
}

std::string show(const Msg& m) {
    std::string p;
    for (char c : normalise(m.type, m.payload)) p += c == '\0' ? std::string("\\0") : std::string(1, c);
    if (p.size() > 120) p = p.substr(0, 120) + "...";
    return std::string(xvm::xs_type_name(m.type)) + " req " + std::to_string(m.req) + " [" + p + "]";
}

class Runner {
public:
    Runner(Daemon& a, Daemon& b, bool verbose) : a_(a), b_(b), verbose_(verbose) {}

    // Runs one case (fresh connections, /t cleaned), false on difference.
    int inconclusive = 0;

    bool run_case(const std::string& name, const std::vector<Step>& steps) {
        for (Daemon* d : {&a_, &b_}) {
            d->conns.clear();
            d->transcript.assign(kConns, {});
            d->tx.assign(kConns, 0);
            for (int i = 0; i < kConns; ++i) d->conns.push_back(std::make_unique<Conn>(d->socket));
            std::vector<Msg> ignore;
            d->conns[0]->send(XS_RM, 1, 0, z({"/t"}));
            d->conns[0]->until_reply(1, ignore);
        }
        req_ = 10;
        for (std::size_t i = 0; i < steps.size(); ++i) {
            step(steps[i]);
            std::string diff = compare();
            if (!diff.empty() && xen_corrupt()) {
                // Xen 4.17 answers EIO where its transaction sees a node
                // created after the transaction began but not the parent's
                // new child list (it logs "corrupt" and carries on); we
                // answer from the transaction's view and fail its commit
                // with EAGAIN. The rest of such a case cannot be compared.
                ++inconclusive;
                if (verbose_) std::printf("stopped %s at step %zu: Xen EIO\n", name.c_str(), i);
                return true;
            }
            if (!diff.empty()) {
                std::printf("DIFFERENCE in case %s at step %zu (%s on conn %d):\n%s\n",
                            name.c_str(), i, std::string(xvm::xs_type_name(steps[i].type)).c_str(), steps[i].conn,
                            diff.c_str());
                for (std::size_t j = i > 15 ? i - 15 : 0; j <= i; ++j) {
                    std::string p;
                    for (char ch : steps[j].payload) p += ch ? std::string(1, ch) : "\\0";
                    std::printf("    step %zu: conn %d %s%s [%s]\n", j, steps[j].conn,
                                std::string(xvm::xs_type_name(steps[j].type)).c_str(),
                                steps[j].in_tx ? " (tx)" : "", p.substr(0, 80).c_str());
                }
                return false;
            }
        }
        if (verbose_) std::printf("ok %s (%zu steps)\n", name.c_str(), steps.size());
        return true;
    }

private:
    void step(const Step& s) {
        std::uint32_t req = ++req_;
        if (s.malformed) lenient_.push_back(req);
        for (Daemon* d : {&a_, &b_}) {
            std::uint32_t tx = s.in_tx ? d->tx[s.conn] : 0;
            if (s.type == XS_TRANSACTION_END) tx = d->tx[s.conn];
            d->conns[s.conn]->send(s.type, req, tx, s.payload);
            std::vector<Msg>& t = d->transcript[s.conn];
            std::size_t before = t.size();
            if (!d->conns[s.conn]->until_reply(req, t))
                t.push_back(Msg{0xffff, req, 0, "<no reply: daemon closed or hung>"});
            const Msg& r = t.back();
            if (s.type == XS_TRANSACTION_START && r.type == XS_TRANSACTION_START)
                d->tx[s.conn] = std::strtoul(r.payload.c_str(), nullptr, 10);
            if (s.type == XS_TRANSACTION_END && r.type == XS_TRANSACTION_END) d->tx[s.conn] = 0;
            if (s.type == XS_TRANSACTION_END && r.type == XS_ERROR && r.payload != z({"ENOENT"}))
                d->tx[s.conn] = 0;  // EAGAIN ends it too
            (void)before;
            // Synchronise the others: their events for this step arrive first.
            for (int c = 0; c < kConns; ++c) {
                if (c == s.conn) continue;
                std::uint32_t sync = 0x40000000u + req;
                d->conns[c]->send(XS_GET_DOMAIN_PATH, sync, 0, z({"0"}));
                d->conns[c]->until_reply(sync, d->transcript[c]);
            }
        }
    }

    // The newest message of cxenstored's transcripts is an EIO error.
    bool xen_corrupt() const {
        for (const auto& t : b_.transcript)
            for (const Msg& m : t)
                if (m.type == XS_ERROR && m.payload == z({"EIO"})) return true;
        return false;
    }

    std::string compare() {
        std::string out;
        for (int c = 0; c < kConns; ++c) {
            auto& x = a_.transcript[c];
            auto& y = b_.transcript[c];
            std::size_t n = std::max(x.size(), y.size());
            for (std::size_t i = checked_[c]; i < n; ++i) {
                const Msg* m = i < x.size() ? &x[i] : nullptr;
                const Msg* k = i < y.size() ? &y[i] : nullptr;
                bool same = m && k && m->type == k->type && m->req == k->req &&
                            normalise(m->type, m->payload) == normalise(k->type, k->payload);
                if (!same && m && k && m->type == XS_ERROR && k->type == XS_ERROR &&
                    m->req == k->req && m->payload == z({"EINVAL"}) &&
                    std::find(lenient_.begin(), lenient_.end(), m->req) != lenient_.end())
                    same = true;
                if (!same)
                    out += "  conn " + std::to_string(c) + ": " + a_.name + ": " +
                           (m ? show(*m) : "(nothing)") + "\n          " + b_.name + ": " +
                           (k ? show(*k) : "(nothing)") + "\n";
            }
        }
        return out;
    }

    Daemon &a_, &b_;
    bool verbose_;
    std::uint32_t req_ = 10;
    std::size_t checked_[kConns] = {0, 0, 0};
    std::vector<std::uint32_t> lenient_;
};

// ---- The cases ----------------------------------------------------------

// A request that takes one argument (Xen's onearg()) without exactly one
// NUL, at the end: kStaleErrnoReason.
bool malformed_one_arg(std::uint32_t type, const std::string& p) {
    switch (type) {
        case XS_READ: case XS_DIRECTORY: case XS_GET_PERMS: case XS_MKDIR: case XS_RM:
        case XS_GET_DOMAIN_PATH: case XS_IS_DOMAIN_INTRODUCED:
            return p.empty() || p.back() != '\0' || std::count(p.begin(), p.end(), '\0') != 1;
        default:
            return false;
    }
}

std::vector<std::pair<std::string, std::vector<Step>>> hand_cases() {
    std::vector<std::pair<std::string, std::vector<Step>>> cases;
    auto w = [](int c, std::string path, std::string value, bool tx = false) {
        return Step{c, XS_WRITE, path + std::string(1, '\0') + value, tx};
    };
    // RM under watches: root once, exact below, none for an absent node.
    for (bool tx : {false, true}) {
        std::vector<Step> s = {
            w(0, "/t/a/b/c", "1"), w(0, "/t/a/b/d", "2"), w(0, "/t/a/e", "3"),
            {1, XS_WATCH, z({"/t", "up"})},        {1, XS_WATCH, z({"/t/a", "root"})},
            {2, XS_WATCH, z({"/t/a/b/c", "exact"})}, {2, XS_WATCH, z({"/t/a/b/none", "absent"})},
            {2, XS_WATCH, z({"/t/a/b", "mid"})},
        };
        if (tx) s.push_back({0, XS_TRANSACTION_START, z({""})});
        s.push_back({0, XS_RM, z({"/t/a"}), tx});
        if (tx) s.push_back({0, XS_TRANSACTION_END, z({"T"})});
        s.push_back({0, XS_RM, z({"/t/a"})});  // gone: ENOENT? parent exists: OK
        cases.emplace_back(tx ? "rm-watches-in-transaction" : "rm-watches", s);
    }
    // Implicit parent creation.
    for (bool tx : {false, true}) {
        std::vector<Step> s = {
            {0, XS_MKDIR, z({"/t"})},
            {1, XS_WATCH, z({"/t/p", "parent"})}, {1, XS_WATCH, z({"/t/p/q", "mid"})},
            {2, XS_WATCH, z({"/t/p/q/r", "leaf"})}, {2, XS_WATCH, z({"/t/p/q/r/s", "below"})},
        };
        if (tx) s.push_back({0, XS_TRANSACTION_START, z({""})});
        s.push_back(w(0, "/t/p/q/r", "v", tx));
        s.push_back({0, XS_MKDIR, z({"/t/p/x/y"}), tx});
        s.push_back({0, XS_DIRECTORY, z({"/t/p"}), tx});
        if (tx) s.push_back({0, XS_TRANSACTION_END, z({"T"})});
        s.push_back({0, XS_DIRECTORY, z({"/t/p"})});
        cases.emplace_back(tx ? "implicit-parents-in-transaction" : "implicit-parents", s);
    }
    // Path lengths as 4.17 counts them.
    {
        std::vector<Step> s = {{0, XS_MKDIR, z({"/t"})}};
        for (std::size_t len : {2048u, 3071u, 3072u, 3073u, 4000u}) {
            std::string p = "/t/" + std::string(len - 3, 'a');
            s.push_back(w(0, p, "x"));
            s.push_back({0, XS_READ, z({p})});
        }
        std::string base = "/local/domain/0/";
        for (std::size_t len : {std::size_t(2000), std::size_t(2048), std::size_t(2049),
                                3072 - base.size(), 3073 - base.size()}) {
            std::string rel(len, 'r');
            s.push_back(w(0, rel, "y"));
            s.push_back({0, XS_READ, z({rel})});
            s.push_back({1, XS_WATCH, z({rel, "tok"})});
        }
        for (std::size_t len : {2048u, 3072u, 3073u})
            s.push_back({1, XS_WATCH, z({"@" + std::string(len - 1, 's'), "t"})});
        s.push_back({0, XS_RM, z({"/local/domain/0"})});
        cases.emplace_back("path-lengths", s);
    }
    // Argument counts and NUL termination for every request type.
    {
        std::vector<Step> s = {w(0, "/t/x", "1")};
        const std::vector<std::string> payloads = {
            "", std::string(1, '\0'), "/t/x", z({"/t/x"}), z({"/t/x", "b0"}),
            z({"/t/x", "b0", "r1"}), z({"/t/x"}) + "tail", z({"0"}), z({"0", "1"}),
            z({"1", "2", "3"}), z({"T"}), z({"F"}), "T", z({"/t/x", "tok"}), z({"/t/x", "0"})};
        for (std::uint32_t type = 0; type <= XS_DIRECTORY_PART + 2; ++type) {
            if (type == XS_WATCH_EVENT) continue;  // compared as a request below
            if (excepted(type)) continue;
            for (const std::string& p : payloads) {
                s.push_back({0, type, p, false, malformed_one_arg(type, p)});
                // Leave no watch or transaction behind.
                if (type == XS_WATCH) s.push_back({0, XS_RESET_WATCHES, ""});
                if (type == XS_TRANSACTION_START) s.push_back({0, XS_TRANSACTION_END, z({"F"})});
            }
        }
        s.push_back({0, XS_WATCH_EVENT, z({"/t/x", "t"})});
        s.push_back({0, 999, ""});
        cases.emplace_back("arguments-every-type", s);
    }
    // DIRECTORY_PART at and past the end.
    {
        std::vector<Step> s = {w(0, "/t/d/aa", ""), w(0, "/t/d/bbb", ""), w(0, "/t/d/c", "")};
        for (const char* off : {"0", "3", "4", "7", "8", "9", "10", "11", "12", "-1", "x", ""})
            s.push_back({0, XS_DIRECTORY_PART, z({"/t/d", off})});
        s.push_back({0, XS_DIRECTORY_PART, z({"/t/none", "0"})});
        cases.emplace_back("directory-part", s);
    }
    // Transactions: conflict, abort, snapshot, events at commit.
    {
        std::vector<Step> s = {
            w(0, "/t/c", "1"), {1, XS_WATCH, z({"/t", "w"})},
            {0, XS_TRANSACTION_START, z({""})}, {0, XS_READ, z({"/t/c"}), true},
            w(2, "/t/c", "2"), w(0, "/t/c", "3", true), w(0, "/t/n/m", "4", true),
            {0, XS_TRANSACTION_END, z({"T"})}, {0, XS_READ, z({"/t/c"})},
            {0, XS_TRANSACTION_START, z({""})}, w(0, "/t/c", "5", true),
            {0, XS_SET_PERMS, z({"/t/c", "n0", "r5"}), true}, {0, XS_RM, z({"/t/c"}), true},
            w(0, "/t/c", "6", true), {0, XS_TRANSACTION_END, z({"T"})},
            {0, XS_GET_PERMS, z({"/t/c"})},
            {0, XS_TRANSACTION_START, z({""})}, w(0, "/t/gone", "x", true),
            {0, XS_TRANSACTION_END, z({"F"})}, {0, XS_READ, z({"/t/gone"})},
            {1, XS_UNWATCH, z({"/t", "w"})}, {1, XS_UNWATCH, z({"/t", "w"})}};
        cases.emplace_back("transactions", s);
    }
    return cases;
}

// Random sequences over a small tree: every request type the tool
// compares, on three connections, with transactions and watches.
std::vector<Step> random_case(std::mt19937& rng, int steps) {
    const char* names[] = {"a", "b", "c"};
    auto path = [&] {
        std::string p = "/t";
        int depth = 1 + rng() % 3;
        for (int i = 0; i < depth; ++i) p += std::string("/") + names[rng() % 3];
        return p;
    };
    std::vector<Step> s;
    for (int i = 0; i < steps; ++i) {
        int c = rng() % kConns;
        bool tx = rng() % 4 == 0;
        switch (rng() % 12) {
            case 0: case 1: s.push_back({c, XS_WRITE, path() + std::string(1, '\0') + std::to_string(rng() % 100), tx}); break;
            case 2: s.push_back({c, XS_MKDIR, z({path()}), tx}); break;
            case 3: s.push_back({c, XS_RM, z({path()}), tx}); break;
            case 4: s.push_back({c, XS_READ, z({path()}), tx}); break;
            case 5: s.push_back({c, XS_DIRECTORY, z({path()}), tx}); break;
            case 6: s.push_back({c, XS_WATCH, z({path(), "w" + std::to_string(rng() % 3)})}); break;
            case 7: s.push_back({c, XS_UNWATCH, z({path(), "w" + std::to_string(rng() % 3)})}); break;
            case 8: s.push_back({c, XS_TRANSACTION_START, z({""})}); break;
            case 9: s.push_back({c, XS_TRANSACTION_END, z({rng() % 3 ? "T" : "F"})}); break;
            case 10: s.push_back({c, XS_SET_PERMS, z({path(), rng() % 2 ? "n0" : "b0", "r" + std::to_string(rng() % 3)}), tx}); break;
            default: s.push_back({c, XS_GET_PERMS, z({path()}), tx}); break;
        }
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    std::string ours_bin, shim;
    unsigned seed = 1;
    int random_cases = 20, steps = 60;
    bool verbose = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--ours") ours_bin = next();
        else if (a == "--shim") shim = next();
        else if (a == "--seed") seed = std::stoul(next());
        else if (a == "--random-cases") random_cases = std::stoi(next());
        else if (a == "--steps") steps = std::stoi(next());
        else if (a == "-v") verbose = true;
        else {
            std::fprintf(stderr, "xs-diff: unknown argument %s\n", a.c_str());
            return 2;
        }
    }
    if (ours_bin.empty() || shim.empty() || ::access(kCxenstored, X_OK) != 0) {
        std::fprintf(stderr, "xs-diff: needs --ours, --shim and %s (xen-utils-4.17)\n",
                     kCxenstored);
        return 2;
    }
    char tmpl[] = "/dev/shm/xs-diff-XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    std::string root = dir + "/ours", xen = dir + "/xen";
    std::system(("mkdir -p '" + root + "/etc/security' '" + root + "/etc/xvm' '" + xen + "'").c_str());
    std::string src = XVM_SOURCE_DIR;
    std::system(("cp " + src + "/privileges/priv_names '" + root + "/etc/security/' && cp " +
                 src + "/privileges/priv_groups " + src + "/privileges/priv_caps '" + root +
                 "/etc/xvm/'").c_str());
    Daemon ours, cx;
    ours.name = "ours";
    ours.socket = root + "/var/run/xenstored/socket";
    cx.name = "cxenstored";
    cx.socket = xen + "/socket";
    ours.pid = spawn({ours_bin, "-N", "--new-store"}, {"XVM_ROOT=" + root}, dir + "/ours.log");
    cx.pid = spawn({kCxenstored, "-N", "-F", xen + "/pid"},
                   {"XENSTORED_RUNDIR=" + xen, "XENSTORED_PATH=" + xen + "/socket",
                    "XENFAKE_RUNDIR=" + xen, "LD_PRELOAD=" + shim},
                   dir + "/xen.log");
    int rc = 0;
    if (!wait_socket(ours.socket) || !wait_socket(cx.socket)) {
        std::fprintf(stderr, "xs-diff: a daemon did not start (logs in %s)\n", dir.c_str());
        rc = 2;
    } else {
        Runner runner(ours, cx, verbose);
        int failed = 0, total = 0;
        for (auto& [name, steps_of] : hand_cases()) {
            ++total;
            if (!runner.run_case(name, steps_of)) ++failed;
        }
        std::mt19937 rng(seed);
        for (int i = 0; i < random_cases; ++i) {
            ++total;
            if (!runner.run_case("random-" + std::to_string(seed) + "-" + std::to_string(i),
                                 random_case(rng, steps)))
                ++failed;
        }
        std::printf("xs-diff: %d cases, %d with differences, %d stopped at a Xen EIO "
                    "(seed %u); exceptions:\n", total, failed, runner.inconclusive, seed);
        std::printf("  (errors) %s\n", kStaleErrnoReason);
        for (const Exception& e : kExceptions)
            std::printf("  %s: %s\n", std::string(xvm::xs_type_name(e.type)).c_str(), e.reason);
        rc = failed ? 1 : 0;
    }
    for (pid_t p : {ours.pid, cx.pid})
        if (p > 0) ::kill(p, SIGTERM);
    for (pid_t p : {ours.pid, cx.pid})
        if (p > 0) ::waitpid(p, nullptr, 0);
    std::system(("rm -rf '" + dir + "'").c_str());
    return rc;
}
