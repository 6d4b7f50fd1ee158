// xenconsoled's data path buffers under arbitrary operation sequences: the
// per-reader OutputBuffer (Xen's middle discard), the replay History and
// the guest-log timestamp rule. Invariants: a buffer never holds more than
// its limit and always keeps the newest byte, the history equals the tail
// of everything appended,
// and timestamping only ever adds stamps and drops CRs after newlines.
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemons/xenconsoled/guest_log.h"
#include "daemons/xenconsoled/history.h"
#include "daemons/xenconsoled/output_buffer.h"

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    std::size_t limit = 1 + data[0] * 4;
    std::size_t hist = data[1];
    xvm::console::OutputBuffer buf(limit);
    xvm::console::History history(hist);
    std::string all;
    std::size_t at = 2;
    while (at < size) {
        std::uint8_t op = data[at++];
        std::size_t n = std::min<std::size_t>(op >> 1, size - at);
        if (op & 1) {
            buf.consume(n);
        } else {
            std::string chunk(reinterpret_cast<const char*>(data) + at, n);
            at += n;
            buf.append(chunk);
            history.append(chunk);
            all += chunk;
            // The newest byte always survives (Xen keeps the newest excess).
            if (!chunk.empty()) check(!buf.empty() && buf.pending().back() == chunk.back());
        }
        check(buf.size() <= limit);
        std::string h = history.contents();
        check(h.size() == std::min(hist, all.size()));
        check(all.ends_with(h));
    }
    bool start = true;
    std::string in(reinterpret_cast<const char*>(data), size);
    std::string out = xvm::console::timestamped(in, "[T] ", start);
    check(out.size() + in.size() >= in.size());
    std::size_t stamps = 0;
    for (std::size_t p = out.find("[T] "); p != std::string::npos; p = out.find("[T] ", p + 1)) ++stamps;
    check(stamps >= 1 || in.empty());
    return 0;
}
