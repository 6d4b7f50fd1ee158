// Fuzz target: bytes as an xm domain configuration file (what `xm create`
// reads from a path the user names). The reader must report, never
// crash; a file it accepts is turned into the (vm ...) S-expression, which
// must print and parse back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cmd/xm/config_file.h"
#include "cmd/xm/config_keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = xvm::xm::parse_config_file(text);
    for (const auto& a : parsed.assignments) (void)a.value.repr();
    xvm::xm::ConfigContext context{"/etc/xen/fuzz", "/tmp", false, "", "/root/.Xauthority"};
    auto built = xvm::xm::make_config(parsed, {"vcpus=2"}, context);
    if (built.problems.empty() && !xvm::rpc::parse_sexpr(xvm::rpc::sexpr_to_string(built.vm))) abort();
    return 0;
}
