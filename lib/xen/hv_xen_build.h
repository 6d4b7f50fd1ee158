// The PV domain builder of the xen backend: from a kernel, an optional
// ramdisk and a command line to a paused domain whose start_info names
// its xenstore and console rings (ports allocated here, remote end dom0).
//
// Built on libxenguest's xc_dom_* API, not libxenlight: libxl's create
// would also write the domain's store layout, introduce it to xenstored
// and start console handling - the work of our xend, which must own it.
// The builder only does what the hypervisor does; it writes nothing to
// the store.
#pragma once

#include <cstdint>

#include "lib/base/result.h"
#include "lib/xen/hypervisor.h"

extern "C" {
struct xc_interface_core;
}

namespace xvm::xen {

struct BuiltDomain {
    DomId domid = 0;
    std::uint32_t store_port = 0;
    std::uint32_t console_port = 0;
    std::uint64_t store_mfn = 0;
    std::uint64_t console_mfn = 0;
};

// Creates and builds the domain, left paused. On any failure the
// half-built domain is destroyed and the error names the step.
Result<BuiltDomain> build_pv_domain(xc_interface_core* xch, const DomainConfig& config);

}  // namespace xvm::xen
