// CPU lists as administrators write them (XEND.md section 4, "cpus"):
// comma-separated CPU numbers and ranges, "^n" removing one, read left to
// right so that a later number adds a removed CPU back: "0-3,^1" = 0,2,3.
// Also the reverse, for xm vcpu-list's "0-3,5".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.h"

namespace xvm::xend {

inline constexpr std::uint32_t kMaxCpu = 4095;

// Sorted, unique CPUs; an error names the bad word ("cpus '0-x': 'x' is
// not a CPU number"). An empty result is an error (no CPU at all).
Result<std::vector<std::uint32_t>> parse_cpu_list(std::string_view text);
std::string format_cpu_list(const std::vector<std::uint32_t>& cpus);

}  // namespace xvm::xend
