// The store keys that describe a guest's console, as xend writes them
// under /local/domain/<id>/console (XEND.md section 10) and as Xen's
// xenconsoled reads them (XENCONSOLED.md section 2). They live in the
// guest's own directory, so the guest can rewrite them: every value is
// checked, and the buffer limit a guest asks for is capped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "lib/base/result.h"

namespace xvm::console {

inline constexpr std::size_t kDefaultLimit = 1024 * 1024;  // xend's console-limit 1024 KiB
inline constexpr std::size_t kMinLimit = 4096;
// Each reader of a domain (the pty and up to 16 clients) may hold this
// much: a guest that rewrites console/limit buys at most 4 MiB per reader.
inline constexpr std::size_t kMaxLimit = 4 * 1024 * 1024;

struct ConsoleKeys {
    std::uint64_t ring_ref = 0;
    std::uint32_t port = 0;
    std::size_t limit = kDefaultLimit;
    bool limit_adjusted = false;  // console/limit was 0, missing or outside the caps
    std::string type;             // "" when absent
};

struct RawConsoleKeys {
    std::optional<std::string> ring_ref, port, limit, type;
};

// nullopt while ring-ref or port is missing (the toolstack has not
// written them yet: the domain waits for its watch to fire again); an
// error naming the key and value for one that cannot be right.
Result<std::optional<ConsoleKeys>> parse_console_keys(const RawConsoleKeys& raw);

// A console type this daemon serves: absent, or "xenconsoled". An HVM
// guest's "ioemu" console belongs to its device model.
inline bool served_type(const std::string& type) { return type.empty() || type == "xenconsoled"; }

}  // namespace xvm::console
