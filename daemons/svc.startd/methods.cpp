// Running methods and watching contracts: the half of the restarter that
// forks. Log lines use illumos's exact texts (SMF.md section 6).
#include <fcntl.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "daemons/svc.startd/context.h"
#include "daemons/svc.startd/spawn.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "daemons/svc.startd/restarter.h"
#include "lib/smf/smf_actions.h"
#include "daemons/svc.startd/svclog.h"
#include "daemons/svc.startd/tokens.h"

namespace xvm::startd {
namespace {

std::chrono::seconds method_timeout(const smf::PgSet& view, const std::string& method) {
    auto v = view.find(method, "timeout_seconds");
    if (v == nullptr || v->type != smf::PropType::Count || v->values.empty()) return std::chrono::seconds(0);
    return std::chrono::seconds(std::strtoll(v->values[0].c_str(), nullptr, 10));
}

bool fatal_exit(int code) { return code == 95 || code == 96 || code == 99 || code == 100; }

bool ignores(const smf::PgSet& view, std::string_view what) {
    std::string v = view.first("startd", "ignore_error").value_or("");
    return v == what || v == "core,signal" || v == "signal,core";
}

}  // namespace

Instance* Restarter::find(const std::string& entity) {
    auto it = instances_.find(entity);
    return it == instances_.end() ? nullptr : &it->second;
}

// The method's context, resolved before fork: an invalid one is the
// method's failure (not retried), as on illumos.
Result<MethodContext> Restarter::method_context(Instance& in, const std::string& method, const smf::PgSet& view) {
    auto ctx = resolve_context(ContextInput{&view, method, in.entity, &names_, &*caps_});
    if (!ctx) return std::move(ctx).error().context("invalid method context");
    for (const std::string& w : ctx->warnings) instance_log(in.entity, w);
    return ctx;
}

// Every failure here is the restarter's (its log, its contract, fork).
Result<Launch> Restarter::spawn(Instance& in, const MethodContext& ctx, const std::string& command, bool in_contract) {
    auto log_fd = open_log(in.entity);
    if (!log_fd) return std::move(log_fd).error();
    if (in_contract)
        if (auto st = in.contract.create(); !st) return std::move(st).error();
    return spawn_method(in_contract ? &in.contract : nullptr, ctx, command, log_fd->get());
}

// A start the restarter could not carry out (fork, descriptors, its
// contract): the instance stays offline and is tried again after a
// growing pause; the service's failure count and restart-rate record are
// left as they were.
void Restarter::retry_later(Instance& in, std::string_view method, const std::string& why) {
    if (!in.starts.empty()) in.starts.pop_back();  // this attempt did not start anything
    auto pause = std::chrono::seconds(std::min(1 << std::min(in.spawn_retries, 5), 30));
    ++in.spawn_retries;
    instance_log(in.entity, cat("Could not run \"", method, "\" method: ", why, ". Retrying in ", pause.count(),
                                " seconds."));
    log_warnx(cat("svc:/", in.entity, ": cannot run the ", method, " method (", why, "); retrying in ",
                  pause.count(), " s"));
    (void)in.contract.kill_all();
    in.throttled = true;
    std::string entity = in.entity;
    loop_.add_timer(pause, [this, entity]() -> Status {
        if (Instance* i = find(entity)) i->throttled = false;
        evaluate();
        return {};
    });
    set_state(in, State::Offline, in.aux);
}

bool Restarter::restart_rate_exceeded(Instance& in, const smf::PgSet& view) {
    // illumos startd.h's defaults: a ring of 5 start times; tripped when their
    // average interval is under 600 s. Overridable per service.
    std::int64_t count = std::strtoll(view.first("startd", "critical_failure_count").value_or("5").c_str(), nullptr, 10);
    std::int64_t period = std::strtoll(view.first("startd", "critical_failure_period").value_or("600").c_str(), nullptr, 10);
    count = std::clamp<std::int64_t>(count, 2, 10);
    in.starts.push_back(::time(nullptr));
    while (static_cast<std::int64_t>(in.starts.size()) > count) in.starts.pop_front();
    if (static_cast<std::int64_t>(in.starts.size()) < count) return false;
    return (in.starts.back() - in.starts.front()) / (count - 1) < period;
}

// Online with nothing to watch: a null or absent start method.
void Restarter::started_without_process(Instance& in) {
    in.failures = 0;
    in.duration = Duration::Transient;
    set_state(in, State::Online, std::exchange(in.start_reason, "dependencies_satisfied"));
}

void Restarter::begin_start(Instance& in) {
    auto view = running_view(in.entity);
    if (!view) return log_error(view.error());
    std::string dur = view->first("startd", "duration").value_or("contract");
    in.duration = dur == "transient" ? Duration::Transient
                  : (dur == "child" || dur == "wait") ? Duration::Child
                                                      : Duration::Contract;
    if (restart_rate_exceeded(in, *view)) {
        instance_log(in.entity, "Restarting too quickly, changing state to maintenance.");
        log_warnx(cat("svc:/", in.entity, " restarting too quickly: transitioned to maintenance"));
        return set_state(in, State::Maint, "restarting_too_quickly");
    }
    // illumos method.c's method_run(): a missing method group or exec property
    // is logged and counts as success.
    if (view->find("start") == nullptr || view->find("start", "exec") == nullptr) {
        instance_log(in.entity, view->find("start") == nullptr ? "Method property group 'start' is not present."
                                                               : "Method property 'start/exec is not present.");
        return started_without_process(in);
    }
    std::string exec = view->first("start", "exec").value_or("");
    ExecSpec spec = classify_exec(exec);
    if (spec.kind == ExecSpec::Kind::Kill) {  // no contract to kill yet
        instance_log(in.entity, "Invalid use of \":kill\" as stop method for transient service.");
        return set_state(in, State::Maint, "method_failed");
    }
    in.next = State::Online;
    if (spec.kind == ExecSpec::Kind::True) {
        instance_log(in.entity, "Executing start method (null).");
        return started_without_process(in);
    }
    if (in.duration == Duration::Child && exec.starts_with('/')) {
        std::string path = exec.substr(0, exec.find(' '));
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
            instance_log(in.entity, cat("Missing start method (", path, "), changing state to maintenance."));
            return set_state(in, State::Maint, "method_failed");
        }
    }
    auto command = expand(exec, "start", in, *view);
    if (!command) {
        instance_log(in.entity, cat("Could not expand method tokens in \"", exec, "\": ", command.error().message, "."));
        return set_state(in, State::Maint, "method_failed");
    }
    auto ctx = method_context(in, "start", *view);
    if (!ctx) {
        instance_log(in.entity, ctx.error().message);
        return set_state(in, State::Maint, "method_failed");
    }
    if (in.contract.populated()) (void)in.contract.kill_all();  // leftovers of a failed attempt
    in.ctid = next_ctid_++;
    instance_log(in.entity, cat("Executing start method (\"", *command, "\")."));
    auto launch = spawn(in, *ctx, *command, in.duration != Duration::Transient);
    if (!launch) return retry_later(in, "start", launch.error().message);
    pid_t pid = launch->pid;
    in.start_pid = pid;
    in.last_start = EventLoop::Clock::now();
    if (in.duration == Duration::Child) {
        in.child_pid = pid;  // the start method is the service
        in.child_report = std::move(launch->report);
        track(in);
        return set_state(in, State::Online, std::exchange(in.start_reason, "dependencies_satisfied"));
    }
    in.method_pid = pid;
    in.method_report = std::move(launch->report);
    in.method = "start";
    in.timed_out = false;
    arm_timer(in, method_timeout(*view, "start"));
    publish(in);
}

