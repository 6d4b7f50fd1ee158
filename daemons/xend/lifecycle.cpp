// Domains coming and going: create and start (a build on a worker),
// destroy and dumps (workers too), and the on_poweroff / on_reboot /
// on_crash actions when a guest shuts down (XEND.md section 11), driven by
// xenstored's @releaseDomain watch. Completions run on the loop thread
// and are the only place the table changes for these operations.
#include <sys/epoll.h>

#include <charconv>
#include <chrono>
#include <ctime>

#include "daemons/xend/builder.h"
#include "daemons/xend/domain_sxpr.h"
#include "daemons/xend/store_layout.h"
#include "daemons/xend/uuid.h"
#include "daemons/xend/worker.h"
#include "daemons/xend/xend.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/paths.h"

namespace xvm::xend {
namespace {

double now_epoch() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string_view reason_name(const DomainInfo& i) {
    if (i.crashed) return "crash";
    switch (i.shutdown_reason) {
        case ShutdownReason::kPoweroff: return "poweroff";
        case ShutdownReason::kReboot: return "reboot";
        case ShutdownReason::kSuspend: return "suspend";
        case ShutdownReason::kCrash: return "crash";
        case ShutdownReason::kWatchdog: return "watchdog";
    }
    return "unknown";
}

std::string who(const DomainRecord& r) {
    return r.domid ? cat(r.spec.name, " (", *r.domid, ")") : r.spec.name;
}

}  // namespace

// ---- the @releaseDomain watch ----

Status Xend::watch_domains() {
    if (Status ok = watch_->watch("@releaseDomain", "release"); !ok) return ok;
    return loop_.add_fd(watch_->fileno(), EPOLLIN, [this](std::uint32_t) { return on_watch_readable(); });
}

Status Xend::on_watch_readable() {
    auto events = watch_->take_events();
    if (!events) {
        // Without the store xend can neither see shutdowns nor build: stop
        // and let the restarter start it again once the store is back.
        lose(events.error().context("lost xenstored"));
        return {};
    }
    if (!events->empty()) handle_shutdowns();
    return {};
}

void Xend::handle_shutdowns() {
    if (Status ok = refresh(); !ok) return log_error(ok.error());
    std::vector<std::string> due;
    for (DomainRecord* r : table_.all()) {
        if (!r->domid || *r->domid == kDom0 || !r->info || r->busy != Busy::kNone) continue;
        bool down = r->info->shutdown || r->info->crashed;
        if (!down) {
            r->shutdown_handled = false;  // running again (e.g. resumed)
            continue;
        }
        if (!r->shutdown_handled) due.push_back(r->uuid());
    }
    for (const std::string& uuid : due)
        if (DomainRecord* r = table_.by_uuid(uuid)) on_shutdown(*r);
}

void Xend::on_shutdown(DomainRecord& r) {
    r.shutdown_handled = true;
    r.shutdown_requested.reset();
    std::string_view reason = reason_name(*r.info);
    r.last_shutdown_reason = std::string(reason);
    (void)xs_->write(vm_path(r.uuid()) + "/xend/last_shutdown_reason", r.last_shutdown_reason);  // informational
    if (reason == "suspend") {
        log_info(cat("domain ", who(r), " suspended: left as it is"));
        return;
    }
    Action a = Action::kDestroy;
    if (reason == "poweroff") a = r.spec.on_poweroff;
    else if (reason == "reboot") a = r.spec.on_reboot;
    else if (reason == "crash" || reason == "watchdog") a = r.spec.on_crash;
    bool crashed = reason == "crash" || reason == "watchdog";
    // config/enable-dump is the switch for every automatic core dump:
    // with it off no crash leaves a file, whatever the guest's on_crash.
    bool want_dump = crashed && settings_.enable_dump;
    if (crashed && !settings_.enable_dump &&
        (a == Action::kCoredumpDestroy || a == Action::kCoredumpRestart))
        log_info(cat("domain ", who(r), ": no core dump, config/enable-dump is false"));
    log_info(cat("domain ", who(r), " ", reason, ": on_", reason == "watchdog" ? "crash" : reason,
                 " is ", action_name(a)));
    switch (a) {
        case Action::kPreserve:
            (void)xs_->write(dom_path(*r.domid) + "/xend/shutdown_completed", "True");  // informational
            if (want_dump) dump(r.uuid(), "", [name = r.spec.name](Result<std::string> core) {
                    if (core) log_info(cat("domain ", name, ": core dumped to ", *core));
                    else log_error(core.error().context(cat("domain ", name)));
                });
            return;
        case Action::kDestroy:
        case Action::kCoredumpDestroy:
            teardown(r, want_dump, [](Status) {});
            return;
        case Action::kRestart:
        case Action::kCoredumpRestart:
        case Action::kRenameRestart:
            break;
    }
    double now = now_epoch();
    if (r.previous_restart_time > 0 && now - r.previous_restart_time < kMinRestartInterval) {
        log_warnx(cat("domain ", who(r), " shut down (", reason, ") within ", kMinRestartInterval,
                      " s of its previous restart: destroying it instead of restarting it again "
                      "(restart throttled)"));
        teardown(r, want_dump, [](Status) {});
        return;
    }
    restart(r, a == Action::kRenameRestart, want_dump);
}

BuildRequest Xend::request_for(const DomainRecord& r, std::optional<PeerCred> peer) const {
    BuildRequest q;
    q.spec = r.spec;
    q.requester = std::move(peer);
    q.dom0_min_kib = static_cast<std::uint64_t>(settings_.dom0_min_mem) * 1024;
    q.console_limit_kib = static_cast<std::uint64_t>(settings_.console_limit);
    q.vnc_listen = settings_.vnc_listen;
    q.vncpasswd = settings_.vncpasswd;
    q.restart_count = r.restart_count;
    q.previous_restart_time = r.previous_restart_time;
    q.xvm_uid = xvm_uid_;
    q.xvm_gid = xvm_gid_;
    return q;
}

// ---- building ----

void Xend::build(DomainRecord& r, std::optional<PeerCred> peer, Reply<rpc::Sexpr> done) {
    r.busy = Busy::kCreating;
    std::string uuid = r.uuid();
    BuildRequest q = request_for(r, std::move(peer));
    Status queued = pool_->submit([this, uuid, q = std::move(q), done](Worker& w) -> WorkPool::Done {
        auto built = build_domain(w, q);
        return [this, uuid, built = std::move(built), done]() {
            DomainRecord* r = table_.by_uuid(uuid);
            if (r == nullptr) return done(make_error("the domain vanished while it was built"));
            r->busy = Busy::kNone;
            if (!built) {
                if (!r->managed) table_.remove(uuid);
                return done(built.error());
            }
            r->domid = built->dom;
            r->info = built->info;
            r->start_time = built->start_time;
            r->shutdown_handled = false;
            log_info(cat("domain ", r->spec.name, " (", built->dom, ") built, ", r->spec.memory_mib, " MiB, ",
                         r->spec.vcpus, " vcpus"));
            done(domain_sexpr(*r, false));
        };
    });
    if (!queued) {
        r.busy = Busy::kNone;
        if (!r.managed) table_.remove(uuid);
        done(std::move(queued).error());
    }
}

void Xend::create(const rpc::Sexpr& config, std::optional<PeerCred> peer, Reply<rpc::Sexpr> done) {
    auto spec = parse_domain_config(config);
    if (!spec) return done(std::move(spec).error());
    if (Status ok = complete_spec(*spec); !ok) return done(std::move(ok).error());
    if (Status ok = refresh(); !ok) return done(std::move(ok).error());
    std::string uuid = uuid_text(*spec->uuid);
    if (const DomainRecord* other = table_.name_clash(spec->name, uuid))
        return done(make_error(cat("VM name '", spec->name, "' already exists as domain ",
                                   other->domid ? cat(*other->domid) : std::string("None"))));
    if (DomainRecord* same = table_.by_uuid(uuid)) {
        if (same->running() || same->busy != Busy::kNone)
            return done(make_error(cat("Domain '", same->spec.name, "' already exists with ID '",
                                       same->domid ? cat(*same->domid) : std::string("None"), "'")));
        same->spec = std::move(*spec);  // a halted managed domain, run from this config
        return build(*same, std::move(peer), std::move(done));
    }
    DomainRecord r;
    r.spec = std::move(*spec);
    build(table_.add(std::move(r)), std::move(peer), std::move(done));
}

void Xend::start_domain(std::string_view key, bool paused, std::optional<PeerCred> peer, Reply<rpc::Sexpr> done) {
    auto r = find_idle(key);
    if (!r) return done(std::move(r).error());
    if ((*r)->running()) return done(make_error("Domain is already running"));
    std::string uuid = (*r)->uuid();
    build(**r, std::move(peer), [this, uuid, paused, done](Result<rpc::Sexpr> built) {
        DomainRecord* d = table_.by_uuid(uuid);
        if (!built || paused || d == nullptr || !d->domid) return done(std::move(built));
        if (Status ok = hv_->domain_unpause(*d->domid); !ok) return done(std::move(ok).error());
        done(std::move(built));
    });
}

// ---- destroying ----

void Xend::teardown(DomainRecord& r, bool dump, Reply<void> done) {
    r.busy = dump ? Busy::kDumping : Busy::kDestroying;
    std::string uuid = r.uuid();
    DomainSpec spec = r.spec;
    DomId dom = *r.domid;
    bool keep = r.managed;
    std::string core = default_dump_name(spec.name, dom, std::time(nullptr));
    Status queued = pool_->submit([=, this](Worker& w) -> WorkPool::Done {
        std::optional<Result<std::string>> dumped;
        if (dump) dumped = dump_core(w, dom, kDumpDir, core);
        Status gone = teardown_domain(w, spec, dom, keep);
        return [=, this]() {
            if (dumped && *dumped) log_info(cat("domain ", spec.name, " (", dom, "): core dumped to ", **dumped));
            if (dumped && !*dumped) log_error(dumped->error().context(cat("domain ", spec.name)));
            after_destroy(uuid, gone, done);
        };
    });
    if (!queued) {
        r.busy = Busy::kNone;
        r.shutdown_handled = false;  // the next refresh tries again
        done(std::move(queued).error());
    }
}

void Xend::after_destroy(const std::string& uuid, Status result, Reply<void> done) {
    DomainRecord* r = table_.by_uuid(uuid);
    if (r == nullptr) return done(std::move(result));
    r->busy = Busy::kNone;
    if (!result) {
        log_error(result.error());
        return done(std::move(result));
    }
    log_info(cat("domain ", who(*r), " destroyed"));
    if (r->managed) {
        r->domid.reset();
        r->info.reset();
        r->restart_count = 0;
    } else {
        table_.remove(uuid);
    }
    done({});
}

void Xend::destroy(std::string_view key, Reply<void> done) {
    auto r = find(key);
    if (!r) {
        // An unknown number is tried on the hypervisor (XEND.md 1.3).
        DomId dom = 0;
        auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), dom);
        if (key.empty() || ec != std::errc() || end != key.data() + key.size() || r.error().code != kNoSuchDomain)
            return done(std::move(r).error());
        if (dom == kDom0) return done(make_error(cat("Cannot destroy privileged domain ", key), EPERM));
        return done(hv_->domain_destroy(dom));
    }
    DomainRecord& d = **r;
    if (d.domid == kDom0) return done(make_error(cat("Cannot destroy privileged domain ", key), EPERM));
    if (d.busy != Busy::kNone) return done(make_error(cat("Domain '", d.spec.name, "' is ", busy_name(d.busy)), EBUSY));
    if (!d.domid) return done({});  // a halted managed domain: nothing runs
    d.previous_restart_time = 0;
    teardown(d, false, std::move(done));
}

