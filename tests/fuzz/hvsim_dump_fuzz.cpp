// The header of an hvsim dump image (daemons/hvsim/dump.h): images come
// from clients (restore) and are untrusted. The bytes become a memfd's
// contents, read exactly as hvsim reads a client's descriptor.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "daemons/hvsim/dump.h"
#include "lib/base/unique_fd.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xvm::UniqueFd fd(::memfd_create("hvsim-dump-fuzz", MFD_CLOEXEC));
    if (!fd) return 0;
    if (size > 0 && ::write(fd.get(), data, size) != static_cast<ssize_t>(size)) return 0;
    off_t offset = 0;
    auto header = xvm::hvsim::read_dump_header(fd.get(), offset);
    if (header && (offset <= 0 || static_cast<std::size_t>(offset) > size)) __builtin_trap();
    return 0;
}
