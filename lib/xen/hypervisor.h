// The hypervisor interface: what libxenctrl, libxenevtchn, libxengnttab and
// libxenforeignmemory give a dom0 daemon, as one C++ interface with two
// implementations chosen by the one backend setting (docs/design.md section 5):
//   sim  - a client of the simulated hypervisor daemon, hvsim;
//   xen  - the real libraries on a Xen dom0.
// Errors carry Xen's errno values (ENOMEM when memory runs out, ESRCH for
// an unknown domain, EPERM for a refused caller) with messages that name
// the domain and the operation.
//
// Daemons depend on this header only: hypervisor.cpp chooses the backend,
// hv_sim.cpp and hv_xen.cpp implement it.
#pragma once

#include <array>
#include <cstddef>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/mapping.h"
#include "lib/base/result.h"

namespace xvm {

using DomId = std::uint32_t;
// Xen's page on x86 (XC_PAGE_SIZE): ring pages, memory accounting.
inline constexpr std::size_t kPageSize = 4096;
inline constexpr DomId kDom0 = 0;

enum class Backend : std::uint8_t { kAuto, kXen, kSim };
// "auto" | "xen" | "sim"; anything else is an error naming the value.
Result<Backend> parse_backend(std::string_view text);

// The SHUTDOWN_* codes of <xen/sched.h>.
enum class ShutdownReason : std::uint8_t {
    kPoweroff = 0,
    kReboot = 1,
    kSuspend = 2,
    kCrash = 3,
    kWatchdog = 4,
};

using Uuid = std::array<std::uint8_t, 16>;

struct PhysInfo {
    std::uint32_t nr_cpus = 0;
    std::uint64_t total_kib = 0;
    std::uint64_t free_kib = 0;
};

struct DomainConfig {
    Uuid uuid{};
    std::uint64_t memory_kib = 0;      // initial allocation
    std::uint64_t max_memory_kib = 0;  // ceiling for ballooning
    std::uint32_t vcpus = 1;
    bool hvm = false;
    std::uint32_t ssidref = 0;  // ACM security label reference
    std::string kernel;         // what the guest boots (sim: behaviour script)
    std::string ramdisk;        // xen: the initial ramdisk file, "" for none
    std::string cmdline;        // "extra"
};

struct DomainInfo {
    DomId domid = 0;
    Uuid uuid{};
    bool running = false;
    bool blocked = false;
    bool paused = false;
    bool shutdown = false;  // with `shutdown_reason`
    bool crashed = false;
    bool dying = false;
    ShutdownReason shutdown_reason = ShutdownReason::kPoweroff;
    std::uint64_t memory_kib = 0;
    std::uint64_t max_memory_kib = 0;
    std::uint32_t max_vcpus = 0;
    std::uint32_t vcpus_online = 0;
    std::uint64_t cpu_time_ns = 0;
    std::uint32_t ssidref = 0;
    bool hvm = false;
    // The ports the domain builder allocated in this domain for its xenstore
    // and console rings, remote end dom0 (what xend passes to xenstored in
    // INTRODUCE); 0 when the backend does not allocate them (xen: the
    // caller does, with evtchn_alloc_unbound, before building).
    std::uint32_t store_port = 0;
    std::uint32_t console_port = 0;
    // xen: the machine frames of those two rings, as the builder placed
    // them (the mfn of INTRODUCE); known only to the process that built
    // the domain, 0 elsewhere and with the simulator.
    std::uint64_t store_mfn = 0;
    std::uint64_t console_mfn = 0;
};

struct VcpuInfo {
    std::uint32_t vcpu = 0;
    bool online = false;
    bool running = false;
    bool blocked = false;
    std::uint64_t cpu_time_ns = 0;
    std::int32_t cpu = -1;                 // physical CPU now, -1 if none
    std::vector<std::uint32_t> affinity;   // physical CPUs allowed
};

// One bound event-channel port. fd() becomes readable when the remote end
// notifies; ack() consumes the pending notification(s).
class EventChannel {
public:
    virtual ~EventChannel() = default;
    virtual std::uint32_t local_port() const = 0;
    virtual int fd() const = 0;
    virtual Status notify() = 0;
    virtual Status ack() = 0;
};

// The VIRQ_DOM_EXC subscription: fd() becomes readable when any domain
// changed state; ack() before re-reading the domain list.
class DomainEvents {
public:
    virtual ~DomainEvents() = default;
    virtual int fd() const = 0;
    virtual Status ack() = 0;
};

class Hypervisor {
public:
    virtual ~Hypervisor() = default;