void Restarter::on_start_exit(Instance& in, int status) {
    in.waitstatus = status;
    if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        instance_log(in.entity, cat("Method \"start\" exited with status ", code, "."));
        in.last_status = cat("exited with status ", code);
        if (code == 0 && !in.timed_out) {
            in.failures = 0;
            in.spawn_retries = 0;
            // Watched before the state is published, so restarter/contract
            // names the contract the next svc.startd re-adopts.
            if (in.duration == Duration::Contract) track(in);
            set_state(in, State::Online, std::exchange(in.start_reason, "dependencies_satisfied"));
            return;
        }
        if (code == 94 && !in.timed_out) return started_without_process(in);  // SMF_EXIT_NODAEMON
        if (code == 101 && !in.timed_out) {  // SMF_EXIT_TEMP_DISABLE: the method asks to be disabled
            (void)in.contract.kill_all();
            auto st = smf::apply_request(repo_, smf::Request{"disable_t", in.entity, {}});
            if (!st) log_error(st.error());
            instance_log(in.entity, "Start method requested a temporary disable.");
            instance_log(in.entity, "Disabled.");
            return set_state(in, State::Disabled, "disable_request");
        }
        if (fatal_exit(code)) {
            (void)in.contract.kill_all();
            log_warnx(cat("svc:/", in.entity, " failed fatally: transitioned to maintenance"));
            return set_state(in, State::Maint, "method_failed");
        }
    } else if (WIFSIGNALED(status)) {
        instance_log(in.entity, cat("Method \"start\" failed due to signal ", signal_name(WTERMSIG(status)), "."));
        in.last_status = WCOREDUMP(status) ? cat("dumped core signal ", WTERMSIG(status))
                                           : cat("died on ", signal_name(WTERMSIG(status)), " (", WTERMSIG(status), ")");
    }
    method_failed(in, status);
}

