// Fuzz target: bytes as an S-expression text (a config.sxp, a legacy
// POST's config=, an `xm create -F` file). Whatever parses must print in
// both forms and parse again from its compact form; the Python-literal
// unescaper sees the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lib/rpc/pystr.h"
#include "lib/rpc/sexpr.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)xvm::rpc::python_unescape(text);
    auto values = xvm::rpc::parse_sexprs(text);
    if (!values) return 0;
    for (const auto& v : *values) {
        std::string compact = xvm::rpc::sexpr_to_string(v);
        (void)xvm::rpc::sexpr_pretty(v, 40);
        if (!xvm::rpc::parse_sexprs(compact)) abort();  // the printer wrote what the parser refuses
    }
    return 0;
}