    virtual Result<PhysInfo> physinfo() = 0;

    virtual Result<DomId> domain_create(const DomainConfig& config) = 0;
    virtual Status domain_destroy(DomId dom) = 0;
    virtual Status domain_pause(DomId dom) = 0;
    virtual Status domain_unpause(DomId dom) = 0;
    virtual Status domain_shutdown(DomId dom, ShutdownReason reason) = 0;
    virtual Result<DomainInfo> domain_info(DomId dom) = 0;
    virtual Result<std::vector<DomainInfo>> domain_list() = 0;

    virtual Status set_max_memory(DomId dom, std::uint64_t kib) = 0;
    virtual Status set_memory_target(DomId dom, std::uint64_t kib) = 0;
    virtual Status set_vcpus_online(DomId dom, std::uint32_t count) = 0;
    virtual Status set_vcpu_affinity(DomId dom, std::uint32_t vcpu,
                                     const std::vector<std::uint32_t>& cpus) = 0;
    virtual Result<std::vector<VcpuInfo>> vcpu_info(DomId dom) = 0;

    // A port in `dom` that `remote` may bind; returns its number.
    virtual Result<std::uint32_t> evtchn_alloc_unbound(DomId dom, DomId remote) = 0;
    // Binds a local port (in the caller's domain, dom0) to remote:port.
    virtual Result<std::unique_ptr<EventChannel>> evtchn_bind_interdomain(
        DomId remote, std::uint32_t remote_port) = 0;

    // The guest's xenstore and console ring pages, mapped read-write.
    virtual Result<Mapping> map_xenstore_page(DomId dom) = 0;
    virtual Result<Mapping> map_console_page(DomId dom) = 0;

    // Writes the domain's core image to `fd`, a regular file the caller
    // created: where the core goes, and that no link or existing file is
    // followed, is decided by whoever opened it (xend opens it with openat
    // and O_EXCL|O_NOFOLLOW in its dump directory).
    virtual Status core_dump(DomId dom, int fd) = 0;
    virtual Status save(DomId dom, const std::string& path) = 0;
    virtual Result<DomId> restore(const std::string& path) = 0;

    virtual Result<std::unique_ptr<DomainEvents>> subscribe_domain_events() = 0;

    // dom0's own kernel xenstore ring (on Xen /proc/xen/xsd_kva, mapped,
    // and the port in /proc/xen/xsd_port, whose remote end is dom0): the
    // store daemon serves its own kernel there. Both need root to open, so
    // a daemon calls them before it drops privileges. ENOSYS where dom0
    // has no such ring (the simulator).
    virtual Result<Mapping> map_local_xenstore_page() {
        return make_error("this hypervisor backend has no dom0 kernel xenstore ring", ENOSYS);
    }
    virtual Result<std::uint32_t> local_xenstore_port() {
        return make_error("this hypervisor backend has no dom0 kernel xenstore ring", ENOSYS);
    }
};


// Opens the configured backend. kAuto selects xen on a Xen dom0
// (/proc/xen/capabilities contains "control_d") and otherwise fails with a
// message saying the host is not a dom0 and how to select the simulator.
Result<std::unique_ptr<Hypervisor>> open_hypervisor(Backend backend);

}  // namespace xvm