// ---- restarting ----

void Xend::restart(DomainRecord& r, bool rename, bool dump) {
    r.busy = Busy::kRestarting;
    std::string uuid = r.uuid();
    DomId old = *r.domid;
    DomainSpec spec = r.spec;
    BuildRequest q = request_for(r, std::nullopt);
    q.unpause = true;
    q.restart_count = r.restart_count + 1;
    q.previous_restart_time = now_epoch();
    std::string core = default_dump_name(spec.name, old, std::time(nullptr));
    // rename-restart keeps the dead domain under a new name and UUID.
    std::optional<DomainSpec> renamed;
    if (rename) {
        auto fresh = random_uuid();
        if (fresh) {
            renamed = spec;
            renamed->uuid = *fresh;
            renamed->name = cat("Domain-", uuid_text(*fresh));
        } else {
            log_error(fresh.error().context("rename-restart"));
        }
    }
    std::optional<DomainInfo> old_info = r.info;
    Status queued = pool_->submit([=, this](Worker& w) -> WorkPool::Done {
        std::optional<Result<std::string>> dumped;
        if (dump) dumped = dump_core(w, old, kDumpDir, core);
        Status moved;
        if (renamed) {
            LayoutInput in{&*renamed, old, old_info.value_or(DomainInfo{}), 0, 0, 0, q.console_limit_kib,
                           q.vnc_listen, q.vncpasswd};
            moved = apply_ops(*w.xs, domain_layout(in));
        } else {
            moved = teardown_domain(w, spec, old, true);
        }
        auto built = moved ? build_domain(w, q) : Result<Built>(moved.error());
        // The dead domain now lives under its new UUID: the old /vm entry
        // must not point at it any more.
        if (renamed && moved && !built) (void)w.xs->remove(vm_path(uuid));  // best effort
        return [=, this]() {
            if (dumped && *dumped) log_info(cat("domain ", spec.name, " (", old, "): core dumped to ", **dumped));
            if (dumped && !*dumped) log_error(dumped->error().context(cat("domain ", spec.name)));
            DomainRecord* r = table_.by_uuid(uuid);
            if (r == nullptr) return;
            r->busy = Busy::kNone;
            if (renamed && moved) {
                DomainRecord kept;
                kept.spec = *renamed;
                kept.domid = old;
                kept.info = old_info;
                kept.start_time = r->start_time;
                kept.shutdown_handled = true;
                table_.add(std::move(kept));
                log_info(cat("domain ", spec.name, " (", old, ") kept as ", renamed->name));
                r->domid.reset();
            }
            if (!built) {
                log_error(built.error().context(cat("cannot restart domain ", spec.name)));
                if (r->domid) {  // the old one is still there: destroy it
                    r->shutdown_handled = true;
                    return teardown(*r, false, [](Status) {});
                }
                if (r->managed) return;
                table_.remove(uuid);
                return;
            }
            r->domid = built->dom;
            r->info = built->info;
            r->start_time = built->start_time;
            r->restart_count = q.restart_count;
            r->previous_restart_time = q.previous_restart_time;
            r->shutdown_handled = false;
            log_info(cat("domain ", spec.name, " restarted as ", built->dom, " (restart ", r->restart_count, ")"));
        };
    });
    if (!queued) {
        r.busy = Busy::kNone;
        r.shutdown_handled = false;
        log_error(queued.error().context(cat("cannot restart domain ", spec.name)));
    }
}

