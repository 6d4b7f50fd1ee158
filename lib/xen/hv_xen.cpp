// The xen backend: the hypervisor interface on Xen's own libraries, for a
// real dom0 - libxenctrl (domain control), libxenguest (the PV builder, in
// hv_xen_build.cpp), libxenevtchn (event channels, VIRQ_DOM_EXC),
// libxengnttab (guest rings through their reserved grant entries) and
// libxenstore (the guest-visible settings a PV kernel follows).
//
// Handles that need root (privcmd, gntdev, /proc/xen/xsd_kva) are opened
// by open_xen_hypervisor() or by the calls a daemon makes before dropping
// privileges; /dev/xen/evtchn is opened per binding and is reachable by
// group xvm (privileges/60-xvm.rules). It never writes the store on a
// caller's behalf beyond what the operation is (memory/target,
// cpu/N/availability), and must never be used by xenstored for those two
// (it would talk to itself).
//
// Tested inside a real dom0 by hv_xen_vm_test (tests/xen-vm).
// The Xen tool headers declare C functions without extern "C".
extern "C" {
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xen/grant_table.h>
}

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "lib/base/file.h"
#include "lib/base/format.h"
#include "lib/base/unique_fd.h"
#include "lib/xen/hv_sim.h"
#include "lib/xen/hv_xen_build.h"

namespace xvm {
namespace {

// VIRQ_DOM_EXC from <xen/xen.h>.
constexpr unsigned kVirqDomExc = 3;
static_assert(kPageSize == XC_PAGE_SIZE, "lib/xen/hypervisor.h has the wrong page size");
// dom0's kernel ring, published by the kernel's xenfs (not under XVM_ROOT:
// it is the running kernel's interface).
constexpr const char* kXsdKva = "/proc/xen/xsd_kva";
constexpr const char* kXsdPort = "/proc/xen/xsd_port";

Error xen_error(std::string_view what) { return errno_error(cat("xen backend: ", what)); }

Status check(int rc, std::string_view what) {
    if (rc < 0) return xen_error(what);
    return {};
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
        // Consume the pending port, then unmask it for the next event. The
        // fd is non-blocking: nothing pending is not an error.
        xenevtchn_port_or_error_t p = xenevtchn_pending(h_);
        if (p < 0) return errno == EAGAIN ? Status() : xen_error("read pending event channel");
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
    XenDomainEvents(xenevtchn_handle* h, std::uint32_t port) : channel_(h, port) {}
    int fd() const override { return channel_.fd(); }
    Status ack() override { return channel_.ack(); }

  private:
    XenEventChannel channel_;
};

// An event-channel handle of our own, non-blocking so an event loop can
// ack without stalling.
Result<xenevtchn_handle*> open_evtchn() {
    xenevtchn_handle* h = xenevtchn_open(nullptr, 0);
    if (h == nullptr) return xen_error("open /dev/xen/evtchn");
    int fd = xenevtchn_fd(h);
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        Error e = xen_error("make /dev/xen/evtchn non-blocking");
        xenevtchn_close(h);
        return e;
    }
    return h;
}

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
    i.memory_kib = x.tot_pages * (kPageSize / 1024);
    // max_pages is what setmaxmem set (in pages); "no limit" shows as ~0.
    i.max_memory_kib = x.max_pages * (kPageSize / 1024);
    i.max_vcpus = x.max_vcpu_id == XEN_INVALID_MAX_VCPU_ID ? 0 : x.max_vcpu_id + 1;
    i.vcpus_online = x.nr_online_vcpus;
    i.cpu_time_ns = x.cpu_time;
    i.ssidref = x.ssidref;
    return i;
}

// A cpumap of libxenctrl as a C++ owner.
struct CpuMap {
    struct Free {
        void operator()(std::uint8_t* p) const { std::free(p); }
    };
    std::unique_ptr<std::uint8_t, Free> owner;
    xc_cpumap_t bits = nullptr;
    int bytes = 0;
};

class XenHypervisor final : public Hypervisor {
  public:
    XenHypervisor(xc_interface* xch, xengnttab_handle* gnttab) : xch_(xch), gnttab_(gnttab) {}
    ~XenHypervisor() override {
        if (xs_ != nullptr) xs_close(xs_);
        xengnttab_close(gnttab_);
        xc_interface_close(xch_);
    }

