// The simulated hypervisor's state and operations: the domain table, event
// channels, each domain's shared pages and guest process, and the
// subscribers to domain state changes. One object per hvsim process, used
// from its one event loop; server.cpp turns requests into calls here.
//
// Order of every change: check and apply it in the DomainTable (which
// refuses bad input without side effects), then act on the process.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemons/hvsim/domain_table.h"
#include "lib/base/event_loop.h"
#include "daemons/hvsim/evtchn.h"
#include "lib/xen/hv_proto.h"
#include "daemons/hvsim/launcher.h"
#include "daemons/hvsim/pages.h"

namespace xvm::hvsim {

struct SimConfig {
    HostSize host;
    std::string state_dir;
    Launcher* launcher = nullptr;  // not owned; outlives the Sim
};

class Sim {
  public:
    static Result<std::unique_ptr<Sim>> create(EventLoop& loop, const SimConfig& config);
    ~Sim();

    PhysInfo physinfo() const { return table_.physinfo(); }
    Result<DomId> create_domain(const DomainConfig& config);
    Status destroy(DomId dom);
    Status pause(DomId dom);
    Status unpause(DomId dom);
    Status shutdown(DomId dom, ShutdownReason reason);
    Result<DomainInfo> info(DomId dom) const;
    std::vector<DomainInfo> list() const;

    Status set_max_memory(DomId dom, std::uint64_t kib);
    Status set_memory_target(DomId dom, std::uint64_t kib);
    Status set_vcpus(DomId dom, std::uint32_t count);
    Status set_affinity(DomId dom, std::uint32_t vcpu, const std::vector<std::uint32_t>& cpus);
    Result<std::vector<VcpuInfo>> vcpu_info(DomId dom) const;

    Result<std::uint32_t> alloc_unbound(DomId dom, DomId remote);
    Result<PortFds> bind(std::uint64_t owner, DomId remote, std::uint32_t port);
    Result<int> page_fd(DomId dom, HvPage page) const;

    Status core_dump(DomId dom, int fd) const;
    Status save(DomId dom, int fd);
    Result<DomId> restore(int fd);

    // An eventfd written on every state change, until the owner goes.
    Result<int> subscribe(std::uint64_t owner);
    // A connection closed: its event channels and subscription go.
    void release_owner(std::uint64_t owner);

    // Kills every guest (hvsim is stopping).
    void shutdown_all();

  private:
    struct Guest {
        DomainPages pages;
        PortFds store;
        PortFds console;
        std::optional<GuestProcess> process;
        std::string control_in;
        bool resume = false;  // restored: the guest resumes instead of booting
    };

    Sim(EventLoop& loop, DomainTable table, const SimConfig& config)
        : loop_(loop), table_(std::move(table)), config_(config) {}
    Result<DomId> create_with(const DomainConfig& config, bool resume);
    Status start_guest(DomId dom);
    void stop_guest(Guest& guest);
    void forget(DomId dom);
    Status on_guest_exit(DomId dom);
    Status on_control(DomId dom);
    Status guest_says(DomId dom, std::string_view line);
    void notify_subscribers();
    Result<const Guest*> guest(DomId dom) const;

    EventLoop& loop_;
    DomainTable table_;
    SimConfig config_;
    EvtchnTable evtchn_;
    std::map<DomId, Guest> guests_;
    std::map<std::uint64_t, UniqueFd> subscribers_;
};

}  // namespace xvm::hvsim
