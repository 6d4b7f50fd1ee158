// hvsim's event channels. Every port owns an eventfd, its "wait" side: the
// remote end notifies it by writing to that eventfd directly, so a
// notification costs one write() and one wake-up and never passes through
// hvsim (latency matters: docs/design.md section 2). hvsim only hands out the
// descriptors when a channel is allocated and bound.
//
// An unbound port (alloc_unbound) already holds the eventfd its future peer
// will wait on, so the domain can be given both of its descriptors before
// dom0 binds, as a Xen guest gets its store and console ports at boot.
// Binding moves that eventfd to the new dom0 port; when the binding
// connection goes away (xenstored restarts) it moves back and the port is
// unbound again, with the guest's descriptors still valid.
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "lib/xen/hypervisor.h"
#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm::hvsim {

inline constexpr std::uint32_t kMaxPortsPerDomain = 1024;

struct PortFds {
    std::uint32_t port = 0;
    int wait_fd = -1;    // readable when the peer notified
    int notify_fd = -1;  // write 1 to notify the peer
};

class EvtchnTable {
  public:
    // A port in `dom` that `remote` may bind.
    Result<PortFds> alloc_unbound(DomId dom, DomId remote);
    // Binds a new port of `local` (owned by connection `owner`) to
    // remote:port.
    Result<PortFds> bind(DomId local, std::uint64_t owner, DomId remote, std::uint32_t port);
    // Ports bound by a connection that closed: their peers become unbound.
    void release_owner(std::uint64_t owner);
    // All ports of a destroyed domain; dom0 ports bound to them stay open
    // but will never be notified again, as in Xen.
    void remove_domain(DomId dom);
    std::size_t count(DomId dom) const;

  private:
    struct Port {
        DomId remote = 0;
        bool bound = false;
        std::pair<DomId, std::uint32_t> peer{0, 0};
        std::uint64_t owner = 0;  // connection that bound it; 0 for none
        UniqueFd wait;            // this port's eventfd
        UniqueFd peer_wait;       // unbound: the future peer's eventfd
    };

    Result<std::uint32_t> free_port(DomId dom) const;

    std::map<std::pair<DomId, std::uint32_t>, Port> ports_;
};

}  // namespace xvm::hvsim
