// The restarter: one Instance per service instance in the repository, the
// state machine of svc.startd(1M) driven by events from the event loop
// (method exits via SIGCHLD, contract emptiness via inotify on
// cgroup.events, method timeouts, requests on the control socket).
//
// Everything happens in evaluate(): after any event every idle instance is
// looked at again - administrative actions, enabled-ness, dependencies -
// until nothing changes. An instance with a method running or a contract
// draining is busy and waits for its own event.
//
// It must never block the loop (methods are children, waits are events;
// the repository lock is waited for within a bound, and while root holds
// it longer the restarter works from the last configuration it read) and
// never lose track of a process: every method process lives in its
// instance's contract (cgroup) and is found there, whatever its parent.
// restarter/contract names the contract of every running contract
// service, so the next svc.startd re-adopts it.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "lib/base/event_loop.h"
#include "daemons/svc.startd/context.h"
#include "daemons/svc.startd/graph.h"
#include "daemons/svc.startd/spawn.h"
#include "lib/priv/priv_caps.h"
#include "lib/priv/privilege.h"
#include "lib/smf/smf_contract.h"
#include "lib/smf/smf_repo.h"

namespace xvm::startd {

enum class Duration { Contract, Transient, Child };

struct Instance {
    std::string entity;  // "system/xctl/store:default"
    State state = State::Uninit;
    std::optional<State> next;
    std::string aux = "none";
    smf::Contract contract;
    std::uint64_t ctid = 0;
    bool tracked = false;  // the contract is watched (contract services once online)
    int watch = -1;        // inotify watch descriptor on cgroup.events

    pid_t method_pid = -1;
    UniqueFd method_report;  // the method child's report pipe (spawn.h)
    std::string method;  // start / stop / refresh while one runs
    EventLoop::TimerId timer = 0;
    bool timed_out = false;
    bool draining = false;      // stop done, waiting for the contract to empty
    State stop_target = State::Offline;
    std::string stop_aux;

    Duration duration = Duration::Contract;
    int failures = 0;  // consecutive retryable start failures
    std::deque<std::int64_t> starts;  // start times (s) for the restart-rate rule
    std::string last_status;  // e.g. "exited with status 1" for svcs -x
    std::int64_t waitstatus = 0;
    pid_t start_pid = 0;
    EventLoop::Clock::time_point last_start{};
    bool throttled = false;  // a child-service restart is scheduled
    std::string stamp;       // state_timestamp of the current state
    pid_t child_pid = -1;    // the service process of a child (wait) service
    UniqueFd child_report;
    int spawn_retries = 0;   // consecutive starts the restarter could not carry out
    bool unpublished = false;  // the last publish() did not reach the repository
    std::vector<pid_t> members;  // last seen contract members, to attribute orphans
    bool enabled = false;        // as last read (a true -> false change is a disable request)
    bool dependency_stop = false;  // a dependency went down: stop when idle (propagate_stop)
    std::string start_reason = "dependencies_satisfied";  // the auxiliary state a start publishes
    std::chrono::seconds stop_budget{0};           // the stop method's timeout (0: none)
    EventLoop::Clock::time_point stop_deadline{};  // when it ends, for the drain after the method
};

class Restarter {
public:
    static Result<std::unique_ptr<Restarter>> create(EventLoop& loop, smf::Repository& repo);
    // Loads instances: fresh (first start in this root: non-persistent
    // state emptied, old contracts destroyed) or re-adopting what a
    // previous svc.startd left running.
    Status start(bool fresh);
    // Looks at every instance again; called after every event.
    void evaluate();
    Status on_sigchld();
    // At exit: removes the contracts that hold no process (what is still
    // running stays, for the next svc.startd to adopt).
    void remove_empty_contracts();
    Status on_inotify();
    int inotify_fd() const { return inotify_.get(); }
    smf::Repository& repo() { return repo_; }

