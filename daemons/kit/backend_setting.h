// The one shared xctl setting every daemon's hypervisor choice comes from:
// config/hypervisor-backend of svc:/system/xctl/xend:default ("auto",
// "xen" or "sim"; DESIGN.md section 5). Read here, above lib/xen, so the
// hypervisor library never reads SMF itself.
#pragma once

#include <optional>
#include <string>

namespace xvm::kit {

inline constexpr const char* kBackendFmri = "svc:/system/xctl/xend:default";

// The configured value, "" when present but empty (an error to callers),
// nullopt when the property is not set.
std::optional<std::string> configured_backend();

}  // namespace xvm::kit