void Restarter::method_failed(Instance& in, int) {
    (void)in.contract.kill_all();
    auto view = running_view(in.entity);
    bool retry = !in.timed_out || !view || view->first("startd", "timeout_retry").value_or("true") != "false";
    if (!retry) return set_state(in, State::Maint, "method_failed");
    if (++in.failures >= 3) {
        log_warnx(cat("svc:/", in.entity, " failed repeatedly: transitioned to maintenance"));
        return set_state(in, State::Maint, "fault_threshold_reached");
    }
    set_state(in, State::Offline, "method_failed");  // evaluate() runs it again at once
}

// illumos restarter.c's stop_instance(): the instance is marked as going to
// `target` and its stop method runs (illumos method.c's method_run for
// METHOD_STOP). An empty `message` is for a caller that logged already.
void Restarter::begin_stop(Instance& in, State target, std::string aux, std::string_view message) {
    if (!message.empty()) instance_log(in.entity, message);
    in.stop_target = target;
    in.stop_aux = std::move(aux);
    in.next = target;
    publish(in);
    run_stop(in);
}

void Restarter::run_stop(Instance& in) {
    in.timed_out = false;
    auto view = running_view(in.entity);
    auto budget = view ? method_timeout(*view, "stop") : std::chrono::seconds(0);
    in.stop_budget = budget;
    in.stop_deadline = EventLoop::Clock::now() + budget;
    bool contract = in.duration != Duration::Transient;
    if (!view || view->find("stop") == nullptr || view->find("stop", "exec") == nullptr) {
        // Logged and taken as success, as method_run() does; what still
        // runs in the contract is not left behind.
        if (view)
            instance_log(in.entity, view->find("stop") == nullptr ? "Method property group 'stop' is not present."
                                                                  : "Method property 'stop/exec is not present.");
        if (in.contract.populated()) (void)in.contract.kill_all();
        return drain(in, kKillGrace);
    }
    std::string exec = view->first("stop", "exec").value_or("");
    ExecSpec spec = classify_exec(exec);
    if (spec.kind == ExecSpec::Kind::True) {
        instance_log(in.entity, "Executing stop method (null).");
        if (in.contract.populated()) (void)in.contract.kill_all();
        return drain(in, kKillGrace);
    }
    if (spec.kind == ExecSpec::Kind::Kill) {
        if (!contract) {
            instance_log(in.entity, "Invalid use of \":kill\" as stop method for transient service.");
            return stop_failed(in, false);
        }
        instance_log(in.entity, "Executing stop method (:kill).");
        in.contract.signal_all(spec.signo);
        return drain(in, budget);
    }
    auto command = expand(exec, "stop", in, *view);
    if (!command) {
        instance_log(in.entity, cat("Could not expand method tokens in \"", exec, "\": ", command.error().message, "."));
        return stop_failed(in, false);
    }
    auto ctx = method_context(in, "stop", *view);
    if (!ctx) {
        instance_log(in.entity, ctx.error().message);
        return stop_failed(in, false);
    }
    auto launch = spawn(in, *ctx, *command, false);
    if (!launch) {
        // The restarter could not run the stop method: the service is
        // stopped all the same, by killing its contract - not the
        // service's failure.
        instance_log(in.entity, cat("Could not run \"stop\" method: ", launch.error().message,
                                    ". Killing contract ", in.ctid, "."));
        (void)in.contract.kill_all();
        return drain(in, kKillGrace);
    }
    instance_log(in.entity, cat("Executing stop method (\"", *command, "\")."));
    in.method_pid = launch->pid;
    in.method_report = std::move(launch->report);
    in.method = "stop";
    in.timed_out = false;
    arm_timer(in, budget);
}

