#include "daemons/hvsim/domain_table.h"

#include <algorithm>

#include "lib/base/format.h"

namespace xvm::hvsim {

std::string_view shutdown_reason_name(ShutdownReason reason) {
    switch (reason) {
        case ShutdownReason::kPoweroff:
            return "poweroff";
        case ShutdownReason::kReboot:
            return "reboot";
        case ShutdownReason::kSuspend:
            return "suspend";
        case ShutdownReason::kCrash:
            return "crash";
        case ShutdownReason::kWatchdog:
            return "watchdog";
    }
    return "unknown";
}

Result<DomainTable> DomainTable::create(const HostSize& host) {
    if (host.cpus == 0 || host.cpus > kMaxVcpus)
        return make_error(cat("host CPU count ", host.cpus, " is not in 1..", kMaxVcpus));
    if (host.dom0_kib == 0 || host.dom0_kib > host.memory_kib)
        return make_error(cat("dom0 memory ", host.dom0_kib, " KiB is not in 1..", host.memory_kib,
                              " KiB (the host's memory)"));
    DomainTable table(host);
    Domain dom0;
    dom0.config.memory_kib = dom0.config.max_memory_kib = host.dom0_kib;
    dom0.config.vcpus = host.cpus;
    dom0.memory_kib = host.dom0_kib;
    dom0.max_memory_kib = host.memory_kib;
    dom0.vcpus_online = host.cpus;
    dom0.started = true;
    dom0.paused = false;
    std::vector<std::uint32_t> all;
    for (std::uint32_t c = 0; c < host.cpus; ++c) all.push_back(c);
    dom0.affinity.assign(host.cpus, all);
    dom0.processor = all;  // dom0's vcpu n on CPU n, as Xen boots it
    table.domains_.emplace(kDom0, std::move(dom0));
    return table;
}

std::uint64_t DomainTable::free_kib() const {
    std::uint64_t used = 0;
    for (const auto& [id, d] : domains_) used += d.memory_kib;
    return host_.memory_kib - used;
}

std::uint32_t DomainTable::least_loaded(const std::vector<std::uint32_t>& cpus) const {
    std::vector<std::uint32_t> load(host_.cpus, 0);
    for (const auto& [id, d] : domains_)
        if (!d.dying)
            for (std::uint32_t p : d.processor) ++load[p];
    std::uint32_t best = cpus.front();
    for (std::uint32_t c : cpus)
        if (load[c] < load[best] || (load[c] == load[best] && c < best)) best = c;
    return best;
}

PhysInfo DomainTable::physinfo() const {
    return PhysInfo{.nr_cpus = host_.cpus, .total_kib = host_.memory_kib, .free_kib = free_kib()};
}

Result<DomId> DomainTable::add(const DomainConfig& config) {
    if (config.memory_kib == 0) return make_error("cannot create domain: memory is 0 KiB");
    std::uint64_t max = config.max_memory_kib == 0 ? config.memory_kib : config.max_memory_kib;
    if (max < config.memory_kib)
        return make_error(cat("cannot create domain: maximum memory ", max,
                              " KiB is below its memory of ", config.memory_kib, " KiB"));
    if (config.vcpus == 0 || config.vcpus > kMaxVcpus)
        return make_error(
            cat("cannot create domain: ", config.vcpus, " vcpus is not in 1..", kMaxVcpus));
    if (config.memory_kib > free_kib())
        return make_error(
            cat("cannot create domain: ", config.memory_kib, " KiB of memory requested but only ",
                free_kib(), " KiB of ", host_.memory_kib, " KiB are free"),
            ENOMEM);
    DomId id = next_id_;
    while (domains_.contains(id)) id = id + 1 >= kFirstReservedDomId ? 1 : id + 1;
    next_id_ = id + 1 >= kFirstReservedDomId ? 1 : id + 1;

    Domain d;
    d.id = id;
    d.config = config;
    d.config.max_memory_kib = max;
    d.memory_kib = config.memory_kib;
    d.max_memory_kib = max;
    d.vcpus_online = config.vcpus;
    std::vector<std::uint32_t> all;
    for (std::uint32_t c = 0; c < host_.cpus; ++c) all.push_back(c);
    d.affinity.assign(config.vcpus, all);
    std::uint32_t first = least_loaded(all);
    for (std::uint32_t v = 0; v < config.vcpus; ++v) d.processor.push_back((first + v) % host_.cpus);
    domains_.emplace(id, std::move(d));
    changed();
    return id;
}

Result<Domain*> DomainTable::live(DomId id, std::string_view operation) {
    auto it = domains_.find(id);
    if (it == domains_.end())
        return make_error(cat("cannot ", operation, " domain ", id, ": no such domain"), ESRCH);
    if (it->second.dying)
        return make_error(cat("cannot ", operation, " domain ", id, ": it is dying"), EINVAL);
    return &it->second;
}

Result<const Domain*> DomainTable::find(DomId id) const {
    auto it = domains_.find(id);
    if (it == domains_.end()) return make_error(cat("domain ", id, ": no such domain"), ESRCH);
    return &it->second;
}

Status DomainTable::destroy(DomId id) {
    if (id == kDom0) return make_error("cannot destroy domain 0", EPERM);
    auto d = live(id, "destroy");
    if (!d) return std::move(d).error();
    (*d)->dying = true;
    (*d)->paused = false;
    changed();
    return {};
}

void DomainTable::remove(DomId id) {
    if (id == kDom0) return;
    if (domains_.erase(id) > 0) changed();
}

Status DomainTable::pause(DomId id) {
    if (id == kDom0) return make_error("cannot pause domain 0", EINVAL);
    auto d = live(id, "pause");
    if (!d) return std::move(d).error();
    if ((*d)->shutdown)
        return make_error(cat("cannot pause domain ", id, ": it is shut down"), EINVAL);
    if (!(*d)->paused) {
        (*d)->paused = true;
        changed();
    }
    return {};
}

Result<bool> DomainTable::unpause(DomId id) {
    if (id == kDom0) return make_error("cannot unpause domain 0: it is never paused", EINVAL);
    auto d = live(id, "unpause");
    if (!d) return std::move(d).error();
    if ((*d)->shutdown)
        return make_error(cat("cannot unpause domain ", id, ": it is shut down"), EINVAL);
    bool first = !(*d)->started;
    if ((*d)->paused) {
        (*d)->paused = false;
        (*d)->started = true;
        changed();
    }
    return first;
}

Status DomainTable::shutdown(DomId id, ShutdownReason reason) {
    if (id == kDom0) return make_error("cannot shut down domain 0", EPERM);
    auto d = live(id, "shut down");
    if (!d) return std::move(d).error();
    if ((*d)->shutdown) return {};  // the first reason stands, as in Xen
    (*d)->shutdown = true;
    (*d)->reason = reason;
    (*d)->paused = false;
    changed();
    return {};
}

Status DomainTable::set_max_memory(DomId id, std::uint64_t kib) {
    auto d = live(id, "set the maximum memory of");
    if (!d) return std::move(d).error();
    if (kib == 0)
        return make_error(cat("cannot set the maximum memory of domain ", id, " to 0 KiB"));
    (*d)->max_memory_kib = kib;
    changed();
    return {};
}

Status DomainTable::set_allocation(DomId id, std::uint64_t kib) {
    auto d = live(id, "set the memory of");
    if (!d) return std::move(d).error();
    Domain& dom = **d;
    if (kib == 0) return make_error(cat("cannot set the memory of domain ", id, " to 0 KiB"));
    if (kib > dom.max_memory_kib)
        return make_error(cat("cannot set the memory of domain ", id, " to ", kib,
                              " KiB: its maximum is ", dom.max_memory_kib, " KiB"));
    if (kib > dom.memory_kib && kib - dom.memory_kib > free_kib())
        return make_error(
            cat("cannot grow domain ", id, " to ", kib, " KiB: ", kib - dom.memory_kib,
                " KiB more requested but only ", free_kib(), " KiB are free"),
            ENOMEM);
    if (dom.memory_kib != kib) {
        dom.memory_kib = kib;
        changed();
    }
    return {};
}

Status DomainTable::set_vcpus_online(DomId id, std::uint32_t count) {
    auto d = live(id, "set the vcpus of");
    if (!d) return std::move(d).error();
    std::uint32_t max = static_cast<std::uint32_t>((*d)->affinity.size());
    if (count == 0 || count > max)
        return make_error(cat("cannot set domain ", id, " to ", count, " vcpus: not in 1..", max));
    (*d)->vcpus_online = count;
    changed();
    return {};
}

Status DomainTable::set_affinity(DomId id, std::uint32_t vcpu,
                                 const std::vector<std::uint32_t>& cpus) {
    auto d = live(id, "set vcpu affinity of");
    if (!d) return std::move(d).error();
    if (vcpu >= (*d)->affinity.size())
        return make_error(cat("cannot pin vcpu ", vcpu, " of domain ", id, ": it has ",
                              (*d)->affinity.size(), " vcpus"));
    if (cpus.empty())
        return make_error(cat("cannot pin vcpu ", vcpu, " of domain ", id, " to no CPU"));
    for (std::uint32_t cpu : cpus)
        if (cpu >= host_.cpus)
            return make_error(cat("cannot pin vcpu ", vcpu, " of domain ", id, " to CPU ", cpu,
                                  ": the host has CPUs 0..", host_.cpus - 1));
    Domain& dom = **d;
    dom.affinity[vcpu] = cpus;
    // Its current CPU is outside `cpus`, so it does not weigh on the choice.
    if (std::find(cpus.begin(), cpus.end(), dom.processor[vcpu]) == cpus.end())
        dom.processor[vcpu] = least_loaded(cpus);
    return {};
}

void DomainTable::set_ports(DomId id, std::uint32_t store, std::uint32_t console) {
    auto it = domains_.find(id);
    if (it == domains_.end()) return;
    it->second.store_port = store;
    it->second.console_port = console;
}

}  // namespace xvm::hvsim
