// Choosing the backend (docs/design.md section 5): "xen" on a Xen dom0, "sim"
// against hvsim, "auto" = xen when /proc/xen/capabilities says control_d.
#include "lib/xen/hypervisor.h"

#include "lib/base/file.h"
#include "lib/base/format.h"
#include "lib/xen/hv_sim.h"
#include "lib/base/paths.h"

namespace xvm {

Result<Backend> parse_backend(std::string_view text) {
    if (text == "auto") return Backend::kAuto;
    if (text == "xen") return Backend::kXen;
    if (text == "sim") return Backend::kSim;
    return make_error(cat("hypervisor backend '", text, "' is not one of auto, xen, sim"));
}

namespace {

// /proc is not under XVM_ROOT: it describes the running kernel.
bool is_xen_dom0() {
    auto caps = read_text_file("/proc/xen/capabilities");
    return caps && caps->find("control_d") != std::string::npos;
}

}  // namespace

Result<std::unique_ptr<Hypervisor>> open_hypervisor(Backend backend) {
    switch (backend) {
        case Backend::kXen:
            return open_xen_hypervisor();
        case Backend::kSim:
            return open_sim_hypervisor(root_path(kHvsimSocket));
        case Backend::kAuto:
            if (is_xen_dom0()) return open_xen_hypervisor();
            return make_error(
                "hypervisor backend auto: this host is not a Xen dom0 (/proc/xen/capabilities "
                "does not contain control_d); set the backend to sim to use the simulated "
                "hypervisor (hvsim)",
                ENODEV);
    }
    return make_error("unknown hypervisor backend");
}

}  // namespace xvm
