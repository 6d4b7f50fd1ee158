#include "daemons/svc.startd/restarter.h"

#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include <algorithm>
#include <set>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/paths.h"
#include "lib/priv/priv_db.h"
#include "lib/smf/smf_fmri.h"
#include "daemons/svc.startd/svclog.h"

namespace xvm::startd {
namespace {

std::string now_stamp() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld.%09ld", static_cast<long long>(ts.tv_sec), ts.tv_nsec);
    return buf;
}

// The order in which pending administrative actions are honoured.
constexpr std::string_view kActions[] = {"maint_off",         "maint_on",  "maint_on_immediate",
                                         "maint_on_temporary", "maint_on_immtemp", "dodump",
                                         "restart",           "refresh",   "degraded",
                                         "degrade_immediate", "restore"};

}  // namespace

Result<std::unique_ptr<Restarter>> Restarter::create(EventLoop& loop, smf::Repository& repo) {
    std::unique_ptr<Restarter> r(new Restarter(loop, repo));
    repo.set_lock_budget(kLockBudget);
    auto base = smf::contract_base();
    if (!base) return std::move(base).error();
    r->contract_base_ = *base;
    auto names = PrivNames::load(root_path(kPrivNamesPath));
    if (!names) return std::move(names).error();
    r->names_ = std::move(*names);
    auto caps = CapTable::load(r->names_, root_path(kPrivCapsPath));
    if (!caps) return std::move(caps).error();
    r->caps_ = std::move(*caps);
    r->inotify_ = UniqueFd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!r->inotify_) return errno_error("inotify_init1");
    return r;
}

Status Restarter::start(bool fresh) {
    if (fresh) {
        // A new boot of this root: temporary state and old processes go.
        if (auto st = repo_.clear_nonpersistent(); !st) return st;
        if (auto st = smf::destroy_all_contracts(); !st) return st;
    }
    if (auto st = load_instances(); !st) return st;
    if (!fresh)
        for (auto& [name, in] : instances_) adopt(in);
    evaluate();
    return {};
}

Status Restarter::load_instances() {
    auto ents = repo_.entities();
    if (!ents) return std::move(ents).error();
    for (const std::string& e : *ents) {
        if (e.find(':') == std::string::npos || instances_.contains(e)) continue;
        Instance in;
        in.entity = e;
        in.contract = smf::Contract(contract_base_, e);
        instances_.emplace(e, std::move(in));
    }
    return {};
}

// A previous svc.startd's instance: running ones stay running, watched
// through the contract restarter/contract names; an interrupted method
// leaves the instance offline with its contract emptied, to be started
// again.
void Restarter::adopt(Instance& in) {
    auto cur = current(in.entity);
    if (!cur) return;
    auto state = state_from_name(cur->first("restarter", "state").value_or(""));
    if (!state) return;
    in.state = *state;
    in.aux = cur->first("restarter", "auxiliary_state").value_or("none");
    in.stamp = cur->first("restarter", "state_timestamp").value_or(now_stamp());
    in.ctid = std::strtoull(cur->first("restarter", "contract").value_or("0").c_str(), nullptr, 10);
    next_ctid_ = std::max(next_ctid_, in.ctid + 1);
    bool interrupted = cur->first("restarter", "next_state").value_or("none") != "none";
    if (interrupted) {
        (void)in.contract.kill_all();  // a half-run method is redone from scratch
        in.state = State::Offline;
        publish(in);
        return;
    }
    if (!running(in.state)) return;
    auto view = running_view(in.entity);
    std::string dur = view ? view->first("startd", "duration").value_or("contract") : "contract";
    in.duration = dur == "transient" ? Duration::Transient : Duration::Contract;
    if (in.duration != Duration::Contract) return;
    if (in.ctid == 0) {
        // Published by a restarter that did not record it: the contract
        // is still this instance's cgroup.
        in.ctid = next_ctid_++;
        publish(in);
    }
    log_info(cat("svc:/", in.entity, ": adopted, contract ", in.ctid));
    track(in);  // an empty contract is noticed at once: the service is restarted
}

