// hvsim's domain table: the state a hypervisor keeps per domain and for the
// host - ids, configuration, the state machine and memory accounting. Pure
// bookkeeping with no processes or files, so every rule is unit-tested
// (domain_table_test.cpp); the server applies a change here first and only
// then touches guest processes.
//
// State machine (Xen's, as seen through the domain info flags):
//
//   create --> paused(never started) --unpause--> running <--pause/unpause--> paused
//   running|paused --shutdown(reason)--> shutdown(reason)   (crash: also crashed)
//   any --destroy--> dying --reaped--> gone (memory returns to the host)
//
// Domain 0 exists from the start, cannot be paused, shut down or destroyed,
// and only its allocation can change (xend lowers it for dom0-min-mem).
// CPU placement: each vcpu sits on one physical CPU of its affinity (Xen's
// placement: vcpu 0 on the least loaded CPU, the others cycling on from
// it; a pin that excludes a vcpu's CPU moves it to the least loaded
// allowed one).
// Memory: the sum of all allocations never exceeds the host's; a create or
// an increase beyond what is free fails with ENOMEM and says how much was
// asked for and how much is free.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lib/xen/hypervisor.h"
#include "lib/base/result.h"

namespace xvm::hvsim {

struct HostSize {
    std::uint32_t cpus = 2;
    std::uint64_t memory_kib = 4ull << 20;  // 4 GiB
    std::uint64_t dom0_kib = 1ull << 20;    // 1 GiB
};

inline constexpr std::uint32_t kMaxVcpus = 128;
// Xen's DOMID_FIRST_RESERVED: ids at and above it name special domains.
inline constexpr DomId kFirstReservedDomId = 0x7FF0;

struct Domain {
    DomId id = 0;
    DomainConfig config;
    std::uint64_t memory_kib = 0;
    std::uint64_t max_memory_kib = 0;
    std::uint32_t vcpus_online = 0;
    std::vector<std::vector<std::uint32_t>> affinity;  // per vcpu
    // Per vcpu: the physical CPU it is on (Xen's v->processor), always one
    // of its affinity. Placed at creation and moved only when a new
    // affinity excludes it, as Xen's scheduler does.
    std::vector<std::uint32_t> processor;
    bool started = false;                              // unpaused at least once (has run)
    bool paused = true;
    bool shutdown = false;
    ShutdownReason reason = ShutdownReason::kPoweroff;
    bool dying = false;
    std::uint32_t store_port = 0;
    std::uint32_t console_port = 0;
};

class DomainTable {
  public:
    // Fails if the host cannot hold dom0's allocation.
    static Result<DomainTable> create(const HostSize& host);

    PhysInfo physinfo() const;
    std::uint64_t free_kib() const;

    // A new domain, paused and not yet started.
    Result<DomId> add(const DomainConfig& config);
    // Marks a domain dying (it keeps its memory until remove()).
    Status destroy(DomId id);
    // Forgets a dying domain and returns its memory to the host.
    void remove(DomId id);

    Status pause(DomId id);
    // Returns true when this unpause is the domain's first start.
    Result<bool> unpause(DomId id);
    Status shutdown(DomId id, ShutdownReason reason);

    Status set_max_memory(DomId id, std::uint64_t kib);
    // The domain's allocation (ballooning): bounded by its maximum and by
    // what the host has free.
    Status set_allocation(DomId id, std::uint64_t kib);
    Status set_vcpus_online(DomId id, std::uint32_t count);
    Status set_affinity(DomId id, std::uint32_t vcpu, const std::vector<std::uint32_t>& cpus);
    void set_ports(DomId id, std::uint32_t store, std::uint32_t console);

    Result<const Domain*> find(DomId id) const;
    const std::map<DomId, Domain>& domains() const { return domains_; }

    // Called after every state change (the VIRQ_DOM_EXC source).
    void on_change(std::function<void()> callback) { on_change_ = std::move(callback); }

  private:
    explicit DomainTable(const HostSize& host) : host_(host) {}
    // Of `cpus`, the one with the fewest vcpus of live domains on it
    // (the lowest number among equals).
    std::uint32_t least_loaded(const std::vector<std::uint32_t>& cpus) const;
    Result<Domain*> live(DomId id, std::string_view operation);
    void changed() {
        if (on_change_) on_change_();
    }

    HostSize host_;
    std::map<DomId, Domain> domains_;
    DomId next_id_ = 1;
    std::function<void()> on_change_;
};

std::string_view shutdown_reason_name(ShutdownReason reason);

}  // namespace xvm::hvsim
