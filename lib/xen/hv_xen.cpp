// The xen backend: the hypervisor interface on libxenctrl and libxenevtchn
// (Debian's libxen-dev), for a real Xen dom0. It is compiled always and
// cannot run on the machines this project is built on, so it stays small:
// what it implements is a direct call of the library, and every operation it
// does not implement fails with ENOSYS and says so - it never pretends.
// The Xen tool headers declare C functions without extern "C".
extern "C" {
#include <xenctrl.h>
#include <xenevtchn.h>
}

#include <cstring>

#include "lib/base/format.h"
#include "lib/xen/hv_sim.h"

namespace xvm {
namespace {

// VIRQ_DOM_EXC from <xen/xen.h>.
constexpr unsigned kVirqDomExc = 3;

Error not_implemented(std::string_view op) {
    return make_error(cat("xen backend: ", op, " is not implemented"), ENOSYS);
}

Error xen_error(std::string_view what) {
    return errno_error(cat("xen backend: ", what));
}

class XenEventChannel final : public EventChannel {
  public:
    XenEventChannel(xenevtchn_handle* h, std::uint32_t port) : h_(h), port_(port) {}
    ~XenEventChannel() override { xenevtchn_close(h_); }
    std::uint32_t local_port() const override { return port_; }
    int fd() const override { return xenevtchn_fd(h_); }
    Status notify() override {
        if (xenevtchn_notify(h_, port_) < 0) return xen_error(cat("notify port ", port_));
        return {};
    }
    Status ack() override {
        // Consume the pending port, then unmask it for the next event.
        xenevtchn_port_or_error_t p = xenevtchn_pending(h_);
        if (p < 0) return xen_error("read pending event channel");
        if (xenevtchn_unmask(h_, static_cast<evtchn_port_t>(p)) < 0)
            return xen_error(cat("unmask port ", p));
        return {};
    }

  private:
    xenevtchn_handle* h_;
    std::uint32_t port_;
};

class XenDomainEvents final : public DomainEvents {
  public:
    explicit XenDomainEvents(xenevtchn_handle* h) : channel_(h, 0) {}
    int fd() const override { return channel_.fd(); }
    Status ack() override { return channel_.ack(); }

