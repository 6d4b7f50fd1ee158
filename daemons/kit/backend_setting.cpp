#include "daemons/kit/backend_setting.h"

#include "lib/smf/scf.h"

namespace xvm::kit {

std::optional<std::string> configured_backend() {
    scf_simple_prop_t* p = scf_simple_prop_get(nullptr, kBackendFmri, "config", "hypervisor-backend");
    if (p == nullptr) return std::nullopt;
    char* v = scf_simple_prop_next_astring(p);
    std::optional<std::string> out = v ? v : "";
    scf_simple_prop_free(p);
    return out;
}

}  // namespace xvm::kit
