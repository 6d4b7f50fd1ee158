// Shared-memory byte rings, as Xen's xenstore and console rings are laid
// out: a power-of-two buffer and two free-running 32-bit indices, the
// consumer's and the producer's, in memory the peer can write at any time.
// One side only ever advances one index. Used by the simulated guest, by
// xenstored and by xenconsoled alike.
//
// The peer is untrusted: a reader or writer never touches memory outside
// the buffer whatever the indices say. Indices that claim more than the
// ring holds are reported as an error (Xen's XENSTORE_ERROR_RINGIDX case)
// and nothing is transferred.
//
// Ordering: the reader reads the producer index (acquire), copies, then
// publishes its consumer index (release); the writer mirrors that. Telling
// the peer (an event-channel notification) is the caller's job, after any
// call that moved bytes.
#pragma once

// <xen/io/xs_wire.h> defines its errno table only when errno values are known.
#include <cerrno>
#include <cstdint>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/base/result.h"

namespace xvm {

class Ring {
public:
    // `size` must be a power of two; the indices live in shared memory.
    Ring(char* buffer, std::uint32_t size, std::uint32_t* cons, std::uint32_t* prod)
        : buf_(buffer), size_(size), cons_(cons), prod_(prod) {}

    // Bytes waiting to be read; error if the indices are impossible.
    Result<std::size_t> readable() const;
    // Room left for writing; error if the indices are impossible.
    Result<std::size_t> writable() const;
    // Copies up to out.size() bytes out of the ring and consumes them.
    Result<std::size_t> read(std::span<char> out);
    // Copies up to in.size() bytes into the ring and produces them.
    Result<std::size_t> write(std::span<const char> in);

private:
    char* buf_;
    std::uint32_t size_;
    std::uint32_t* cons_;
    std::uint32_t* prod_;
};

// The four directions of the two Xen ring pages, seen from either side.
inline Ring xenstore_requests(xenstore_domain_interface* intf) {
    return Ring(intf->req, XENSTORE_RING_SIZE, &intf->req_cons, &intf->req_prod);
}
inline Ring xenstore_responses(xenstore_domain_interface* intf) {
    return Ring(intf->rsp, XENSTORE_RING_SIZE, &intf->rsp_cons, &intf->rsp_prod);
}
// Console "in" carries keystrokes to the guest, "out" its output to dom0.
inline Ring console_input(xencons_interface* intf) {
    return Ring(intf->in, sizeof intf->in, &intf->in_cons, &intf->in_prod);
}
inline Ring console_output(xencons_interface* intf) {
    return Ring(intf->out, sizeof intf->out, &intf->out_cons, &intf->out_prod);
}

}  // namespace xvm
