// hvsim's socket protocol decoder (lib/xen/hv_proto.h): the bytes a client
// sends, cut into frames and decoded as requests exactly as the daemon
// does, and each frame's payload also decoded as every reply type the
// client library accepts. Nothing may crash, hang or read out of bounds;
// a decoded request must re-encode to a frame that decodes to the same op.
#include <cstddef>
#include <cstdint>
#include <string>

#include "lib/xen/hv_proto.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string in(reinterpret_cast<const char*>(data), size);
    while (!in.empty()) {
        auto frame = xvm::hv_parse_frame(in);
        if (!frame || !*frame) break;
        std::string payload((*frame)->payload);
        std::uint32_t code = (*frame)->code;
        in.erase(0, (*frame)->wire_size());

        auto request = xvm::hv_decode_request(code, payload);
        if (request) {
            std::string again = xvm::hv_encode_request(*request);
            auto reframed = xvm::hv_parse_frame(again);
            if (!reframed || !*reframed) __builtin_trap();
            auto redecoded = xvm::hv_decode_request((*reframed)->code, (*reframed)->payload);
            if (!redecoded || redecoded->op != request->op) __builtin_trap();
        }
        {
            xvm::WireReader r(payload, "info");
            (void)xvm::hv_get_info(r);
            (void)r.finish();
        }
        {
            xvm::WireReader r(payload, "vcpu");
            (void)xvm::hv_get_vcpu(r);
            (void)r.finish();
        }
        {
            xvm::WireReader r(payload, "physinfo");
            (void)xvm::hv_get_physinfo(r);
            (void)r.finish();
        }
    }
    return 0;
}
