// Fuzz target: a byte stream as a xenstore connection delivers it, parsed
// message by message until it is incomplete or framing breaks.
#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/xen/xs_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const char> in(reinterpret_cast<const char*>(data), size);
    while (true) {
        auto msg = xvm::xs_parse(in);
        if (!msg || !*msg) break;
        (void)xvm::xs_type_name((*msg)->header.type);
        for (std::string_view part : xvm::xs_split((*msg)->payload)) (void)part.size();
        in = in.subspan((*msg)->wire_size());
    }
    return 0;
}
