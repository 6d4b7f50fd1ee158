// The kill -9 campaign (issue 14): one writer pipelines plain writes,
// transactions and removals at the real daemon, which is killed with
// SIGKILL at a random point of the stream - inside a journal write, a
// merge into the tdb, a tdb rebuild, wherever it happens to be - and
// restarted from its files, over and over (seeded). After every restart:
//  - every acknowledged change is there;
//  - of the requests sent but not answered, a prefix took effect, each
//    one whole (a transaction all or nothing) and in order - nothing
//    unacknowledged is half-applied.
// The model: the tree under /k after applying the acknowledged operations,
// and then each unacknowledged one in turn; the daemon's tree must equal
// one of those states.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "lib/xen/xs_wire.h"
#include "tests/e2e/xs_harness.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

using Tree = std::map<std::string, std::string>;  // every node below /k

struct Step {
    bool rm = false;
    std::string path, value;
};

// One operation: a plain WRITE or RM, or a transaction of several steps.
struct Op {
    bool tx = false;
    std::vector<Step> steps;
};

void apply_step(Tree& t, const Step& s) {
    if (s.rm) {
        auto it = t.lower_bound(s.path);
        while (it != t.end() && (it->first == s.path || it->first.starts_with(s.path + "/")))
            it = t.erase(it);
        return;
    }
    // Missing parents below /k are created empty.
    for (auto at = s.path.find('/', 3); at != std::string::npos; at = s.path.find('/', at + 1))
        t.try_emplace(s.path.substr(0, at), "");
    t[s.path] = s.value;
}

void apply_op(Tree& t, const Op& op) {
    for (const Step& s : op.steps) apply_step(t, s);
}

std::string show(const Tree& t) {
    std::string out;
    for (const auto& [path, value] : t)
        out += path + "=" + (value.size() > 12 ? value.substr(0, 12) + "..." : value) + " ";
    return out;
}

Op random_op(std::mt19937& rng, int serial) {
    auto path = [&] {
        if (rng() % 3 == 0) return "/k/a" + std::to_string(rng() % 10);
        return "/k/d" + std::to_string(rng() % 5) + "/n" + std::to_string(rng() % 10);
    };
    auto value = [&] {
        std::string v = "v" + std::to_string(serial);
        // Now and then a value spanning pages: a torn journal write.
        if (rng() % 10 == 0) v += std::string(1500 + rng() % 2000, 'x');
        return v;
    };
    Op op;
    unsigned kind = rng() % 20;
    if (kind < 11) {
        op.steps.push_back(Step{false, path(), value()});
    } else if (kind < 15) {
        std::string p = rng() % 2 ? path() : "/k/d" + std::to_string(rng() % 5);
        op.steps.push_back(Step{true, p, ""});
    } else {
        op.tx = true;
        int n = 2 + rng() % 5;
        for (int i = 0; i < n; ++i) {
            if (rng() % 6 == 0) op.steps.push_back(Step{true, path(), ""});
            else op.steps.push_back(Step{false, path(), value() + "." + std::to_string(i)});
        }
    }
    return op;
}

class XenstoredKill : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = needs_root()) GTEST_SKIP() << *why;
        ASSERT_EQ(run(XVM_SOURCE_DIR "/cmd/xvm-accounts/xvm-accounts >/dev/null"), 0);
    }
    void start(bool fresh) {
        daemon_.emplace(root_, std::vector<std::string>{}, fresh);
        ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    }
    // The daemon's tree below /k.
    Tree read_tree(XsClient& c) {
        Tree t;
        std::vector<std::string> todo{"/k"};
        while (!todo.empty()) {
            std::string dir = todo.back();
            todo.pop_back();
            auto r = c.call(XS_DIRECTORY, nul_join({dir}));
            EXPECT_TRUE(r && r->type == XS_DIRECTORY) << dir;
            if (!r || r->type != XS_DIRECTORY) return t;
            std::string_view names = r->payload;
            std::size_t at = 0;
            while (at < names.size()) {
                std::size_t end = names.find('\0', at);
                std::string child = dir + "/" + std::string(names.substr(at, end - at));
                t[child] = c.read(child);
                todo.push_back(child);
                at = end + 1;
            }
        }
        return t;
    }

    TempRoot root_;
    std::optional<Xenstored> daemon_;
};

// Sends operations until `kill_after` of them are acknowledged, then
// kills the daemon. `acked` gets the acknowledged operations applied, in
// order; `unacked` the rest that were sent (or partly sent), in order.
struct Writer {
    XsClient& c;
    std::mt19937& rng;
    Tree& acked;
    std::vector<Op> unacked;
    int serial = 0;

    struct Sent {
        std::size_t op;       // index into `unacked`
        bool completes;       // its reply acknowledges the operation
        bool tx_start = false;
    };
    std::deque<Sent> inflight;
    std::size_t done = 0;  // operations acknowledged (leading entries of `unacked`)

