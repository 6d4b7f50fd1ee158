#include "daemons/hvsim/evtchn.h"

#include <sys/eventfd.h>

#include <vector>

#include "lib/base/format.h"

namespace xvm::hvsim {
namespace {

Result<UniqueFd> make_eventfd() {
    int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) return errno_error("cannot create an eventfd for an event channel");
    return UniqueFd(fd);
}

}  // namespace

Result<std::uint32_t> EvtchnTable::free_port(DomId dom) const {
    // Port 0 is never valid in Xen.
    for (std::uint32_t p = 1; p <= kMaxPortsPerDomain; ++p)
        if (!ports_.contains({dom, p})) return p;
    return make_error(
        cat("domain ", dom, " has no free event-channel port (limit ", kMaxPortsPerDomain, ")"),
        ENOSPC);
}

std::size_t EvtchnTable::count(DomId dom) const {
    std::size_t n = 0;
    for (const auto& [key, port] : ports_) n += key.first == dom;
    return n;
}

Result<PortFds> EvtchnTable::alloc_unbound(DomId dom, DomId remote) {
    auto p = free_port(dom);
    if (!p) return std::move(p).error();
    auto wait = make_eventfd();
    if (!wait) return std::move(wait).error();
    auto peer_wait = make_eventfd();
    if (!peer_wait) return std::move(peer_wait).error();
    Port& port = ports_[{dom, *p}];
    port.remote = remote;
    port.wait = std::move(*wait);
    port.peer_wait = std::move(*peer_wait);
    return PortFds{*p, port.wait.get(), port.peer_wait.get()};
}

Result<PortFds> EvtchnTable::bind(DomId local, std::uint64_t owner, DomId remote,
                                  std::uint32_t remote_port) {
    auto it = ports_.find({remote, remote_port});
    if (it == ports_.end())
        return make_error(
            cat("cannot bind to port ", remote_port, " of domain ", remote, ": no such port"),
            EINVAL);
    Port& target = it->second;
    if (target.bound)
        return make_error(cat("cannot bind to port ", remote_port, " of domain ", remote,
                              ": it is already bound"),
                          EBUSY);
    if (target.remote != local)
        return make_error(cat("cannot bind to port ", remote_port, " of domain ", remote,
                              ": it is reserved for domain ", target.remote),
                          EPERM);
    auto p = free_port(local);
    if (!p) return std::move(p).error();
    Port& mine = ports_[{local, *p}];
    mine.remote = remote;
    mine.bound = true;
    mine.peer = {remote, remote_port};
    mine.owner = owner;
    mine.wait = std::move(target.peer_wait);
    target.bound = true;
    target.peer = {local, *p};
    return PortFds{*p, mine.wait.get(), target.wait.get()};
}

void EvtchnTable::release_owner(std::uint64_t owner) {
    std::vector<std::pair<DomId, std::uint32_t>> gone;
    for (auto& [key, port] : ports_) {
        if (port.owner != owner || owner == 0) continue;
        auto peer = ports_.find(port.peer);
        if (peer != ports_.end() && peer->second.peer == key) {
            peer->second.bound = false;
            peer->second.peer_wait = std::move(port.wait);
        }
        gone.push_back(key);
    }
    for (const auto& key : gone) ports_.erase(key);
}

void EvtchnTable::remove_domain(DomId dom) {
    std::erase_if(ports_, [dom](const auto& entry) { return entry.first.first == dom; });
}

}  // namespace xvm::hvsim
