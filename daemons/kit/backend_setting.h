// The one shared xctl setting every daemon's hypervisor choice comes from:
// config/hypervisor-backend of svc:/system/xctl/xend:default ("auto",
// "xen" or "sim"; docs/design.md section 5), read from its running snapshot
// like every daemon setting (docs/smf.md). Read here, above lib/xen, so
// the hypervisor library never reads SMF itself.
#pragma once

#include <optional>
#include <string>

#include "lib/base/result.h"

namespace xvm::kit {

inline constexpr const char* kBackendFmri = "svc:/system/xctl/xend:default";

// The configured value; nullopt when the property is not set; an error
// when the repository cannot be read or the value is not one of the three.
Result<std::optional<std::string>> configured_backend();

}  // namespace xvm::kit
