// Fuzz target: a ring page whose indices and contents a hostile peer
// controls. The first 16 bytes set the four indices of a xenstore page, the
// rest drives reads and writes; nothing may touch memory outside the page.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "lib/xen/ring.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 16) return 0;
    // A heap copy of exactly the page, so ASan sees any stray access.
    auto page = std::make_unique<xenstore_domain_interface>();
    std::memcpy(&page->req_cons, data, 16);
    data += 16;
    size -= 16;
    xvm::Ring req = xvm::xenstore_requests(page.get());
    xvm::Ring rsp = xvm::xenstore_responses(page.get());
    std::vector<char> buf(2 * XENSTORE_RING_SIZE);
    for (size_t i = 0; i < size; ++i) {
        size_t n = data[i] * 8u;
        switch (data[i] & 3) {
            case 0: (void)req.read(std::span<char>(buf.data(), n)); break;
            case 1: (void)rsp.write(std::span<const char>(buf.data(), n)); break;
            case 2: page->req_prod += data[i]; break;
            default: page->rsp_cons -= data[i]; break;
        }
    }
    return 0;
}