// A stop method that exited 0 (or :kill sent): the contract must empty
// within what is left of the stop timeout (illumos method.c's assured_kill);
// one that does not is killed, and the instance goes to maintenance.
void Restarter::drain(Instance& in, std::chrono::seconds budget) {
    if (in.child_pid > 0) ::kill(in.child_pid, SIGTERM);  // a child service with a no-op stop
    if (!in.contract.populated()) return finish_stop(in);
    in.draining = true;
    track(in);
    arm_timer(in, budget);
}

void Restarter::finish_stop(Instance& in) {
    if (in.timer) loop_.cancel_timer(in.timer);
    in.timer = 0;
    in.draining = false;
    in.failures = 0;  // update_fault_count(FAULT_COUNT_RESET)
    untrack(in);
    if (in.stop_target == State::Disabled) instance_log(in.entity, "Disabled.");
    set_state(in, in.stop_target, in.stop_aux);
    evaluate();
}

void Restarter::stop_to_maintenance(Instance& in, std::string aux) {
    if (in.timer) loop_.cancel_timer(in.timer);
    in.timer = 0;
    in.draining = false;
    (void)in.contract.kill_all();
    untrack(in);
    log_warnx(cat("svc:/", in.entity, ": stop failed: transitioned to maintenance (", aux, ")"));
    set_state(in, State::Maint, std::move(aux));
    evaluate();
}

// method_thread(): a failed stop is run again until the fault threshold
// (then fault_threshold_reached); one that cannot succeed (exit 95, 96,
// 99, 100, an invalid method, a timeout without timeout_retry, a
// contract that outlived the timeout) is method_failed at once.
void Restarter::stop_failed(Instance& in, bool retryable) {
    if (!retryable) return stop_to_maintenance(in, "method_failed");
    if (++in.failures >= kFaultThreshold) return stop_to_maintenance(in, "fault_threshold_reached");
    run_stop(in);
}

Result<std::string> Restarter::expand(const std::string& exec, const char* method, const Instance& in,
                                     const smf::PgSet& view) {
    auto editing = repo_.composed_current(in.entity);
    TokenContext ctx{method, in.entity, &view, editing ? &*editing : nullptr,
                     [this](const std::string& entity, std::string_view name) -> std::optional<smf::PgSet> {
                         auto r = name == "running" ? repo_.running_view(entity) : repo_.view(entity, name);
                         if (!r) return std::nullopt;
                         return std::move(*r);
                     }};
    return expand_tokens(exec, ctx);
}

void Restarter::begin_refresh(Instance& in) {
    instance_log(in.entity, "Rereading configuration.");
    auto view = running_view(in.entity);
    if (!view) return log_error(view.error());
    auto exec = view->first("refresh", "exec");
    if (!exec) return instance_log(in.entity, "No 'refresh' method defined.  Treating as :true.");
    ExecSpec spec = classify_exec(*exec);
    if (spec.kind == ExecSpec::Kind::True) return instance_log(in.entity, "Executing refresh method (null).");
    if (spec.kind == ExecSpec::Kind::Kill) {
        instance_log(in.entity, "Executing refresh method (:kill).");
        in.contract.signal_all(spec.signo);
        return;
    }
    auto command = expand(*exec, "refresh", in, *view);
    auto ctx = command ? method_context(in, "refresh", *view) : Result<MethodContext>(command.error());
    if (!ctx) return instance_log(in.entity, ctx.error().message);
    auto launch = spawn(in, *ctx, *command, false);
    if (!launch) return instance_log(in.entity, cat("Could not run \"refresh\" method: ", launch.error().message, "."));
    instance_log(in.entity, cat("Executing refresh method (\"", *command, "\")."));
    in.method_pid = launch->pid;
    in.method_report = std::move(launch->report);
    in.method = "refresh";
    in.timed_out = false;
    arm_timer(in, method_timeout(*view, "refresh"));
}