  private:
    XenEventChannel channel_;
};

DomainInfo to_info(const xc_domaininfo_t& x) {
    DomainInfo i;
    i.domid = x.domain;
    std::memcpy(i.uuid.data(), x.handle, i.uuid.size());
    i.dying = x.flags & XEN_DOMINF_dying;
    i.hvm = x.flags & XEN_DOMINF_hvm_guest;
    i.shutdown = x.flags & XEN_DOMINF_shutdown;
    i.paused = x.flags & XEN_DOMINF_paused;
    i.blocked = x.flags & XEN_DOMINF_blocked;
    i.running = x.flags & XEN_DOMINF_running;
    auto reason = (x.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    i.shutdown_reason = static_cast<ShutdownReason>(reason <= 4 ? reason : 0);
    i.crashed = i.shutdown && i.shutdown_reason == ShutdownReason::kCrash;
    i.memory_kib = x.tot_pages * (XC_PAGE_SIZE / 1024);
    i.max_memory_kib = x.max_pages * (XC_PAGE_SIZE / 1024);
    i.max_vcpus = x.max_vcpu_id == XEN_INVALID_MAX_VCPU_ID ? 0 : x.max_vcpu_id + 1;
    i.vcpus_online = x.nr_online_vcpus;
    i.cpu_time_ns = x.cpu_time;
    i.ssidref = x.ssidref;
    return i;
}

class XenHypervisor final : public Hypervisor {
  public:
    explicit XenHypervisor(xc_interface* xch) : xch_(xch) {}
    ~XenHypervisor() override { xc_interface_close(xch_); }

    Result<PhysInfo> physinfo() override {
        xc_physinfo_t x{};
        if (xc_physinfo(xch_, &x) < 0) return xen_error("physinfo");
        return PhysInfo{.nr_cpus = x.nr_cpus,
                        .total_kib = x.total_pages * (XC_PAGE_SIZE / 1024),
                        .free_kib = x.free_pages * (XC_PAGE_SIZE / 1024)};
    }
    // Building a domain needs libxenguest/libxenlight; not done here.
    Result<DomId> domain_create(const DomainConfig&) override {
        return not_implemented("domain create");
    }
    Status domain_destroy(DomId dom) override {
        return check(xc_domain_destroy(xch_, dom), cat("destroy domain ", dom));
    }
    Status domain_pause(DomId dom) override {
        return check(xc_domain_pause(xch_, dom), cat("pause domain ", dom));
    }
    Status domain_unpause(DomId dom) override {
        return check(xc_domain_unpause(xch_, dom), cat("unpause domain ", dom));
    }
    Status domain_shutdown(DomId dom, ShutdownReason reason) override {
        return check(xc_domain_shutdown(xch_, dom, static_cast<int>(reason)),
                     cat("shut down domain ", dom));
    }
    Result<DomainInfo> domain_info(DomId dom) override {
        xc_domaininfo_t x{};
        if (xc_domain_getinfolist(xch_, dom, 1, &x) != 1 || x.domain != dom)
            return make_error(cat("xen backend: domain ", dom, ": no such domain"), ESRCH);
        return to_info(x);
    }
    Result<std::vector<DomainInfo>> domain_list() override {
        std::vector<xc_domaininfo_t> x(1024);
        int n = xc_domain_getinfolist(xch_, 0, static_cast<unsigned>(x.size()), x.data());
        if (n < 0) return xen_error("list domains");
        std::vector<DomainInfo> out;
        for (int k = 0; k < n; ++k) out.push_back(to_info(x[static_cast<std::size_t>(k)]));
        return out;
    }
    Status set_max_memory(DomId dom, std::uint64_t kib) override {
        return check(xc_domain_setmaxmem(xch_, dom, kib), cat("set max memory of domain ", dom));
    }
    // On Xen the target is the guest's balloon driver's business, set
    // through xenstore memory/target.
    Status set_memory_target(DomId, std::uint64_t) override {
        return not_implemented("memory target");
    }
    Status set_vcpus_online(DomId, std::uint32_t) override { return not_implemented("vcpu count"); }
    Status set_vcpu_affinity(DomId, std::uint32_t, const std::vector<std::uint32_t>&) override {
        return not_implemented("vcpu affinity");
    }
    Result<std::vector<VcpuInfo>> vcpu_info(DomId) override { return not_implemented("vcpu info"); }
    Result<std::uint32_t> evtchn_alloc_unbound(DomId dom, DomId remote) override {
        int port = xc_evtchn_alloc_unbound(xch_, dom, remote);
        if (port < 0) return xen_error(cat("allocate an event channel in domain ", dom));
        return static_cast<std::uint32_t>(port);
    }
    Result<std::unique_ptr<EventChannel>> evtchn_bind_interdomain(DomId remote,
                                                                  std::uint32_t port) override {
        xenevtchn_handle* h = xenevtchn_open(nullptr, 0);
        if (h == nullptr) return xen_error("open /dev/xen/evtchn");
        xenevtchn_port_or_error_t local = xenevtchn_bind_interdomain(h, remote, port);
        if (local < 0) {
            Error e = xen_error(cat("bind to port ", port, " of domain ", remote));
            xenevtchn_close(h);
            return e;
        }
        return std::unique_ptr<EventChannel>(
            std::make_unique<XenEventChannel>(h, static_cast<std::uint32_t>(local)));
    }
    Result<Mapping> map_xenstore_page(DomId) override {
        return not_implemented("xenstore page mapping");
    }
    Result<Mapping> map_console_page(DomId) override {
        return not_implemented("console page mapping");
    }
    Status core_dump(DomId, const std::string&) override { return not_implemented("core dump"); }
    Status save(DomId, const std::string&) override { return not_implemented("save"); }
    Result<DomId> restore(const std::string&) override { return not_implemented("restore"); }
    Result<std::unique_ptr<DomainEvents>> subscribe_domain_events() override {
        xenevtchn_handle* h = xenevtchn_open(nullptr, 0);
        if (h == nullptr) return xen_error("open /dev/xen/evtchn");
        if (xenevtchn_bind_virq(h, kVirqDomExc) < 0) {
            Error e = xen_error("bind VIRQ_DOM_EXC");
            xenevtchn_close(h);
            return e;
        }
        return std::unique_ptr<DomainEvents>(std::make_unique<XenDomainEvents>(h));
    }

  private:
    static Status check(int rc, std::string_view what) {
        if (rc < 0) return xen_error(what);
        return {};
    }
    xc_interface* xch_;
};

}  // namespace

Result<std::unique_ptr<Hypervisor>> open_xen_hypervisor() {
    xc_interface* xch = xc_interface_open(nullptr, nullptr, 0);
    if (xch == nullptr)
        return xen_error("cannot open the Xen control interface (/dev/xen/privcmd)");
    return std::unique_ptr<Hypervisor>(std::make_unique<XenHypervisor>(xch));
}

}  // namespace xvm