    Result<PhysInfo> physinfo() override {
        xc_physinfo_t x{};
        if (xc_physinfo(xch_, &x) < 0) return xen_error("physinfo");
        return PhysInfo{.nr_cpus = x.nr_cpus,
                        .total_kib = x.total_pages * (kPageSize / 1024),
                        .free_kib = x.free_pages * (kPageSize / 1024)};
    }

    Result<DomId> domain_create(const DomainConfig& config) override {
        Result<xen::BuiltDomain> b = xen::build_pv_domain(xch_, config);
        if (!b) return std::move(b).error();
        std::lock_guard lock(mu_);
        built_[b->domid] = *b;
        return b->domid;
    }
    Status domain_destroy(DomId dom) override {
        Status s = check(xc_domain_destroy(xch_, dom), cat("destroy domain ", dom));
        std::lock_guard lock(mu_);
        if (s) built_.erase(dom);
        return s;
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
        int n = xc_domain_getinfolist(xch_, dom, 1, &x);
        if (n < 0) return xen_error(cat("domain info of ", dom));
        if (n != 1 || x.domain != dom)
            return make_error(cat("xen backend: domain ", dom, ": no such domain"), ESRCH);
        return with_build(to_info(x));
    }
    Result<std::vector<DomainInfo>> domain_list() override {
        std::vector<DomainInfo> out;
        std::vector<xc_domaininfo_t> x(256);
        for (std::uint32_t first = 0;;) {
            int n = xc_domain_getinfolist(xch_, first, static_cast<unsigned>(x.size()), x.data());
            if (n < 0) return xen_error("list domains");
            for (int k = 0; k < n; ++k) out.push_back(with_build(to_info(x[std::size_t(k)])));
            if (n < static_cast<int>(x.size())) return out;
            first = x[std::size_t(n - 1)].domain + 1u;
        }
    }

    Status set_max_memory(DomId dom, std::uint64_t kib) override {
        return check(xc_domain_setmaxmem(xch_, dom, kib), cat("set max memory of domain ", dom));
    }
    // A PV guest's balloon driver follows memory/target (KiB) in its store
    // directory; the hypervisor has no target of its own for PV guests.
    Status set_memory_target(DomId dom, std::uint64_t kib) override {
        Result<DomainInfo> info = domain_info(dom);
        if (!info) return std::move(info).error();
        if (kib > info->max_memory_kib)
            return make_error(cat("xen backend: memory target ", kib, " KiB of domain ", dom,
                                  " is above its maximum of ", info->max_memory_kib, " KiB"),
                              EINVAL);
        return store_write(cat("/local/domain/", dom, "/memory/target"), std::to_string(kib));
    }
    // Likewise vcpus: a PV kernel hot-plugs the vcpus its
    // cpu/N/availability says, up to the maximum fixed at creation.
    Status set_vcpus_online(DomId dom, std::uint32_t count) override {
        Result<DomainInfo> info = domain_info(dom);
        if (!info) return std::move(info).error();
        if (count == 0 || count > info->max_vcpus)
            return make_error(cat("xen backend: domain ", dom, ": ", count,
                                  " vcpus online is not in 1..", info->max_vcpus),
                              EINVAL);
        for (std::uint32_t v = 0; v < info->max_vcpus; ++v) {
            Status s = store_write(cat("/local/domain/", dom, "/cpu/", v, "/availability"),
                                   v < count ? "online" : "offline");
            if (!s) return s;
        }
        return {};
    }
    Status set_vcpu_affinity(DomId dom, std::uint32_t vcpu,
                             const std::vector<std::uint32_t>& cpus) override {
        Result<CpuMap> map = cpumap();
        if (!map) return std::move(map).error();
        for (std::uint32_t c : cpus) {
            if (c >= static_cast<std::uint32_t>(map->bytes) * 8)
                return make_error(cat("xen backend: cpu ", c, " does not exist"), EINVAL);
            map->bits[c / 8] |= static_cast<std::uint8_t>(1u << (c % 8));
        }
        return check(xc_vcpu_setaffinity(xch_, dom, static_cast<int>(vcpu), map->bits, nullptr,
                                         XEN_VCPUAFFINITY_HARD),
                     cat("set the affinity of vcpu ", vcpu, " of domain ", dom));
    }
    Result<std::vector<VcpuInfo>> vcpu_info(DomId dom) override;