void Restarter::on_method_exit(Instance& in, int status) {
    std::string method = std::exchange(in.method, "");
    if (in.timer) loop_.cancel_timer(in.timer);
    in.timer = 0;
    auto failure = read_spawn_report(in.method_report.get());
    in.method_report.reset();
    if (failure && !in.timed_out) return on_spawn_failure(in, method, *failure);
    if (method == "start") return on_start_exit(in, status);
    if (WIFEXITED(status))
        instance_log(in.entity, cat("Method \"", method, "\" exited with status ", WEXITSTATUS(status), "."));
    else if (WIFSIGNALED(status))
        instance_log(in.entity, cat("Method \"", method, "\" failed due to signal ", signal_name(WTERMSIG(status)), "."));
    if (method != "stop") return;
    if (in.timed_out) {
        auto view = running_view(in.entity);
        bool retry = !view || view->first("startd", "timeout_retry").value_or("true") != "false";
        return stop_failed(in, retry);  // ERANGE without timeout_retry
    }
    if (!WIFEXITED(status)) return stop_failed(in, true);  // killed: EAGAIN
    if (WEXITSTATUS(status) != 0) return stop_failed(in, !fatal_exit(WEXITSTATUS(status)));
    auto left = std::chrono::duration_cast<std::chrono::seconds>(in.stop_deadline - EventLoop::Clock::now());
    drain(in, in.stop_budget.count() == 0 ? in.stop_budget : std::max(left, std::chrono::seconds(1)));
}

// The child of a method failed before exec and said why (spawn.h).
void Restarter::on_spawn_failure(Instance& in, const std::string& method, const SpawnFailure& f) {
    if (method == "start" && f.restarter_side) return retry_later(in, "start", f.message);
    instance_log(in.entity, cat("Method \"", method, "\" could not be run: ", f.message, "."));
    if (method == "start") {
        (void)in.contract.kill_all();
        return set_state(in, State::Maint, "method_failed");
    }
    if (method == "stop") {
        // A context that cannot be applied is the service's (method_failed,
        // as restarter_set_method_context's errors); a short system is
        // not: the contract is killed instead.
        if (!f.restarter_side) return stop_failed(in, false);
        (void)in.contract.kill_all();
        return drain(in, kKillGrace);
    }
}

void Restarter::arm_timer(Instance& in, std::chrono::seconds timeout) {
    if (in.timer) loop_.cancel_timer(in.timer);
    in.timer = 0;
    if (timeout.count() <= 0) return;
    std::string entity = in.entity;
    in.timer = loop_.add_timer(timeout, [this, entity]() -> Status {
        if (Instance* i = find(entity)) {
            i->timer = 0;
            on_timeout(*i);
            evaluate();
        }
        return {};
    });
}

void Restarter::on_timeout(Instance& in) {
    if (in.draining && in.timed_out) {
        // SIGKILLed and still there (a process stuck in the kernel):
        // maintenance, with the contract left to be emptied later.
        instance_log(in.entity, cat("Processes of contract ", in.ctid, " could not be killed."));
        return stop_to_maintenance(in, "method_failed");
    }
    in.timed_out = true;
    instance_log(in.entity, cat("Method or service exit timed out.  Killing contract ", in.ctid, "."));
    if (in.method_pid > 0) {
        ::kill(-in.method_pid, SIGKILL);  // the method's session
        ::kill(in.method_pid, SIGKILL);
    }
    // A start method runs in the service's contract; a stop or refresh
    // method has its own processes only.
    if (in.method == "start" || in.draining) (void)in.contract.kill_all();
    if (in.draining) arm_timer(in, kKillGrace);
}

