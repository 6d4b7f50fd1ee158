// svc.startd's control socket (smf_control.h has the wire format). Each
// connection carries one request; the peer's identity comes from
// SO_PEERCRED at accept, never from the message. Root may do anything;
// other users need the RBAC authorization the target names
// (action_authorization for svcadm actions, value_authorization for
// property changes, solaris.smf.modify for adding or deleting groups), and
// every refusal is logged with uid, pid and operation.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "lib/base/event_loop.h"
#include "lib/priv/peer_listener.h"
#include "lib/priv/priv_db.h"
#include "daemons/svc.startd/restarter.h"
#include "lib/smf/smf_actions.h"
#include "lib/priv/ucred.h"

namespace xvm::startd {

// The authorization `request` needs on `entity`'s configuration: any one
// of the returned names suffices. Empty: only root may do it.
std::vector<std::string> required_authorizations(const smf::Request& request, const smf::PgSet& composed);

class ControlServer {
public:
    static Result<std::unique_ptr<ControlServer>> create(EventLoop& loop, Restarter& restarter);
    ~ControlServer();

private:
    struct Conn {
        UniqueFd fd;
        PeerCred peer;
        std::string in;
        std::uint64_t serial = 0;
    };
    static constexpr std::chrono::seconds kTimeBudget{10};
    ControlServer(EventLoop& loop, Restarter& r, PrivDb db) : loop_(loop), restarter_(r), db_(std::move(db)) {}
    void on_peer(UniqueFd fd, PeerCred peer);
    Status on_readable(int fd);
    Status authorize(const PeerCred& peer, const smf::Request& request);
    void finish(int fd, const Status& result);

    EventLoop& loop_;
    Restarter& restarter_;
    PrivDb db_;
    std::unique_ptr<PeerListener> listener_;
    std::map<int, Conn> conns_;
    std::uint64_t serial_ = 0;
};

}  // namespace xvm::startd