    Result<std::uint32_t> evtchn_alloc_unbound(DomId dom, DomId remote) override {
        int port = xc_evtchn_alloc_unbound(xch_, dom, remote);
        if (port < 0) return xen_error(cat("allocate an event channel in domain ", dom));
        return static_cast<std::uint32_t>(port);
    }
    Result<std::unique_ptr<EventChannel>> evtchn_bind_interdomain(DomId remote,
                                                                  std::uint32_t port) override {
        Result<xenevtchn_handle*> h = open_evtchn();
        if (!h) return std::move(h).error();
        xenevtchn_port_or_error_t local = xenevtchn_bind_interdomain(*h, remote, port);
        if (local < 0) {
            Error e = xen_error(cat("bind to port ", port, " of domain ", remote));
            xenevtchn_close(*h);
            return e;
        }
        return std::unique_ptr<EventChannel>(
            std::make_unique<XenEventChannel>(*h, static_cast<std::uint32_t>(local)));
    }

    Result<Mapping> map_xenstore_page(DomId dom) override {
        return map_grant(dom, GNTTAB_RESERVED_XENSTORE, "xenstore");
    }
    Result<Mapping> map_console_page(DomId dom) override {
        return map_grant(dom, GNTTAB_RESERVED_CONSOLE, "console");
    }

    Status core_dump(DomId dom, int fd) override;
    // Saving a PV guest needs its cooperation (suspend through
    // control/shutdown, which only the toolstack that owns its store
    // directory may drive) and libxenguest's migration stream: that is
    // xend's work, not a hypervisor call. Tested to say so.
    Status save(DomId dom, const std::string&) override {
        return make_error(cat("xen backend: save of domain ", dom,
                              ": not a hypervisor operation on Xen (the toolstack suspends the "
                              "guest and writes libxenguest's stream)"),
                          ENOSYS);
    }
    Result<DomId> restore(const std::string& path) override {
        return make_error(cat("xen backend: restore from ", path,
                              ": not a hypervisor operation on Xen (the toolstack reads "
                              "libxenguest's stream)"),
                          ENOSYS);
    }

    Result<std::unique_ptr<DomainEvents>> subscribe_domain_events() override {
        Result<xenevtchn_handle*> h = open_evtchn();
        if (!h) return std::move(h).error();
        xenevtchn_port_or_error_t port = xenevtchn_bind_virq(*h, kVirqDomExc);
        if (port < 0) {
            // A global VIRQ has one binding per domain: in a running dom0
            // xenstored holds it.
            Error e = errno == EEXIST
                          ? make_error("xen backend: bind VIRQ_DOM_EXC: another process of this "
                                       "domain holds it (xenstored does, normally)",
                                       EEXIST)
                          : xen_error("bind VIRQ_DOM_EXC");
            xenevtchn_close(*h);
            return e;
        }
        return std::unique_ptr<DomainEvents>(
            std::make_unique<XenDomainEvents>(*h, static_cast<std::uint32_t>(port)));
    }

    Result<Mapping> map_local_xenstore_page() override {
        UniqueFd fd(::open(kXsdKva, O_RDWR | O_CLOEXEC));
        if (!fd) return errno_error(cat("xen backend: cannot open ", kXsdKva));
        Result<Mapping> m = Mapping::map_shared(fd.get(), kPageSize, PROT_READ | PROT_WRITE);
        if (!m) return std::move(m).error().context(cat("xen backend: ", kXsdKva));
        return m;
    }
    Result<std::uint32_t> local_xenstore_port() override {
        Result<std::string> text = read_text_file(kXsdPort);
        if (!text) return std::move(text).error().context("xen backend");
        std::uint32_t port = 0;
        const char* end = text->data() + text->size();
        auto [at, ec] = std::from_chars(text->data(), end, port);
        if (ec != std::errc() || at == text->data() || port == 0)
            return make_error(cat("xen backend: ", kXsdPort, " holds no port: '", *text, "'"),
                              EINVAL);
        return port;
    }

