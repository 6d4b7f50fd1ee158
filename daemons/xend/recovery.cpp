// Finding every domain again when xend starts - after a reboot of the
// host nothing runs, after `svcadm restart xctl/xend` or a kill -9 every
// guest still runs and must be found, never paused, never lost (the
// hypervisor and xenstored outlive xend):
//
//   1. the hypervisor's list: what runs, by domid (and its UUID);
//   2. /vm/<uuid>/xend/{domid,config} in the store - dom0's own records,
//      which no guest can write - give each running domain its
//      configuration, name, actions and restart history; the guest-owned
//      /local/domain/<id> is never trusted for this;
//   3. the managed definitions under /var/lib/xend/domains.
// A running domain without a record of ours belongs to some other
// toolstack and is left alone; a record whose domain is gone is removed.
#include "daemons/xend/store_layout.h"
#include "daemons/xend/uuid.h"
#include "daemons/xend/xend.h"
#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm::xend {
namespace {

struct Found {
    DomainSpec spec;
    DomId dom = 0;
    double start_time = 0;
    std::uint32_t restart_count = 0;
    double previous_restart_time = 0;
    std::string last_shutdown_reason;
};

double number(const std::optional<std::string>& s) {
    if (!s) return 0;
    try {
        return std::stod(*s);
    } catch (...) {
        return 0;
    }
}

// dom0's record of one domain, or why it cannot be used.
Result<Found> read_record(XsClient& xs, const std::string& uuid) {
    std::string vm = vm_path(uuid);
    auto domid = xs.read(vm + "/xend/domid");
    if (!domid) return std::move(domid).error();
    auto config = xs.read(vm + "/xend/config");
    if (!config) return std::move(config).error();
    auto value = rpc::parse_sexpr(*config);
    if (!value) return std::move(value).error().context(vm + "/xend/config");
    auto spec = parse_domain_config(*value);
    if (!spec) return std::move(spec).error().context(vm + "/xend/config");
    if (!spec->uuid || uuid_text(*spec->uuid) != uuid) return make_error(cat(vm, ": the config names another UUID"));
    Found f;
    f.spec = std::move(*spec);
    if (Status ok = complete_spec(f.spec); !ok) return std::move(ok).error();
    f.dom = static_cast<DomId>(std::stoul(*domid));
    auto opt = [&](const std::string& key) -> std::optional<std::string> {
        auto v = xs.read_optional(vm + key);
        return v ? *v : std::nullopt;
    };
    f.start_time = number(opt("/start_time"));
    f.restart_count = static_cast<std::uint32_t>(number(opt("/xend/restart_count")));
    f.previous_restart_time = number(opt("/xend/previous_restart_time"));
    f.last_shutdown_reason = opt("/xend/last_shutdown_reason").value_or("");
    return f;
}

}  // namespace

void Xend::add_dom0() {
    DomainRecord r;
    r.spec.name = "Domain-0";
    r.spec.uuid = Uuid{};
    r.spec.on_crash = Action::kRestart;
    r.domid = kDom0;
    if (auto info = hv_->domain_info(kDom0)) {
        r.info = *info;
        r.spec.vcpus = std::max<std::uint32_t>(info->max_vcpus, 1);
        r.spec.memory_mib = info->memory_kib / 1024;
        r.spec.maxmem_mib = info->max_memory_kib / 1024;
    }
    table_.add(std::move(r));
}

Status Xend::recover() {
    add_dom0();
    auto list = hv_->domain_list();
    if (!list) return std::move(list).error().context("cannot list domains");
    auto uuids = xs_->directory("/vm");
    std::vector<std::string> vms = uuids ? *uuids : std::vector<std::string>{};
    if (!uuids && uuids.error().code != ENOENT) return std::move(uuids).error();
    std::size_t found = 0;
    for (const std::string& uuid : vms) {
        if (!parse_uuid(uuid)) continue;
        auto f = read_record(*xs_, uuid);
        if (!f) {
            // Not one of ours (no xend/ keys), or damaged: leave it.
            log_debug(cat("/vm/", uuid, ": ", f.error().message));
            continue;
        }
        auto running = std::find_if(list->begin(), list->end(), [&](const DomainInfo& i) { return i.domid == f->dom; });
        if (running == list->end() || f->dom == kDom0) {
            log_info(cat("domain ", f->spec.name, " (", f->dom, ") is gone: its store entries are removed"));
            (void)apply_ops(*xs_, teardown_layout(f->spec, f->dom, false));  // best effort
            continue;
        }
        // The domid may have been reused by a domain that is not this one:
        // the hypervisor's UUID must match (a domain kept by rename-restart
        // carries its new UUID only here, and its name says so).
        bool kept = f->spec.name == "Domain-" + uuid;
        if (table_.by_domid(f->dom) != nullptr || (uuid_text(running->uuid) != uuid && !kept)) {
            log_info(cat("/vm/", uuid, " names domain ", f->dom, ", which is another domain now: removed"));
            (void)xs_->remove(vm_path(uuid));  // best effort; the running domain's entries stay
            continue;
        }
        DomainRecord r;
        r.spec = std::move(f->spec);
        r.domid = f->dom;
        r.info = *running;
        r.start_time = f->start_time;
        r.restart_count = f->restart_count;
        r.previous_restart_time = f->previous_restart_time;
        r.last_shutdown_reason = f->last_shutdown_reason;
        log_info(cat("found domain ", r.spec.name, " (", f->dom, ") running"));
        table_.add(std::move(r));
        ++found;
    }
    for (const DomainInfo& i : *list)
        if (i.domid != kDom0 && table_.by_domid(i.domid) == nullptr)
            log_info(cat("domain ", i.domid, " (", uuid_text(i.uuid), ") has no xend record: left alone"));
    std::vector<std::string> problems;
    std::size_t managed = 0;
    for (DomainSpec& spec : managed_.load_all(problems)) {
        ++managed;
        if (DomainRecord* r = table_.by_uuid(uuid_text(*spec.uuid))) {
            r->managed = true;
            continue;
        }
        DomainRecord r;
        r.spec = std::move(spec);
        r.managed = true;
        table_.add(std::move(r));
    }
    for (const std::string& p : problems) log_warnx(cat("managed domain skipped: ", p));
    log_info(cat("found ", found, " running domain(s) and ", managed, " managed definition(s)"));
    return {};
}

}  // namespace xvm::xend