void Restarter::track(Instance& in) {
    in.tracked = true;
    if (in.watch < 0) {
        in.watch = ::inotify_add_watch(inotify_.get(), in.contract.events_path().c_str(), IN_MODIFY);
        if (in.watch < 0) log_warn(cat("cannot watch ", in.contract.events_path()));
    }
    in.members = in.contract.pids();
    // It may have emptied before the watch existed.
    if (!in.contract.populated()) {
        std::string entity = in.entity;
        loop_.add_timer(std::chrono::milliseconds(0), [this, entity]() -> Status {
            Instance* i = find(entity);
            if (i && i->tracked && !i->contract.populated()) on_contract_empty(*i);
            evaluate();
            return {};
        });
    }
}

void Restarter::untrack(Instance& in) {
    in.tracked = false;
    if (in.watch >= 0) (void)::inotify_rm_watch(inotify_.get(), in.watch);  // gone with the cgroup is fine
    in.watch = -1;
    in.members.clear();
}

void Restarter::fault(Instance& in, std::string aux, std::string_view message) {
    if (in.draining || in.method_pid > 0 || !running(in.state)) return;
    begin_stop(in, State::Offline, std::move(aux), message);
}

void Restarter::on_contract_empty(Instance& in) {
    // Emptied only by the timeout's kill: illumos method.c's EFAULT.
    if (in.draining) return in.timed_out ? stop_to_maintenance(in, "method_failed") : finish_stop(in);
    if (in.method_pid > 0 || in.child_pid > 0) return;
    fault(in, "ct_ev_exit", "Stopping because all processes in service exited.");
}

void Restarter::child_exited(Instance& in, int status) {
    in.child_pid = -1;
    in.waitstatus = status;
    auto failure = read_spawn_report(in.child_report.get());
    in.child_report.reset();
    if (failure && !in.draining && running(in.state)) {
        untrack(in);
        if (failure->restarter_side) return retry_later(in, "start", failure->message);
        instance_log(in.entity, cat("Method \"start\" could not be run: ", failure->message, "."));
        return set_state(in, State::Maint, "method_failed");
    }
    if (WIFEXITED(status))
        instance_log(in.entity, cat("Method \"start\" exited with status ", WEXITSTATUS(status), "."));
    else
        instance_log(in.entity, cat("Method \"start\" failed due to signal ", signal_name(WTERMSIG(status)), "."));
    if (in.draining || !running(in.state)) return;
    (void)in.contract.kill_all();
    untrack(in);
    set_state(in, State::Offline, "ct_ev_exit");
    // A child service is restarted at most once a second, never put in
    // maintenance for exiting.
    auto wait = in.last_start + std::chrono::seconds(1) - EventLoop::Clock::now();
    if (wait > EventLoop::Clock::duration::zero()) {
        in.throttled = true;
        std::string entity = in.entity;
        loop_.add_timer(wait, [this, entity]() -> Status {
            if (Instance* i = find(entity)) i->throttled = false;
            evaluate();
            return {};
        });
    }
}

void Restarter::orphan_exited(pid_t pid, int status) {
    for (auto& [name, in] : instances_) {
        if (std::find(in.members.begin(), in.members.end(), pid) == in.members.end()) continue;
        auto view = running_view(in.entity);
        if (!view) return;
        if (WIFSIGNALED(status) && WCOREDUMP(status) && !ignores(*view, "core"))
            fault(in, "ct_ev_core", "Stopping because process dumped core.");
        else if (WIFSIGNALED(status) && !WCOREDUMP(status) && !ignores(*view, "signal"))
            fault(in, "ct_ev_signal", "Stopping because process received fatal signal from outside the service.");
        return;
    }
}

Status Restarter::on_sigchld() {
    while (true) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) break;
        bool known = false;
        for (auto& [name, in] : instances_) {
            if (in.method_pid == pid) {
                in.method_pid = -1;
                on_method_exit(in, status);
                known = true;
            } else if (in.child_pid == pid) {
                child_exited(in, status);
                known = true;
            }
            if (known) break;
        }
        if (!known) orphan_exited(pid, status);
    }
    // Refresh the member lists: daemons fork after the start method exits.
    for (auto& [name, in] : instances_)
        if (in.tracked) in.members = in.contract.pids();
    evaluate();
    return {};
}

}  // namespace xvm::startd