void Restarter::evaluate() {
    // Re-entrant calls (a handler inside a step) just ask for another pass.
    if (evaluating_) {
        again_ = true;
        return;
    }
    evaluating_ = true;
    if (auto st = load_instances(); !st) log_error(st.error());
    for (auto& [name, in] : instances_)
        if (in.unpublished) publish(in);
    for (int pass = 0; pass < 100; ++pass) {
        again_ = false;
        bool changed = false;
        for (auto& [name, in] : instances_) changed |= step(in);
        if (!changed && !again_) break;
    }
    evaluating_ = false;
}

bool Restarter::enabled(const smf::PgSet& cur) const {
    if (auto ovr = cur.first("general_ovr", "enabled")) return *ovr == "true";
    return cur.first("general", "enabled").value_or("false") == "true";
}

World Restarter::world() {
    World w;
    w.instance = [this](const std::string& entity) -> std::optional<Node> {
        Instance* i = find(entity);
        if (i == nullptr) return std::nullopt;
        Node n{i->state, i->next, i->enabled, {}};
        // Only an offline instance is looked into (whether it can ever
        // come online); the others are judged by their state.
        if (i->state == State::Offline)
            if (auto view = running_view(entity)) n.deps = dependencies_of(*view);
        return n;
    };
    w.instances_of = [this](const std::string& service) {
        std::vector<std::string> out;
        for (const auto& [name, other] : instances_)
            if (smf::service_of(name) == service) out.push_back(name);
        return out;
    };
    w.file_exists = [](const std::string& path) {
        struct stat st {};
        return ::stat(root_path(path).c_str(), &st) == 0;
    };
    return w;
}

std::optional<Dependency> Restarter::blocking_dependency(const Instance&, const smf::PgSet& view) {
    return first_unsatisfied(dependencies_of(view), world());
}

// illumos graph.c's propagate_stop(): every running instance with a dependency
// group citing `in` whose restart_on covers `err` is stopped; the
// restarter then starts it again once its dependencies allow.
void Restarter::propagate_stop(const Instance& in, Rerr err) {
    if (err == Rerr::None) return;
    for (auto& [name, other] : instances_) {
        if (name == in.entity || !running(other.state) || other.dependency_stop) continue;
        auto view = running_view(name);
        if (!view) continue;
        for (const Dependency& d : dependencies_of(*view)) {
            if (!cites(d, in.entity) || !propagates(d, err)) continue;
            other.dependency_stop = true;
            again_ = true;
            break;
        }
    }
}

bool Restarter::take_actions(Instance& in, const smf::PgSet& cur) {
    const smf::PropertyGroup* acts = cur.find("restarter_actions");
    if (acts == nullptr || acts->props.empty()) return false;
    std::vector<std::string> pending;
    for (std::string_view a : kActions)
        if (acts->find(a)) pending.emplace_back(a);
    // Consumed before acting, so an action is honoured once; one that
    // cannot be consumed now is honoured when it can.
    auto st = repo_.update(in.entity, [](smf::PgSet& set) -> Status {
        set.remove("restarter_actions");
        return {};
    });
    if (!st) {
        if (st.error().code == EWOULDBLOCK) repository_busy();
        else log_error(st.error());
        return false;
    }
    bool changed = false;
    for (std::size_t k = 0; k < pending.size(); ++k) {
        const std::string a = pending[k];
        bool busy = in.method_pid > 0 || in.draining;
        if (a == "maint_off" && in.state == State::Maint) {
            // illumos restarter.c's unmaintain_instance(RUNMAINT_CLEAR)
            instance_log(in.entity, "Leaving maintenance because clear requested.");
            in.failures = 0;
            in.starts.clear();
            if (in.contract.populated()) (void)in.contract.kill_all();  // after an immediate maintenance
            set_state(in, State::Uninit, "clear_request");
        } else if (a.starts_with("maint_on") && !busy) {
            // maintain_instance(): logged even when there is nothing to stop
            instance_log(in.entity, "Stopping for maintenance due to administrative_request.");
            if (in.state == State::Maint) continue;
            bool immediate = a == "maint_on_immediate" || a == "maint_on_immtemp";
            if (running(in.state) && !immediate) {
                begin_stop(in, State::Maint, "administrative_request", "");
            } else {
                if (in.contract.populated()) (void)in.contract.kill_all();
                untrack(in);
                set_state(in, State::Maint, "administrative_request");
            }
        } else if (a == "dodump" && running(in.state) && !busy &&
                   std::find(pending.begin(), pending.end(), "restart") != pending.end()) {
            // svcadm restart -d: the processes are made to dump core
            // (SIGABRT); their deaths restart the service.
            in.contract.signal_all(SIGABRT);
            pending.erase(std::find(pending.begin(), pending.end(), "restart"));
        } else if (a == "restart" && running(in.state) && !busy) {
            in.start_reason = "restart_request";
            begin_stop(in, State::Offline, "restart_request", "Stopping because service restarting.");
        } else if (a == "refresh" && running(in.state) && !busy) {
            begin_refresh(in);
            propagate_stop(in, Rerr::Refresh);
        } else if (a.starts_with("degrade") && in.state == State::Online) {
            set_state(in, State::Degraded, "administrative_request");
        } else if (a == "restore" && in.state == State::Degraded) {
            set_state(in, State::Online, "administrative_request");
        } else {
            continue;
        }
        changed = true;
    }
    return changed;
}

