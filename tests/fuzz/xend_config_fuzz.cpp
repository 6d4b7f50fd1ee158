// Fuzz target: what reaches xend's own decoding of a domain configuration
// - the (vm ...) S-expression of xend.domain.create / new (as text, as the
// legacy POST's config= and a config.sxp carry it, or as the nested
// XML-RPC arrays xm sends) - and CPU lists. Whatever parses must rebuild:
// the stored (vm ...) form of a spec parses to the same stored form.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemons/xend/cpu_list.h"
#include "daemons/xend/domain_config.h"
#include "lib/rpc/sexpr.h"
#include "lib/rpc/xmlrpc.h"

namespace {

void check(const xvm::rpc::Sexpr& config) {
    auto spec = xvm::xend::parse_domain_config(config);
    if (!spec) return;
    std::string stored = xvm::rpc::sexpr_to_string(xvm::xend::spec_to_config(*spec));
    auto again = xvm::rpc::parse_sexpr(stored);
    if (!again) abort();  // xend wrote a configuration it cannot read
    auto respec = xvm::xend::parse_domain_config(*again);
    if (!respec) abort();
    if (xvm::rpc::sexpr_to_string(xvm::xend::spec_to_config(*respec)) != stored) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)xvm::xend::parse_cpu_list(text);
    if (auto values = xvm::rpc::parse_sexprs(text))
        for (const auto& v : *values) check(v);
    // The same bytes as an XML-RPC call whose first argument is a config.
    if (auto call = xvm::rpc::decode_call(text)) {
        for (const auto& p : call->params)
            if (auto s = xvm::rpc::value_to_sexpr(p)) check(*s);
    }
    return 0;
}