void Xend::check_unresponsive(const std::string& uuid) {
    DomainRecord* r = table_.by_uuid(uuid);
    if (r == nullptr || !r->domid || !r->shutdown_requested) return;
    if (std::chrono::steady_clock::now() - *r->shutdown_requested < kShutdownGrace) return;
    if (Status ok = refresh(); !ok) return log_error(ok.error());
    r = table_.by_uuid(uuid);
    if (r == nullptr || !r->domid || !r->info || r->info->shutdown) return;
    log_warnx(cat("domain ", who(*r), " did not shut down within ", kShutdownGrace.count(),
                  " s of the request: marked unresponsive (not destroyed)"));
    (void)xs_->write(dom_path(*r->domid) + "/xend/unresponsive", "True");  // informational
}

// ---- explicit core dumps ----

void Xend::dump(std::string_view key, std::string_view file, Reply<std::string> done) {
    auto r = find_running(key, "dump");
    if (!r) return done(std::move(r).error());
    DomainRecord& d = **r;
    std::string name(file);
    // Only inside the dump directory: xend writes as xvm, which also owns
    // the store and the managed domains; a client must not choose where.
    std::string dir = kDumpDir;
    if (name.starts_with("/")) {
        if (!name.starts_with(dir + "/") || name.find('/', dir.size() + 1) != std::string::npos)
            return done(make_error(cat("core dumps are written only to ", dir, ", not ", name, " (xend(1M))"), EPERM));
        name = name.substr(dir.size() + 1);
    }
    if (name.empty()) name = default_dump_name(d.spec.name, *d.domid, std::time(nullptr));
    d.busy = Busy::kDumping;
    std::string uuid = d.uuid();
    DomId dom = *d.domid;
    Status queued = pool_->submit([=, this](Worker& w) -> WorkPool::Done {
        auto dumped = dump_core(w, dom, dir, name);
        return [=, this]() {
            if (DomainRecord* r = table_.by_uuid(uuid)) r->busy = Busy::kNone;
            done(dumped);
        };
    });
    if (!queued) {
        d.busy = Busy::kNone;
        done(std::move(queued).error());
    }
}

}  // namespace xvm::xend
