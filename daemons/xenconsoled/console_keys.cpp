#include "daemons/xenconsoled/console_keys.h"

#include <charconv>

#include "lib/base/format.h"

namespace xvm::console {
namespace {

std::optional<std::uint64_t> number(const std::string& text, std::uint64_t max) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v > max)
        return std::nullopt;
    return v;
}

}  // namespace

Result<std::optional<ConsoleKeys>> parse_console_keys(const RawConsoleKeys& raw) {
    if (!raw.ring_ref || !raw.port) return std::optional<ConsoleKeys>();
    ConsoleKeys k;
    auto ref = number(*raw.ring_ref, UINT64_MAX);
    if (!ref)
        return make_error(cat("console/ring-ref '", raw.ring_ref->substr(0, 40),
                              "' is not a frame number"));
    k.ring_ref = *ref;
    // Port 0 is never a valid event channel in Xen.
    auto port = number(*raw.port, INT32_MAX);
    if (!port || *port == 0)
        return make_error(cat("console/port '", raw.port->substr(0, 40),
                              "' is not an event-channel port (1..", INT32_MAX, ")"));
    k.port = static_cast<std::uint32_t>(*port);
    if (raw.limit) {
        auto limit = number(*raw.limit, UINT64_MAX);
        if (!limit)
            return make_error(cat("console/limit '", raw.limit->substr(0, 40),
                                  "' is not a byte count"));
        // Xen takes 0 as unlimited; a guest-writable key never buys
        // unbounded memory here.
        if (*limit == 0) k.limit_adjusted = true;
        else if (*limit < kMinLimit) k.limit = kMinLimit, k.limit_adjusted = true;
        else if (*limit > kMaxLimit) k.limit = kMaxLimit, k.limit_adjusted = true;
        else k.limit = static_cast<std::size_t>(*limit);
    }
    if (raw.type) k.type = raw.type->substr(0, 64);
    return std::optional<ConsoleKeys>(k);
}

}  // namespace xvm::console