    // Handles one reply; false when the daemon is gone.
    bool receive() {
        auto r = c.reply(10s);
        if (!r) return false;
        Sent s = inflight.front();
        inflight.pop_front();
        if (s.completes) {
            // WRITE, RM (OK or ENOENT: no change either way) or
            // TRANSACTION_END: the operation is acknowledged.
            EXPECT_NE(r->error(), "EAGAIN");
            EXPECT_NE(r->error(), "ENOSPC");
            if (r->type != XS_ERROR || r->error() == "ENOENT") apply_op(acked, unacked[s.op]);
            ++done;
        }
        return true;
    }

    // Returns false when the daemon went away (it must not: we kill it).
    bool run(int kill_after, Child& daemon) {
        while (static_cast<int>(done) < kill_after) {
            while (inflight.size() < 24) {
                Op op = random_op(rng, ++serial);
                unacked.push_back(op);
                std::size_t index = unacked.size() - 1;
                if (!op.tx) {
                    const Step& s = op.steps[0];
                    bool ok = s.rm ? c.send(XS_RM, nul_join({s.path}))
                                   : c.send(XS_WRITE, s.path + std::string(1, '\0') + s.value);
                    if (!ok) return false;
                    inflight.push_back(Sent{index, true});
                    continue;
                }
                // A transaction: its id first (drain what is in flight).
                if (!c.send(XS_TRANSACTION_START, std::string(1, '\0'))) return false;
                inflight.push_back(Sent{index, false, true});
                while (inflight.size() > 1)
                    if (!receive()) return false;
                auto r = c.reply(10s);
                if (!r || r->type != XS_TRANSACTION_START) return false;
                inflight.pop_front();
                std::uint32_t tx = std::stoul(r->payload);
                for (const Step& s : op.steps) {
                    bool ok = s.rm ? c.send(XS_RM, nul_join({s.path}), tx)
                                   : c.send(XS_WRITE, s.path + std::string(1, '\0') + s.value, tx);
                    if (!ok) return false;
                    inflight.push_back(Sent{index, false});
                }
                if (!c.send(XS_TRANSACTION_END, nul_join({"T"}), tx)) return false;
                inflight.push_back(Sent{index, true});
                break;
            }
            if (!receive()) return false;
        }
        daemon.kill(SIGKILL);
        // Replies already on their way may still arrive: they count.
        while (!inflight.empty() && receive()) {
        }
        unacked.erase(unacked.begin(), unacked.begin() + done);
        return true;
    }
};

TEST_F(XenstoredKill, FiftyKillsLoseNothingAcknowledged) {
    unsigned seed = 14;
    if (const char* s = std::getenv("XS_KILL_SEED")) seed = std::strtoul(s, nullptr, 10);
    int rounds = 50;
    if (const char* s = std::getenv("XS_KILL_ROUNDS")) rounds = std::atoi(s);
    RecordProperty("seed", static_cast<int>(seed));
    std::mt19937 rng(seed);
    Tree model;
    start(true);
    {
        XsClient c(daemon_->socket());
        ASSERT_TRUE(c.write("/k", ""));
    }
    std::size_t total_acked = 0, prefixes = 0;
    for (int round = 0; round < rounds; ++round) {
        SCOPED_TRACE("seed " + std::to_string(seed) + " round " + std::to_string(round));
        int kill_after = 100 + static_cast<int>(rng() % 2500);
        std::vector<Op> unacked;
        {
            XsClient c(daemon_->socket());
            ASSERT_TRUE(c.valid());
            Writer w{c, rng, model, {}, 0, {}, 0};
            ASSERT_TRUE(w.run(kill_after, daemon_->child())) << daemon_->log();
            total_acked += w.done;
            unacked = std::move(w.unacked);
        }
        int status = daemon_->child().wait();
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << daemon_->log();
        start(false);
        XsClient c(daemon_->socket());
        Tree actual = read_tree(c);
        // Acknowledged, plus a whole prefix of the rest.
        Tree candidate = model;
        std::size_t k = 0;
        while (actual != candidate && k < unacked.size()) apply_op(candidate, unacked[k++]);
        ASSERT_EQ(actual, candidate)
            << "after the restart the store is not the acknowledged state plus a prefix of the "
               "unacknowledged operations\n  daemon: "
            << show(actual) << "\n  acknowledged: " << show(model) << "\n" << daemon_->log();
        prefixes += k;
        model = actual;
        auto check = c.call(XS_CONTROL, nul_join({"check"}));
        ASSERT_TRUE(check);
        ASSERT_EQ(check->payload, nul_join({"OK"})) << daemon_->log();
    }
    RecordProperty("acknowledged", static_cast<int>(total_acked));
    RecordProperty("unacknowledged_applied", static_cast<int>(prefixes));
    std::printf("kill campaign: seed %u, %d kills, %zu operations acknowledged, %zu "
                "unacknowledged ones found applied (whole, in order)\n",
                seed, rounds, total_acked, prefixes);
    // A clean stop leaves the tdb complete, readable by tdbdump.
    daemon_->child().kill(SIGTERM);
    daemon_->child().wait();
    std::string tdb = root_ / "/var/run/xenstored/tdb";
    EXPECT_EQ(run("tdbdump '" + tdb + "' | grep -q 'key(2) = \"/k\"'"), 0);
}

}  // namespace
}  // namespace xvm::test
