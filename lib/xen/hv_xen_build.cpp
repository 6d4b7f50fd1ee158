// The PV domain builder (see hv_xen_build.h): the steps libxenguest needs,
// in the order Xen's own toolstack takes them for a PV guest.
extern "C" {
#include <xenctrl.h>
#include <xenguest.h>
}

#include <cstring>
#include <memory>

#include "lib/base/format.h"
#include "lib/xen/hv_xen_build.h"

namespace xvm::xen {
namespace {

// Ballooning headroom Xen's toolstack adds to a PV domain's ceiling
// (LIBXL_MAXMEM_CONSTANT, KiB): page tables and the like live there.
constexpr std::uint64_t kMaxMemSlackKib = 1024;
// Grant and event-channel limits, as Xen 4.17's toolstack defaults them.
constexpr std::int32_t kMaxGrantFrames = 64;
constexpr std::int32_t kMaxMaptrackFrames = 1024;
constexpr std::uint32_t kMaxEvtchnPort = 1023;

// libxenguest reports through its logger (stderr) and does not always
// leave errno set; then the step is all we can name.
Error step_error(DomId dom, std::string_view step) {
    std::string what = cat("xen backend: build of domain ", dom, ": ", step);
    if (errno == 0) return make_error(cat(what, " failed (libxenguest logged why)"), EIO);
    return errno_error(what);
}

struct DomImageDeleter {
    void operator()(xc_dom_image* d) const { xc_dom_release(d); }
};

// Everything after the domain exists; the caller destroys it on failure.
Result<BuiltDomain> build_into(xc_interface* xch, DomId dom, const DomainConfig& c) {
    BuiltDomain b;
    b.domid = dom;
    // createdomain sized the vcpu table; this creates the vcpus in it.
    if (xc_domain_max_vcpus(xch, dom, c.vcpus) < 0) return step_error(dom, "create the vcpus");
    std::uint64_t max_kib = std::max(c.max_memory_kib, c.memory_kib);
    if (xc_domain_setmaxmem(xch, dom, max_kib + kMaxMemSlackKib) < 0)
        return step_error(dom, "set the memory ceiling");
    if (xc_domain_set_memmap_limit(xch, dom, max_kib) < 0)
        return step_error(dom, "set the memory map limit");
    // The guest's CPUID view, as the toolstack defaults it for PV (PAE on,
    // no invariant TSC, no nesting); Xen checks the boot vcpu against it.
    errno = 0;
    if (xc_cpuid_apply_policy(xch, dom, false, nullptr, 0, true, false, false, nullptr,
                              nullptr) != 0)
        return step_error(dom, "apply the CPUID policy");
    int store = xc_evtchn_alloc_unbound(xch, dom, kDom0);
    int console = xc_evtchn_alloc_unbound(xch, dom, kDom0);
    if (store < 0 || console < 0) return step_error(dom, "allocate the ring event channels");
    b.store_port = static_cast<std::uint32_t>(store);
    b.console_port = static_cast<std::uint32_t>(console);

    std::unique_ptr<xc_dom_image, DomImageDeleter> img(
        xc_dom_allocate(xch, c.cmdline.c_str(), nullptr));
    if (!img) return step_error(dom, "allocate the image");
    img->container_type = xc_dom_image::XC_DOM_PV_CONTAINER;
    img->max_vcpus = c.vcpus;
    img->console_evtchn = b.console_port;
    img->console_domid = kDom0;
    img->xenstore_evtchn = b.store_port;
    img->xenstore_domid = kDom0;
    errno = 0;
    if (xc_dom_kernel_file(img.get(), c.kernel.c_str()) != 0)
        return step_error(dom, cat("load kernel ", c.kernel));
    if (!c.ramdisk.empty() && xc_dom_module_file(img.get(), c.ramdisk.c_str(), nullptr) != 0)
        return step_error(dom, cat("load ramdisk ", c.ramdisk));
    if (xc_dom_boot_xen_init(img.get(), xch, dom) != 0) return step_error(dom, "boot init");
    if (xc_dom_parse_image(img.get()) != 0)
        return step_error(dom, cat("parse kernel ", c.kernel, " (not a PV kernel?)"));
    if (xc_dom_mem_init(img.get(), static_cast<unsigned>(c.memory_kib / 1024)) != 0)
        return step_error(dom, "lay out memory");
    if (xc_dom_boot_mem_init(img.get()) != 0) return step_error(dom, "populate memory");
    if (xc_dom_build_image(img.get()) != 0) return step_error(dom, "build the image");
    if (xc_dom_boot_image(img.get()) != 0) return step_error(dom, "set up the boot state");
    // The reserved grant entries (console 0, xenstore 1) let dom0 map the
    // rings through /dev/xen/gntdev without foreign-mapping privileges.
    if (xc_dom_gnttab_init(img.get()) != 0) return step_error(dom, "seed the grant table");
    b.store_mfn = xc_dom_p2m(img.get(), img->xenstore_pfn);
    b.console_mfn = xc_dom_p2m(img.get(), img->console_pfn);
    return b;
}

}  // namespace

Result<BuiltDomain> build_pv_domain(xc_interface* xch, const DomainConfig& c) {
    if (c.hvm)
        return make_error("xen backend: HVM guests need a device model; this builder makes PV "
                          "guests only",
                          EINVAL);
    if (c.kernel.empty()) return make_error("xen backend: no kernel to build from", EINVAL);
    if (c.memory_kib < 4096 || c.vcpus == 0)
        return make_error(cat("xen backend: memory ", c.memory_kib, " KiB and ", c.vcpus,
                              " vcpus: need at least 4096 KiB and one vcpu"),
                          EINVAL);
    xen_domctl_createdomain create{};
    create.ssidref = c.ssidref;
    std::memcpy(create.handle, c.uuid.data(), sizeof create.handle);
    create.max_vcpus = c.vcpus;
    create.max_evtchn_port = kMaxEvtchnPort;
    create.max_grant_frames = kMaxGrantFrames;
    create.max_maptrack_frames = kMaxMaptrackFrames;
    create.grant_opts = XEN_DOMCTL_GRANT_version(1);
    std::uint32_t dom = 0;  // 0: the hypervisor picks the id
    if (xc_domain_create(xch, &dom, &create) < 0)
        return errno_error("xen backend: create domain");
    Result<BuiltDomain> built = build_into(xch, dom, c);
    if (!built) {
        int saved = errno;
        (void)xc_domain_destroy(xch, dom);  // best effort: the build error is the news
        errno = saved;
    }
    return built;
}

}  // namespace xvm::xen
