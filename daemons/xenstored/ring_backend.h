// Where guest rings come from. INTRODUCE gives a domain id, the ring
// page's frame and an unbound event-channel port; a RingBackend turns them
// into a mapping of the page and a bound event channel. Two backends:
//   HypervisorRings - map_xenstore_page + evtchn_bind_interdomain of the
//                     hypervisor interface (lib/xen/hypervisor.h);
//   FileRings       - a test backend: the page is the file DIR/<dom>.page
//                     and the event channel two FIFOs, DIR/<dom>.up (guest
//                     to store) and DIR/<dom>.down, so a test peer in
//                     another process plays the guest (and survives a
//                     daemon restart, as a real guest would).
#pragma once

#include <memory>
#include <string>

#include "lib/xen/hypervisor.h"
#include "lib/base/mapping.h"
#include "daemons/xenstored/path.h"
#include "lib/base/result.h"

namespace xvm::xs {

struct RingEndpoint {
    Mapping page;  // a struct xenstore_domain_interface
    std::unique_ptr<EventChannel> channel;
};

class RingBackend {
public:
    virtual ~RingBackend() = default;
    virtual Result<RingEndpoint> connect(DomainId dom, std::uint64_t mfn, std::uint32_t port) = 0;
    // The VIRQ_DOM_EXC subscription, where the backend has one (ENOSYS
    // otherwise: test rings have no hypervisor behind them).
    virtual Result<std::unique_ptr<DomainEvents>> domain_events() {
        return make_error("this ring backend has no domain events", ENOSYS);
    }
    // True once `dom` has shut down, crashed, is dying or no longer exists.
    virtual bool domain_ended(DomainId) { return false; }
    // True once `dom` is dying or no longer exists: its ring must be
    // unmapped, or (on Xen) our mapping keeps the dead domain a zombie.
    virtual bool domain_gone(DomainId) { return false; }
    // dom0's own kernel ring (Xen: /proc/xen/xsd_kva + xsd_port), opened
    // before the privilege drop; ENOSYS where there is none.
    virtual Result<RingEndpoint> connect_local_kernel() {
        return make_error("this ring backend has no dom0 kernel ring", ENOSYS);
    }
};

std::unique_ptr<RingBackend> hypervisor_rings(std::unique_ptr<Hypervisor> hv);
std::unique_ptr<RingBackend> file_rings(std::string dir);

// The FIFO event channel of FileRings, also used by test peers:
// `listen` is read for notifications, `notify` written to send one.
Result<std::unique_ptr<EventChannel>> fifo_event_channel(const std::string& listen,
                                                         const std::string& notify);

}  // namespace xvm::xs
