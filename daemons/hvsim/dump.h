// The hvsim dump file format (core dumps, save, restore; see dump.cpp and
// hvsim(1M)). The header parser is exposed for its fuzz target: an image
// comes from a client and is untrusted.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "lib/xen/hypervisor.h"
#include "lib/base/result.h"

namespace xvm::hvsim {

struct DumpHeader {
    DomId domid = 0;
    DomainConfig config;
    std::uint64_t memory_kib = 0;
    bool shutdown = false;
    ShutdownReason reason = ShutdownReason::kPoweroff;
    std::uint64_t image_bytes = 0;
};

// Reads and checks the header at the start of `fd`; `offset` receives where
// the pages begin. Errors name what is wrong (magic, version, a field, a
// size that does not fit).
Result<DumpHeader> read_dump_header(int fd, off_t& offset);

}  // namespace xvm::hvsim
