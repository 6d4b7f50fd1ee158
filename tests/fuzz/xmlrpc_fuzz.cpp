// Fuzz target: bytes as the body of an XML-RPC request (what xend decodes
// from any admitted peer) and of a response (what xm decodes). A call that
// decodes must encode again and decode to the same call.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lib/rpc/xmlrpc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    (void)xvm::rpc::decode_response(body);
    auto call = xvm::rpc::decode_call(body);
    if (!call) return 0;
    auto again = xvm::rpc::encode_call(*call);
    if (!again) abort();  // a decoded call must be encodable
    auto back = xvm::rpc::decode_call(*again);
    if (!back || back->method != call->method || back->params != call->params) abort();
    for (const auto& p : call->params) {
        (void)xvm::rpc::value_to_sexpr(p);
        (void)xvm::rpc::unrepr_string_result(p);
    }
    return 0;
}
