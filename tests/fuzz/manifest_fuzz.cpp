// Fuzz target: service manifests. Arbitrary bytes go through libxml2 and
// the element -> property-group translation of svccfg import; whatever
// parses must also survive a repository encode/decode round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cmd/svccfg/manifest.h"
#include "lib/smf/smf_types.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view xml(reinterpret_cast<const char*>(data), size);
    auto bundle = xvm::svccfg::parse_manifest(xml, "fuzz.xml");
    if (!bundle) return 0;
    for (const auto& svc : bundle->services) {
        auto back = xvm::smf::decode(xvm::smf::encode(svc.pgs));
        if (!back || !(*back == svc.pgs)) std::abort();  // what import stores must read back the same
    }
    return 0;
}
