// Domain UUIDs as xend writes them: 8-4-4-4-12 lower-case hex. New ones
// are random (version 4) from getrandom(2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lib/base/result.h"
#include "lib/xen/hypervisor.h"

namespace xvm::xend {

std::string uuid_text(const Uuid& u);
// Accepts upper or lower case, with the four dashes in place.
std::optional<Uuid> parse_uuid(std::string_view text);
Result<Uuid> random_uuid();
// Random bytes for MAC addresses and the like.
Status random_bytes(void* buf, std::size_t n);

}  // namespace xvm::xend