  private:
    DomainInfo with_build(DomainInfo i) {
        std::lock_guard lock(mu_);
        auto it = built_.find(i.domid);
        if (it != built_.end()) {
            i.store_port = it->second.store_port;
            i.console_port = it->second.console_port;
            i.store_mfn = it->second.store_mfn;
            i.console_mfn = it->second.console_mfn;
        }
        return i;
    }
    Result<CpuMap> cpumap() {
        CpuMap m;
        m.bytes = xc_get_cpumap_size(xch_);
        m.bits = xc_cpumap_alloc(xch_);
        m.owner.reset(m.bits);
        if (m.bytes <= 0 || m.bits == nullptr) return xen_error("allocate a cpu map");
        return m;
    }
    Result<Mapping> map_grant(DomId dom, grant_ref_t ref, std::string_view what) {
        void* addr = xengnttab_map_grant_ref(gnttab_, dom, ref, PROT_READ | PROT_WRITE);
        if (addr == nullptr) return xen_error(cat("map the ", what, " ring of domain ", dom));
        xengnttab_handle* gt = gnttab_;
        // The grant is given back with the mapping (xengnttab_unmap also
        // releases gntdev's slot; a bare munmap would leak it).
        return Mapping::adopt(addr, kPageSize, [gt](void* a, std::size_t) {
            (void)xengnttab_unmap(gt, a, 1);  // fails only on a bad address: a bug
        });
    }
    Status store_write(const std::string& path, const std::string& value);

    xc_interface* xch_;
    xengnttab_handle* gnttab_;
    struct xs_handle* xs_ = nullptr;  // opened on first use
    std::mutex mu_;
    std::map<DomId, xen::BuiltDomain> built_;  // what this process built
};

Result<std::vector<VcpuInfo>> XenHypervisor::vcpu_info(DomId dom) {
    Result<DomainInfo> info = domain_info(dom);
    if (!info) return std::move(info).error();
    std::vector<VcpuInfo> out;
    for (std::uint32_t v = 0; v < info->max_vcpus; ++v) {
        xc_vcpuinfo_t x{};
        if (xc_vcpu_getinfo(xch_, dom, v, &x) < 0)
            return xen_error(cat("info of vcpu ", v, " of domain ", dom));
        Result<CpuMap> map = cpumap();
        if (!map) return std::move(map).error();
        if (xc_vcpu_getaffinity(xch_, dom, static_cast<int>(v), map->bits, nullptr,
                                XEN_VCPUAFFINITY_HARD) < 0)
            return xen_error(cat("affinity of vcpu ", v, " of domain ", dom));
        VcpuInfo vi;
        vi.vcpu = v;
        vi.online = x.online;
        vi.running = x.running;
        vi.blocked = x.blocked;
        vi.cpu_time_ns = x.cpu_time;
        vi.cpu = x.online ? static_cast<std::int32_t>(x.cpu) : -1;
        for (int c = 0; c < map->bytes * 8; ++c)
            if (map->bits[c / 8] & (1u << (c % 8))) vi.affinity.push_back(std::uint32_t(c));
        out.push_back(std::move(vi));
    }
    return out;
}

// The dump goes to the caller's file (hypervisor.h says who opens it how).
Status XenHypervisor::core_dump(DomId dom, int fd) {
    auto write_all = [](xc_interface*, void* arg, char* buf, unsigned int len) -> int {
        int out = *static_cast<int*>(arg);
        while (len > 0) {
            ssize_t n = ::write(out, buf, len);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return -1;
            buf += n;
            len -= static_cast<unsigned>(n);
        }
        return 0;
    };
    int raw = fd;
    if (xc_domain_dumpcore_via_callback(xch_, dom, &raw, write_all) < 0)
        return xen_error(cat("core dump of domain ", dom));
    if (::fsync(fd) < 0) return errno_error(cat("xen backend: sync the core of domain ", dom));
    return {};
}

Status XenHypervisor::store_write(const std::string& path, const std::string& value) {
    std::lock_guard lock(mu_);
    if (xs_ == nullptr) {
        xs_ = xs_open(0);
        if (xs_ == nullptr) return xen_error("connect to xenstored");
    }
    if (!xs_write(xs_, XBT_NULL, path.c_str(), value.data(), static_cast<unsigned>(value.size())))
        return xen_error(cat("write ", path, " in the store"));
    return {};
}

}  // namespace

Result<std::unique_ptr<Hypervisor>> open_xen_hypervisor() {
    xc_interface* xch = xc_interface_open(nullptr, nullptr, 0);
    if (xch == nullptr)
        return xen_error("cannot open the Xen control interface (/dev/xen/privcmd)");
    // Opened now, while the caller may still be root: rings are mapped
    // through it later, after a daemon has dropped privileges.
    xengnttab_handle* gnttab = xengnttab_open(nullptr, 0);
    if (gnttab == nullptr) {
        Error e = xen_error("cannot open /dev/xen/gntdev");
        xc_interface_close(xch);
        return e;
    }
    return std::unique_ptr<Hypervisor>(std::make_unique<XenHypervisor>(xch, gnttab));
}

}  // namespace xvm
