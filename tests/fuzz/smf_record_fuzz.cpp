// Fuzz target: the repository record decoder. A record that decodes must
// encode back to something that decodes to the same property groups.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lib/smf/smf_types.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto set = xvm::smf::decode(text);
    if (!set) return 0;
    auto again = xvm::smf::decode(xvm::smf::encode(*set));
    if (!again || !(*again == *set)) std::abort();
    return 0;
}