// One look at an idle instance, as illumos restarter.c's event handlers and
// illumos graph.c's graph_start_if_satisfied() would act on it.
bool Restarter::step(Instance& in) {
    if (in.method_pid > 0 || in.draining) return false;
    auto cur = current(in.entity);
    if (!cur) return false;  // deleted under us (or never read): nothing to run
    // An administrator's enable or disable (svcadm writes
    // restarter_actions/auxiliary_tty each time), or a change of the
    // enabled property: illumos graph.c's ADMIN_DISABLE.
    bool admin = cur->find("restarter_actions", "auxiliary_tty") != nullptr;
    if (take_actions(in, *cur)) return true;
    bool en = enabled(*cur);
    bool disable_request = !en && (in.enabled || admin);
    in.enabled = en;
    switch (in.state) {
    case State::Uninit: {
        // enable_inst(): the first word on an instance (boot, a new
        // instance, a cleared or disabled maintenance).
        instance_log(in.entity, en ? "Enabled." : "Disabled.");
        std::string_view kept = en ? "clear_request" : "disable_request";
        std::string why(in.aux == kept ? kept : "per_configuration");
        if (en && why == "clear_request") in.start_reason = why;
        set_state(in, en ? State::Offline : State::Disabled, why);
        return true;
    }
    case State::Disabled:
        if (!en) return false;
        instance_log(in.entity, "Enabled.");
        set_state(in, State::Offline, "enable_request");
        return true;
    case State::Maint:
        if (!disable_request) return false;
        instance_log(in.entity, "Leaving maintenance because disable requested.");
        set_state(in, State::Uninit, "disable_request");
        return true;
    case State::Offline: {
        if (!en) {
            instance_log(in.entity, "Disabled.");
            set_state(in, State::Disabled, "disable_request");
            return true;
        }
        if (in.throttled) return false;
        auto view = running_view(in.entity);
        if (!view || blocking_dependency(in, *view)) return false;
        begin_start(in);
        return true;
    }
    case State::Online:
    case State::Degraded: {
        if (!en) {
            begin_stop(in, State::Disabled, "disable_request", "Stopping because service disabled.");
            return true;
        }
        if (in.dependency_stop) {
            begin_stop(in, State::Offline, "dependency_activity",
                       "Stopping because dependency activity requires stop.");
            return true;
        }
        // An excluded service came up (propagate_start() on exclude_all).
        auto view = running_view(in.entity);
        if (!view) return false;
        for (const Dependency& d : dependencies_of(*view)) {
            if (d.grouping != "exclude_all" || group_satisfied(d, world(), false) != -1) continue;
            begin_stop(in, State::Offline, "dependency_activity",
                       "Stopping because dependency activity requires stop.");
            return true;
        }
        return false;
    }
    }
    return false;
}

void Restarter::set_state(Instance& in, State s, std::string aux) {
    if (s != in.state || in.stamp.empty()) in.stamp = now_stamp();
    if (s == State::Disabled && in.state != State::Disabled) log_info(cat("svc:/", in.entity, ": disabled"));
    State old = in.state;
    in.state = s;
    in.next.reset();
    in.aux = std::move(aux);
    publish(in);
    if (running(old) && !running(s)) {
        in.dependency_stop = false;
        propagate_stop(in, rerr_of(in.aux));
    }
}

