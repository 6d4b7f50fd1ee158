// The loop-thread core of xend: start-up, the refresh from the hypervisor,
// lookups, queries, and the operations that answer at once. Building and
// the on_* actions are in lifecycle.cpp, finding domains after a restart
// in recovery.cpp.
#include "daemons/xend/xend.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "daemons/xend/cpu_list.h"
#include "daemons/xend/domain_sxpr.h"
#include "daemons/xend/store_layout.h"
#include "daemons/xend/uuid.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/paths.h"

namespace xvm::xend {

Error no_such_domain(std::string_view key) { return make_error(std::string(key), kNoSuchDomain); }

Xend::Xend(Deps d)
    : loop_(*d.loop),
      hv_(std::move(d.hv)),
      xs_(std::move(d.xs)),
      watch_(std::move(d.watch)),
      pool_(std::move(d.pool)),
      settings_(std::move(d.settings)),
      backend_(std::move(d.backend)),
      xvm_uid_(d.xvm_uid),
      xvm_gid_(d.xvm_gid),
      managed_(root_path(kDomainsDir)) {}

Xend::~Xend() {
    if (watch_) loop_.remove_fd(watch_->fileno());
    pool_.reset();  // joins the workers before the rest goes
}

Result<std::unique_ptr<Xend>> Xend::start(Deps deps) {
    std::unique_ptr<Xend> x(new Xend(std::move(deps)));
    auto phys = x->hv_->physinfo();
    if (!phys) return std::move(phys).error().context("cannot read the host's shape");
    x->nr_cpus_ = std::max<std::uint32_t>(phys->nr_cpus, 1);
    if (Status ok = x->recover(); !ok) return std::move(ok).error();
    x->apply_settings(x->settings_);
    if (Status ok = x->watch_domains(); !ok) return std::move(ok).error();
    x->handle_shutdowns();
    return x;
}

void Xend::apply_settings(const Settings& s) {
    settings_ = s;
    if (s.dom0_cpus <= 0) return;
    auto dom0 = hv_->domain_info(kDom0);
    if (!dom0) return log_error(dom0.error().context("config/dom0-cpus"));
    auto want = static_cast<std::uint32_t>(std::min<std::int64_t>(s.dom0_cpus, dom0->max_vcpus));
    if (dom0->vcpus_online == want) return;
    if (Status ok = hv_->set_vcpus_online(kDom0, want); !ok)
        return log_error(ok.error().context("config/dom0-cpus"));
    log_info(cat("dom0 now has ", want, " vcpus online (config/dom0-cpus ", s.dom0_cpus, ")"));
}

void Xend::lose(const Error& why) {
    if (!lost_.empty()) return;
    lost_ = why.message;
    log_error(why);
    loop_.stop();
}

Status Xend::refresh() {
    auto list = hv_->domain_list();
    if (!list) {
        // A hypervisor connection that closed does not come back: stop, and
        // let the restarter start a new xend that connects again.
        if (list.error().code == EPIPE || list.error().code == ECONNRESET)
            lose(list.error().context("lost the hypervisor"));
        return std::move(list).error().context("cannot list domains");
    }
    std::vector<std::string> vanished;
    for (DomainRecord* r : table_.all()) {
        if (!r->domid) continue;
        auto it = std::find_if(list->begin(), list->end(), [&](const DomainInfo& i) { return i.domid == *r->domid; });
        if (it != list->end()) {
            r->info = *it;
            continue;
        }
        // Gone from the hypervisor behind xend's back (or destroyed by a
        // job still finishing): forget it, unless a job owns it.
        if (r->busy == Busy::kNone) vanished.push_back(r->uuid());
    }
    for (const std::string& uuid : vanished) {
        DomainRecord* r = table_.by_uuid(uuid);
        log_info(cat("domain ", r->spec.name, " (", *r->domid, ") is gone from the hypervisor"));
        (void)apply_ops(*xs_, teardown_layout(r->spec, *r->domid, r->managed));  // best effort: it is gone
        if (r->managed) {
            r->domid.reset();
            r->info.reset();
        } else {
            table_.remove(uuid);
        }
    }
    return {};
}

Result<DomainRecord*> Xend::find(std::string_view key) {
    if (Status ok = refresh(); !ok) return std::move(ok).error();
    DomainRecord* r = table_.lookup(key);
    if (r == nullptr || (r->busy == Busy::kCreating && !r->domid)) return no_such_domain(key);
    return r;
}

Result<DomainRecord*> Xend::find_idle(std::string_view key) {
    auto r = find(key);
    if (!r) return r;
    if ((*r)->busy != Busy::kNone)
        return make_error(cat("Domain '", (*r)->spec.name, "' is ", busy_name((*r)->busy)), EBUSY);
    return r;
}

Result<DomainRecord*> Xend::find_running(std::string_view key, std::string_view verb) {
    auto r = find_idle(key);
    if (!r) return r;
    if (!(*r)->domid) return make_error(cat("Domain '", key, "' is not started"));
    if (*(*r)->domid == kDom0 && !verb.empty())
        return make_error(cat("Cannot ", verb, " privileged domain ", key), EPERM);
    return r;
}

void Xend::save_if_managed(const DomainRecord& r) {
    if (!r.managed) return;
    if (Status ok = managed_.save(r.spec); !ok) log_error(ok.error());
}

// ---- queries ----

Result<rpc::Sexpr> Xend::domain(std::string_view key, bool full) {
    auto r = find(key);
    if (!r) return std::move(r).error();
    return domain_sexpr(**r, full);
}

std::vector<rpc::Sexpr> Xend::domains(bool detail, std::string_view state, bool full) {
    std::vector<rpc::Sexpr> out;
    if (Status ok = refresh(); !ok) log_error(ok.error());
    std::string want(state);
    std::transform(want.begin(), want.end(), want.begin(), [](unsigned char c) { return std::tolower(c); });
    for (DomainRecord* r : table_.all()) {
        if (r->busy == Busy::kCreating && !r->domid) continue;
        if (want != "all" && state_word(*r) != want) continue;
        out.push_back(detail ? domain_sexpr(*r, full) : rpc::Sexpr::string(r->spec.name));
    }
    return out;
}

Result<rpc::Sexpr> Xend::vcpu_info(std::string_view key) {
    auto r = find(key);
    if (!r) return std::move(r).error();
    std::vector<VcpuInfo> vcpus;
    if ((*r)->domid) {
        auto got = hv_->vcpu_info(*(*r)->domid);
        if (!got) return std::move(got).error();
        vcpus = std::move(*got);
    }
    return vcpu_info_sexpr(**r, vcpus, nr_cpus_);
}

Result<rpc::Sexpr> Xend::node_info(bool legacy) {
    auto phys = hv_->physinfo();
    if (!phys) return std::move(phys).error();
    NodeFacts facts{*phys, backend_};
    return legacy ? node_sexpr(facts) : node_info_pairs(facts);
}

Result<std::string> Xend::restart_count(std::string_view key) {
    auto r = find(key);
    if (!r) return std::move(r).error();
    return cat((*r)->restart_count);
}

// ---- operations that answer at once ----

Status Xend::shutdown(std::string_view key, std::string_view reason) {
    static constexpr std::string_view kReasons[] = {"poweroff", "reboot", "suspend", "crash", "halt"};
    if (std::find(std::begin(kReasons), std::end(kReasons), reason) == std::end(kReasons))
        return make_error(cat("Invalid reason: ", reason));
    auto r = find_running(key, "shut down");
    if (!r) return std::move(r).error();
    DomainRecord& d = **r;
    // A crash is the guest's doing as far as its actions go.
    if (reason == "crash") return hv_->domain_shutdown(*d.domid, ShutdownReason::kCrash);
    // A deliberate shutdown or reboot is never throttled as a crash loop.
    d.previous_restart_time = 0;
    (void)xs_->remove(vm_path(d.uuid()) + "/xend/previous_restart_time");  // absent is fine
    if (Status ok = xs_->write(dom_path(*d.domid) + "/control/shutdown", std::string(reason)); !ok) return ok;
    d.shutdown_requested = std::chrono::steady_clock::now();
    std::string uuid = d.uuid();
    loop_.add_timer(kShutdownGrace, [this, uuid] {
        check_unresponsive(uuid);
        return Status();
    });
    log_info(cat("domain ", d.spec.name, " (", *d.domid, ") asked to ", reason));
    return {};
}

Status Xend::pause(std::string_view key) {
    auto r = find_running(key, "pause");
    if (!r) return std::move(r).error();
    return hv_->domain_pause(*(*r)->domid);
}

Status Xend::unpause(std::string_view key) {
    auto r = find_running(key, "unpause");
    if (!r) return std::move(r).error();
    return hv_->domain_unpause(*(*r)->domid);
}

Status Xend::set_memory_target(std::string_view key, std::int64_t mib) {
    auto r = find_idle(key);
    if (!r) return std::move(r).error();
    DomainRecord& d = **r;
    if (mib <= 0) return make_error(cat("Invalid memory target: ", mib, " MiB"));
    auto kib = static_cast<std::uint64_t>(mib) * 1024;
    if (d.domid == kDom0 && settings_.dom0_min_mem > 0 && mib < settings_.dom0_min_mem)
        return make_error(cat("memory_dynamic_max too small: dom0 cannot go below config/dom0-min-mem (",
                              mib, " MiB < ", settings_.dom0_min_mem, " MiB)"));
    std::uint64_t maxmem = d.info && d.info->max_memory_kib ? d.info->max_memory_kib / 1024 : d.spec.maxmem_mib;
    if (d.domid != kDom0 && static_cast<std::uint64_t>(mib) > maxmem)
        return make_error(cat("memory target ", mib, " MiB is above maxmem ", maxmem, " MiB"));
    if (d.domid) {
        if (Status ok = hv_->set_memory_target(*d.domid, kib); !ok) return ok;
        if (*d.domid != kDom0) {
            if (Status ok = xs_->write(dom_path(*d.domid) + "/memory/target", cat(kib)); !ok) return ok;
            if (Status ok = xs_->write(vm_path(d.uuid()) + "/memory", cat(mib)); !ok) return ok;
        }
    }
    if (d.domid != kDom0) d.spec.memory_mib = static_cast<std::uint64_t>(mib);
    save_if_managed(d);
    return {};
}

Status Xend::set_max_memory(std::string_view key, std::int64_t mib) {
    auto r = find_idle(key);
    if (!r) return std::move(r).error();
    DomainRecord& d = **r;
    if (mib <= 0) return make_error(cat("Invalid maxmem: ", mib, " MiB"));
    if (d.domid)
        if (Status ok = hv_->set_max_memory(*d.domid, static_cast<std::uint64_t>(mib) * 1024); !ok) return ok;
    if (d.domid != kDom0) {
        d.spec.maxmem_mib = static_cast<std::uint64_t>(mib);
        d.spec.memory_mib = std::min(d.spec.memory_mib, d.spec.maxmem_mib);
    }
    if (!d.running()) save_if_managed(d);  // a running domain's definition changes only while halted
    return {};
}

Status Xend::set_vcpus(std::string_view key, std::int64_t count) {
    if (count <= 0) return make_error("Invalid VCPUs");
    auto r = find_idle(key);
    if (!r) return std::move(r).error();
    DomainRecord& d = **r;
    std::uint32_t max = d.domid == kDom0 && d.info ? d.info->max_vcpus : d.spec.vcpus;
    if (count > max)
        return make_error(cat("Cannot set vcpus greater than max vcpus on running domain (", count, " > ", max, ")"));
    auto n = static_cast<std::uint32_t>(count);
    if (!d.domid) {
        d.spec.vcpus = n;
        d.spec.vcpu_avail = n >= 64 ? ~0ull : (1ull << n) - 1;
        d.spec.cpus.resize(std::min<std::size_t>(d.spec.cpus.size(), n));
        save_if_managed(d);
        return {};
    }
    if (Status ok = hv_->set_vcpus_online(*d.domid, n); !ok) return ok;
    if (*d.domid == kDom0) return {};
    d.spec.vcpu_avail = n >= 64 ? ~0ull : (1ull << n) - 1;
    for (std::uint32_t v = 0; v < max; ++v)
        if (Status ok = xs_->write(cat(dom_path(*d.domid), "/cpu/", v, "/availability"), v < n ? "online" : "offline");
            !ok)
            return ok;
    return xs_->write(vm_path(d.uuid()) + "/vcpu_avail", cat(d.spec.vcpu_avail));
}

Status Xend::pin(std::string_view key, std::string_view vcpu, const std::vector<std::uint32_t>& cpus) {
    auto r = find_idle(key);
    if (!r) return std::move(r).error();
    DomainRecord& d = **r;
    std::uint32_t vcpus = d.domid == kDom0 && d.info ? d.info->max_vcpus : d.spec.vcpus;
    std::vector<std::uint32_t> which;
    if (vcpu == "all") {
        for (std::uint32_t v = 0; v < vcpus; ++v) which.push_back(v);
    } else {
        std::uint32_t v = 0;
        auto [end, ec] = std::from_chars(vcpu.data(), vcpu.data() + vcpu.size(), v);
        if (vcpu.empty() || ec != std::errc() || end != vcpu.data() + vcpu.size())
            return make_error(cat("Invalid VCPU: '", vcpu, "' (a number or all)"));
        if (v >= vcpus) return make_error(cat("Invalid VCPU: ", v, " (the domain has ", vcpus, ")"));
        which.push_back(v);
    }
    std::vector<std::uint32_t> here;
    for (std::uint32_t c : cpus)
        if (c < nr_cpus_) here.push_back(c);
    std::sort(here.begin(), here.end());
    here.erase(std::unique(here.begin(), here.end()), here.end());
    if (here.empty())
        return make_error(cat("cpumap names no CPU of this host (CPUs 0-", nr_cpus_ - 1, ")"));
    for (std::uint32_t v : which) {
        if (d.domid)
            if (Status ok = hv_->set_vcpu_affinity(*d.domid, v, here); !ok) return ok;
        if (d.domid != kDom0) {
            if (d.spec.cpus.size() < vcpus) d.spec.cpus.resize(vcpus, {});
            d.spec.cpus[v] = here;
        }
    }
    save_if_managed(d);  // 3.3 writes pinning back always
    return {};
}

Status Xend::set_name(std::string_view key, std::string_view name) {
    if (Status ok = check_name(name); !ok) return ok;
    auto r = find_idle(key);
    if (!r) return std::move(r).error();
    DomainRecord& d = **r;
    if (d.domid == kDom0) return make_error("Cannot rename privileged domain Domain-0", EPERM);
    if (const DomainRecord* other = table_.name_clash(name, d.uuid()))
        return make_error(cat("VM name '", name, "' already exists as domain ",
                              other->domid ? cat(*other->domid) : std::string("None")));
    d.spec.name = std::string(name);
    if (d.domid) {
        if (Status ok = xs_->write(vm_path(d.uuid()) + "/name", d.spec.name); !ok) return ok;
        if (Status ok = xs_->write(dom_path(*d.domid) + "/name", d.spec.name); !ok) return ok;
    }
    save_if_managed(d);
    return {};
}

Status Xend::sysrq(std::string_view key, std::string_view letter) {
    if (letter.size() != 1) return make_error(cat("Invalid sysrq key: '", letter, "' (one character)"));
    auto r = find_running(key, "send sysrq to");
    if (!r) return std::move(r).error();
    return xs_->write(dom_path(*(*r)->domid) + "/control/sysrq", std::string(letter));
}

Status Xend::wait_for_devices(std::string_view key) {
    // No device backend runs beside the simulator; with Xen the backends'
    // hotplug status would be awaited here. The domain must exist.
    auto r = find(key);
    if (!r) return std::move(r).error();
    return {};
}

Status Xend::new_domain(const rpc::Sexpr& config) {
    auto spec = parse_domain_config(config);
    if (!spec) return std::move(spec).error();
    if (Status ok = complete_spec(*spec); !ok) return ok;
    if (Status ok = refresh(); !ok) return ok;
    std::string uuid = uuid_text(*spec->uuid);
    if (const DomainRecord* other = table_.name_clash(spec->name, uuid))
        return make_error(cat("VM name '", spec->name, "' already exists as domain ",
                              other->domid ? cat(*other->domid) : std::string("None")));
    DomainRecord* existing = table_.by_uuid(uuid);
    if (existing && existing->busy != Busy::kNone)
        return make_error(cat("Domain '", existing->spec.name, "' is ", busy_name(existing->busy)), EBUSY);
    if (Status ok = managed_.save(*spec); !ok) return ok;
    if (existing) {
        existing->managed = true;
        if (!existing->running()) existing->spec = *spec;
        return {};
    }
    DomainRecord r;
    r.spec = std::move(*spec);
    r.managed = true;
    table_.add(std::move(r));
    return {};
}

Status Xend::delete_domain(std::string_view key) {
    auto r = find_idle(key);
    if (!r) return std::move(r).error();
    DomainRecord& d = **r;
    if (!d.managed) return make_error("Domain is not managed by Xend lifecycle support.");
    if (d.running()) return make_error("Domain is not halted.");
    if (Status ok = managed_.remove(d.uuid()); !ok) return ok;
    table_.remove(d.uuid());
    return {};
}

}  // namespace xvm::xend
