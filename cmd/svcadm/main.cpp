// svcadm - ask the restarter to change service instances (SMF.md 8).
//   svcadm [-v] enable [-r] [-s] [-t] fmri...    disable [-c text] [-s] [-t] fmri...
//   svcadm [-v] restart fmri...  refresh fmri...  clear fmri...
//   svcadm [-v] mark [-I] [-t] maintenance|degraded fmri...
// Exit status: 0 ok, 1 error, 2 usage, 3 a waited-for instance cannot get
// there because of itself, 4 ... because of its dependencies.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lib/base/format.h"
#include "lib/smf/smf_control.h"
#include "lib/smf/smf_fmri.h"
#include "lib/smf/smf_operands.h"
#include "lib/smf/smf_repo.h"

namespace {

using namespace xvm;

constexpr int kExitFail = 1, kExitUsage = 2, kExitSelf = 3, kExitDeps = 4;

bool verbose = false;

int usage() {
    std::fprintf(stderr,
                 "Usage: svcadm [-v] [cmd [args ... ]]\n\n"
                 "\tsvcadm enable [-rst] <service> ...\t- enable and online service(s)\n"
                 "\tsvcadm disable [-c comment] [-st] <service> ...\t- disable and offline service(s)\n"
                 "\tsvcadm restart <service> ...\t\t- restart specified service(s)\n"
                 "\tsvcadm refresh <service> ...\t\t- re-read service configuration\n"
                 "\tsvcadm mark [-It] <state> <service> ...\t- set maintenance state\n"
                 "\tsvcadm clear <service> ...\t\t- clear maintenance state\n");
    return kExitUsage;
}

void warn(const std::string& msg) { std::fprintf(stderr, "svcadm: %s\n", msg.c_str()); }

Result<std::vector<std::string>> resolve(const std::string& op) {
    auto repo = smf::Repository::open(false);
    if (!repo) return std::move(repo).error();
    return smf::resolve_operand(**repo, op, smf::OperandRule::Single);
}

Result<smf::InstanceInfo> info(const std::string& entity) {
    auto repo = smf::Repository::open(false);
    if (!repo) return std::move(repo).error();
    return smf::instance_info(**repo, entity);
}

// The services an instance depends on (for enable -r): every cited
// instance of its require_* and optional_all dependencies, recursively.
// One repository handle throughout: tdb refuses a second open of the same
// file in one process.
Status dependencies(smf::Repository& repo, const std::string& entity, std::set<std::string>& out) {
    auto view = repo.composed_current(entity);
    if (!view) return std::move(view).error();
    for (const smf::PropertyGroup& g : view->pgs) {
        if (g.type != "dependency" || view->first(g.name, "grouping") == "exclude_all") continue;
        const smf::Property* e = g.find("entities");
        for (const std::string& f : e ? e->values : std::vector<std::string>{}) {
            auto parsed = smf::parse_fmri(f);
            if (!parsed) continue;  // file:// dependencies have nothing to enable
            auto m = smf::resolve_operand(repo, parsed->str(), smf::OperandRule::All);
            if (!m && m.error().code != ENOENT) return std::move(m).error();
            for (const std::string& inst : m ? *m : std::vector<std::string>{})
                if (out.insert(inst).second)
                    if (auto st = dependencies(repo, inst, out); !st) return st;
        }
    }
    return {};
}

Status dependencies(const std::string& entity, std::set<std::string>& out) {
    auto repo = smf::Repository::open(false);
    if (!repo) return std::move(repo).error();
    return dependencies(**repo, entity, out);
}

// enable -s: the first dependency that cannot come up without an
// administrator (disabled, in maintenance, absent), or "".
std::string stuck_dependency(const std::string& entity) {
    std::set<std::string> deps;
    if (!dependencies(entity, deps)) return "";  // unknown now; the next poll looks again
    for (const std::string& d : deps) {
        auto i = info(d);
        if (!i) continue;  // unreadable now: not evidence of being stuck; the next poll looks again
        if (i->state == "maintenance" || (!i->enabled && i->state == "disabled")) return d;
    }
    return "";
}

// Polls the published state (never sleeps blindly: each pass reads it).
// Without a restarter nothing would ever change, so that ends the wait.
int wait_for(const std::string& entity, bool want_online) {
    using namespace std::chrono_literals;
    for (int pass = 0;; ++pass) {
        if (pass % 40 == 0) {
            auto alive = smf::send_request(smf::Request{"notify", entity, {}});
            if (!alive && (alive.error().code == ENOENT || alive.error().code == ECONNREFUSED)) {
                warn(cat("svc:/", entity, ": cannot wait: svc.startd is not running (", alive.error().message, ")"));
                return kExitFail;
            }
        }
        auto i = info(entity);
        if (!i) return warn(i.error().message), kExitFail;
        if (i->next_state == "none") {
            if (want_online && (i->state == "online" || i->state == "degraded")) return 0;
            if (!want_online && i->state == "disabled") return 0;
            if (i->state == "maintenance") {
                warn(cat("Instance \"svc:/", entity, "\" is in maintenance state."));
                return kExitSelf;
            }
            if (want_online && i->state == "offline") {
                std::string dep = stuck_dependency(entity);
                if (!dep.empty()) {
                    warn(cat("svc:/", entity, " cannot come online: dependency svc:/", dep, " is not running"));
                    return kExitDeps;
                }
            }
        }
        std::this_thread::sleep_for(50ms);
    }
}

int submit(const std::string& verb, const std::string& entity, std::vector<std::string> args = {}) {
    auto st = smf::submit(smf::Request{verb, entity, std::move(args)});
    if (!st) return warn(cat("svc:/", entity, ": ", st.error().message)), kExitFail;
    if (verbose) std::printf("svc:/%s %s.\n", entity.c_str(), verb.c_str());
    return 0;
}

// enable -r: as root, every instance is enabled in one repository
// transaction, so the restarter never sees half of the set (a start
// method reacting to a partly enabled set would otherwise race it).
int submit_all(const std::string& verb, const std::vector<std::string>& targets, const std::string& comment) {
    std::vector<std::string> args;
    if (!comment.empty()) args.push_back(comment);
    if (::geteuid() != 0 || targets.size() == 1) {
        for (const std::string& x : targets)
            if (int rc = submit(verb, x, args)) return rc;
        return 0;
    }
    {
        auto repo = smf::Repository::open(true);
        if (!repo) return warn(repo.error().message), kExitFail;
        auto st = (*repo)->transaction([&]() -> Status {
            for (const std::string& x : targets)
                if (auto s = smf::apply_request(**repo, smf::Request{verb, x, args}); !s)
                    return std::move(s).error().context(cat("svc:/", x));
            return {};
        });
        if (!st) return warn(st.error().message), kExitFail;
    }
    (void)smf::send_request(smf::Request{"notify", targets.front(), {}});  // not running: it reads all at start
    if (verbose)
        for (const std::string& x : targets) std::printf("svc:/%s %s.\n", x.c_str(), verb.c_str());
    return 0;
}

int for_each(const std::vector<std::string>& ops, const std::function<int(const std::string&)>& fn) {
    int rc = 0;
    for (const std::string& op : ops) {
        auto ents = resolve(op);
        if (!ents) {
            warn(ents.error().message);
            rc = kExitFail;
            continue;
        }
        for (const std::string& e : *ents) rc = std::max(rc, fn(e));
    }
    return rc;
}

int enable_disable(bool enable, std::vector<std::string> a) {
    bool r = false, s = false, t = false;
    std::string comment;
    std::size_t i = 1;
    for (; i < a.size() && a[i].starts_with("-"); ++i) {
        if (a[i] == "-c" && !enable && i + 1 < a.size()) { comment = a[++i]; continue; }
        for (char c : a[i].substr(1)) {
            if (c == 'r' && enable) r = true;
            else if (c == 's') s = true;
            else if (c == 't') t = true;
            else return usage();
        }
    }
    std::vector<std::string> ops(a.begin() + static_cast<long>(i), a.end());
    if (ops.empty()) return usage();
    std::string verb = std::string(enable ? "enable" : "disable") + (t ? "_t" : "");
    return for_each(ops, [&](const std::string& e) {
        std::vector<std::string> targets{e};
        if (r) {
            std::set<std::string> deps;
            if (auto st = dependencies(e, deps); !st) return warn(st.error().message), kExitFail;
            targets.insert(targets.end(), deps.begin(), deps.end());
        }
        if (int rc = submit_all(verb, targets, comment)) return rc;
        return s ? wait_for(e, enable) : 0;
    });
}

int clear(const std::string& e) {
    auto i = info(e);
    if (!i) return warn(i.error().message), kExitFail;
    if (i->state == "maintenance") return submit("maint_off", e);
    if (i->state == "degraded") return submit("restore", e);
    warn(cat("Instance \"svc:/", e, "\" is not in a maintenance or degraded state."));
    return kExitFail;
}

int mark(const std::vector<std::string>& a) {
    bool imm = false, tmp = false;
    std::size_t i = 1;
    for (; i < a.size() && a[i].starts_with("-"); ++i)
        for (char c : a[i].substr(1)) {
            if (c == 'I') imm = true;
            else if (c == 't') tmp = true;
            else return usage();
        }
    if (i + 1 >= a.size()) return usage();
    std::string state = a[i];
    std::vector<std::string> ops(a.begin() + static_cast<long>(i) + 1, a.end());
    if (state == "maintenance")
        return for_each(ops, [&](const std::string& e) {
            return submit(imm && tmp ? "maint_on_immtemp" : imm ? "maint_on_immediate" : tmp ? "maint_on_temporary" : "maint_on", e);
        });
    if (state == "degraded" && !tmp)
        return for_each(ops, [&](const std::string& e) {
            auto in = info(e);
            if (in && in->state != "online") {
                warn(cat("Instance \"svc:/", e, "\" is not online."));
                return kExitFail;
            }
            return submit(imm ? "degrade_immediate" : "degraded", e);
        });
    return usage();
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> a(argv + 1, argv + argc);
    if (!a.empty() && a[0] == "-v") {
        verbose = true;
        a.erase(a.begin());
    }
    if (a.empty()) return usage();
    const std::string& cmd = a[0];
    if (cmd == "enable" || cmd == "disable") return enable_disable(cmd == "enable", a);
    if (cmd == "mark") return mark(a);
    std::vector<std::string> ops(a.begin() + 1, a.end());
    if (cmd == "restart" && !ops.empty() && ops[0] == "-d") {
        warn("restart -d (abort with a core dump first) is not supported on this system");
        return kExitUsage;
    }
    if (ops.empty()) return usage();
    if (cmd == "restart" || cmd == "refresh")
        return for_each(ops, [&](const std::string& e) { return submit(cmd, e); });
    if (cmd == "clear") return for_each(ops, clear);
    return usage();
}