    // How long a repository operation of the restarter waits for root's
    // other writers before it works from what it read last.
    static constexpr std::chrono::milliseconds kLockBudget{1000};
    // How long a contract SIGKILLed by a stop may take to empty before the
    // instance goes to maintenance with the processes it could not kill.
    static constexpr std::chrono::seconds kKillGrace{5};
    // illumos method.c's fault threshold (update_fault_count).
    static constexpr int kFaultThreshold = 3;

private:
    Restarter(EventLoop& loop, smf::Repository& repo) : loop_(loop), repo_(repo) {}
    // restarter.cpp: states, actions, dependencies
    Status load_instances();
    void adopt(Instance& in);
    bool step(Instance& in);
    bool take_actions(Instance& in, const smf::PgSet& cur);
    bool enabled(const smf::PgSet& cur) const;
    // The repository as the restarter reads it: on a lock held past the
    // budget, the last successful read (and a look again shortly).
    Result<smf::PgSet> current(const std::string& entity);
    Result<smf::PgSet> running_view(const std::string& entity);
    Result<smf::PgSet> cached(Result<smf::PgSet> read, std::map<std::string, smf::PgSet>& cache,
                              const std::string& entity);
    void repository_busy();
    void arm_busy_retry();
    std::optional<Dependency> blocking_dependency(const Instance& in, const smf::PgSet& view);
    World world();
    // A running instance went down (or was refreshed) with `err`: its
    // running dependents whose restart_on covers it are stopped.
    void propagate_stop(const Instance& in, Rerr err);
    void set_state(Instance& in, State s, std::string aux);
    void publish(Instance& in);
    // methods.cpp: running methods and contracts
    void begin_start(Instance& in);
    void started_without_process(Instance& in);
    void begin_stop(Instance& in, State target, std::string aux, std::string_view cause);
    void run_stop(Instance& in);
    // A stop that failed: retried up to the fault threshold when
    // `retryable`, else (or then) maintenance, as illumos method.c decides.
    void stop_failed(Instance& in, bool retryable);
    void stop_to_maintenance(Instance& in, std::string aux);
    void begin_refresh(Instance& in);
    bool restart_rate_exceeded(Instance& in, const smf::PgSet& view);
    Result<MethodContext> method_context(Instance& in, const std::string& method, const smf::PgSet& view);
    // The method's tokens expanded from `view`, the composed editing view
    // and, for property FMRIs, other entities (illumos expand.c).
    Result<std::string> expand(const std::string& exec, const char* method, const Instance& in,
                               const smf::PgSet& view);
    Result<Launch> spawn(Instance& in, const MethodContext& ctx, const std::string& command, bool in_contract);
    void retry_later(Instance& in, std::string_view method, const std::string& why);
    void on_spawn_failure(Instance& in, const std::string& method, const SpawnFailure& failure);
    void on_method_exit(Instance& in, int status);
    void on_start_exit(Instance& in, int status);
    void on_contract_empty(Instance& in);
    void drain(Instance& in, std::chrono::seconds budget);
    void finish_stop(Instance& in);
    void method_failed(Instance& in, int status);
    void arm_timer(Instance& in, std::chrono::seconds timeout);
    void on_timeout(Instance& in);
    void track(Instance& in);
    void untrack(Instance& in);
    void fault(Instance& in, std::string aux, std::string_view cause);
    void orphan_exited(pid_t pid, int status);
    void child_exited(Instance& in, int status);
    Instance* find(const std::string& entity);

    EventLoop& loop_;
    smf::Repository& repo_;
    std::string contract_base_;
    UniqueFd inotify_;
    PrivNames names_;
    std::optional<CapTable> caps_;
    std::map<std::string, Instance> instances_;
    std::uint64_t next_ctid_ = 1;
    std::map<std::string, smf::PgSet> current_cache_, view_cache_;
    bool busy_ = false;  // the repository lock was held past the budget
    bool evaluating_ = false;
    bool again_ = false;
};

}  // namespace xvm::startd