void Restarter::publish(Instance& in) {
    auto st = repo_.update(in.entity, [&](smf::PgSet& set) -> Status {
        smf::PropertyGroup& g = set.get_or_add("restarter", "framework", false);
        using smf::PropType;
        auto put = [&](const char* name, PropType t, std::string v) {
            g.set(smf::Property{name, t, {std::move(v)}});
        };
        put("state", PropType::Astring, std::string(state_name(in.state)));
        put("next_state", PropType::Astring, in.next ? std::string(state_name(*in.next)) : "none");
        put("state_timestamp", PropType::Time, in.stamp.empty() ? now_stamp() : in.stamp);
        put("auxiliary_state", PropType::Astring, in.aux);
        // Empty while no contract runs, as svc.startd's restarter_remove_contract leaves it.
        bool has_contract = (in.tracked || in.method_pid > 0) && in.ctid != 0;
        g.set(smf::Property{"contract", PropType::Count,
                            has_contract ? std::vector<std::string>{std::to_string(in.ctid)} : std::vector<std::string>{}});
        put("start_pid", PropType::Count, std::to_string(in.start_pid));
        put("start_method_waitstatus", PropType::Integer, std::to_string(in.waitstatus));
        put("logfile", PropType::Astring, log_path(in.entity));
        put("last_failure", PropType::Astring, in.last_status);
        return {};
    });
    in.unpublished = !st;
    if (st) return;
    if (st.error().code == EWOULDBLOCK) return repository_busy();  // published when the lock is free
    log_error(st.error().context(cat("cannot publish the state of svc:/", in.entity)));
}

Result<smf::PgSet> Restarter::current(const std::string& entity) {
    return cached(repo_.current(entity), current_cache_, entity);
}

Result<smf::PgSet> Restarter::running_view(const std::string& entity) {
    return cached(repo_.running_view(entity), view_cache_, entity);
}

// Only a lock held past the budget falls back to the cache: an entity
// that is gone is gone.
Result<smf::PgSet> Restarter::cached(Result<smf::PgSet> read, std::map<std::string, smf::PgSet>& cache,
                                     const std::string& entity) {
    if (read) {
        if (busy_) {
            busy_ = false;
            repo_.set_lock_budget(kLockBudget);
            log_info("the repository lock is free again");
        }
        cache[entity] = *read;
        return read;
    }
    if (read.error().code == ENOENT) cache.erase(entity);
    if (read.error().code != EWOULDBLOCK) return read;
    repository_busy();
    auto it = cache.find(entity);
    if (it == cache.end()) return read;
    return it->second;
}

// Root holds the repository lock longer than the budget (a hung svccfg):
// further reads only try the lock, and the restarter looks again in a
// second - methods, contracts and timers are served all the while.
void Restarter::repository_busy() {
    if (busy_) return;
    busy_ = true;
    log_warnx(cat("the repository lock has been held for more than ", kLockBudget.count(),
                  " ms; working from the last configuration read until it is free"));
    repo_.set_lock_budget(std::chrono::milliseconds(0));
    arm_busy_retry();
}

void Restarter::arm_busy_retry() {
    loop_.add_timer(std::chrono::seconds(1), [this]() -> Status {
        if (!busy_) return {};
        evaluate();  // its reads try the lock again
        if (busy_) arm_busy_retry();
        return {};
    });
}

void Restarter::remove_empty_contracts() {
    for (auto& [name, in] : instances_) {
        if (!in.contract.exists() || in.contract.populated()) continue;
        untrack(in);
        if (auto st = in.contract.remove(); !st) log_error(st.error());
    }
    // Succeeds only once every contract of this root is gone.
    (void)::rmdir(contract_base_.c_str());
}

Status Restarter::on_inotify() {
    alignas(struct inotify_event) char buf[4096];
    while (true) {
        ssize_t n = ::read(inotify_.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // EAGAIN: drained
        for (char* p = buf; p < buf + n;) {
            auto* ev = reinterpret_cast<struct inotify_event*>(p);
            p += sizeof(struct inotify_event) + ev->len;
            for (auto& [name, in] : instances_)
                if (in.watch == ev->wd && in.tracked && !in.contract.populated()) on_contract_empty(in);
        }
    }
    evaluate();
    return {};
}

}  // namespace xvm::startd
