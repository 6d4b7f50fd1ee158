// A hypervisor for unit tests: host memory and dom0's allocation, and a
// dom0 balloon driver that moves towards its target by at most
// `dom0_yields` KiB each time the host's memory is looked at (a dom0 that
// is slow, or never gives anything back). Everything else fails loudly: tests that need
// real domains use hvsim (tests/e2e).
#pragma once

#include "lib/xen/hypervisor.h"

namespace xvm::xend::test {

class TestHypervisor final : public Hypervisor {
public:
    std::uint64_t total_kib = 1024 * 1024;
    std::uint64_t dom0_kib = 512 * 1024;
    std::uint64_t guests_kib = 0;
    std::uint64_t dom0_yields = UINT64_MAX;  // KiB dom0 gives back per target change
    std::uint64_t target_kib = 0;
    int target_calls = 0;

    std::uint64_t free_kib() const { return total_kib - dom0_kib - guests_kib; }

    Result<PhysInfo> physinfo() override {
        if (target_kib != 0 && dom0_kib > target_kib) dom0_kib -= std::min(dom0_kib - target_kib, dom0_yields);
        return PhysInfo{.nr_cpus = 4, .total_kib = total_kib, .free_kib = free_kib()};
    }
    Result<DomainInfo> domain_info(DomId dom) override {
        if (dom != kDom0) return make_error("no such domain", ESRCH);
        DomainInfo i;
        i.memory_kib = dom0_kib;
        i.max_vcpus = 4;
        i.vcpus_online = 4;
        return i;
    }
    Status set_memory_target(DomId dom, std::uint64_t kib) override {
        if (dom != kDom0) return make_error("no such domain", ESRCH);
        ++target_calls;
        target_kib = kib;
        if (kib > dom0_kib) dom0_kib = kib;
        return {};
    }

    Result<DomId> domain_create(const DomainConfig&) override { return unused(); }
    Status domain_destroy(DomId) override { return unused(); }
    Status domain_pause(DomId) override { return unused(); }
    Status domain_unpause(DomId) override { return unused(); }
    Status domain_shutdown(DomId, ShutdownReason) override { return unused(); }
    Result<std::vector<DomainInfo>> domain_list() override { return unused(); }
    Status set_max_memory(DomId, std::uint64_t) override { return unused(); }
    Status set_vcpus_online(DomId, std::uint32_t) override { return unused(); }
    Status set_vcpu_affinity(DomId, std::uint32_t, const std::vector<std::uint32_t>&) override { return unused(); }
    Result<std::vector<VcpuInfo>> vcpu_info(DomId) override { return unused(); }
    Result<std::uint32_t> evtchn_alloc_unbound(DomId, DomId) override { return unused(); }
    Result<std::unique_ptr<EventChannel>> evtchn_bind_interdomain(DomId, std::uint32_t) override { return unused(); }
    Result<Mapping> map_xenstore_page(DomId) override { return unused(); }
    Result<Mapping> map_console_page(DomId) override { return unused(); }
    Status core_dump(DomId, int) override { return unused(); }
    Status save(DomId, const std::string&) override { return unused(); }
    Result<DomId> restore(const std::string&) override { return unused(); }
    Result<std::unique_ptr<DomainEvents>> subscribe_domain_events() override { return unused(); }

private:
    static Error unused() { return make_error("not part of this test hypervisor", ENOSYS); }
};

}  // namespace xvm::xend::test
