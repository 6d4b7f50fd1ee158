// The console socket protocol (lib/xen/console_proto.h) from both ends:
// the bytes are read as a client's stream (what xenconsoled parses) and
// as the daemon's (what xm console parses), through the FrameReader the
// two programs use, in chunks whose sizes come from the input. Every frame
// is decoded as its type says. Nothing may crash, hang or read out of
// bounds; a decoded message must re-encode to a frame that parses and
// decodes to the same content.
#include <cstddef>
#include <cstdint>
#include <string>

#include "lib/xen/console_proto.h"

namespace {

using namespace xvm::cons;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

void decode(const FrameReader::Owned& f) {
    switch (f.type) {
        case MsgType::kAttach:
            if (auto a = decode_attach(f.payload)) {
                std::string again = encode_attach(*a);
                auto p = parse_frame(again, From::kClient);
                check(p && *p);
                auto b = decode_attach((*p)->payload);
                check(b && b->flags == a->flags && b->domain == a->domain);
                (void)parse_domain_ref(a->domain);
            }
            break;
        case MsgType::kAttached:
            if (auto a = decode_attached(f.payload)) {
                std::string again = encode_attached(*a);
                auto p = parse_frame(again, From::kDaemon);
                check(p && *p);
                auto b = decode_attached((*p)->payload);
                check(b && b->domid == a->domid && b->name == a->name);
            }
            break;
        case MsgType::kError:
            if (auto e = decode_error(f.payload)) {
                std::string again = encode_error(e->code, e->text);
                auto p = parse_frame(again, From::kDaemon);
                check(p && *p);
                auto b = decode_error((*p)->payload);
                check(b && b->code == e->code && b->text == e->text);
            }
            break;
        case MsgType::kRole: (void)decode_role(f.payload); break;
        case MsgType::kNotice: (void)decode_notice(f.payload); break;
        case MsgType::kClosed: (void)decode_closed(f.payload); break;
        case MsgType::kInput:
        case MsgType::kOutput: check(!f.payload.empty() && f.payload.size() <= kMaxPayload); break;
    }
}

void stream(const std::uint8_t* data, std::size_t size, From from) {
    FrameReader reader(from);
    std::size_t at = 0;
    // The first byte sets the chunk size, as reads of any size arrive.
    std::size_t chunk = size > 0 ? 1 + data[0] % 64 : 1;
    while (at < size) {
        std::size_t n = std::min(chunk, size - at);
        n = reader.push({reinterpret_cast<const char*>(data) + at, n});
        at += n;
        for (;;) {
            auto f = reader.next();
            if (!f) return;  // broken framing: the connection would close
            if (!*f) break;
            decode(**f);
        }
        if (n == 0) return;  // a whole frame is needed first and none parsed
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    stream(data, size, From::kClient);
    stream(data, size, From::kDaemon);
    return 0;
}
