#include "daemons/kit/backend_setting.h"

#include "daemons/kit/service_config.h"

namespace xvm::kit {

Result<std::optional<std::string>> configured_backend() {
    static constexpr std::string_view kChoices[] = {"auto", "xen", "sim"};
    auto value = read_running_property(kBackendFmri, "hypervisor-backend", ValueKind::kString);
    if (!value || !*value) return value;
    if (Status ok = check_choice(**value, kChoices,
                                 cat("property config/hypervisor-backend of ", kBackendFmri));
        !ok)
        return std::move(ok).error();
    return value;
}

}  // namespace xvm::kit
