// svc.startd's control socket (smf_control.h has the wire format). Each
// connection carries one request; the peer's identity comes from
// SO_PEERCRED at accept, never from the message. Root may do anything;
// other users need an RBAC authorization the rules of lib/smf/smf_auth.h
// accept for the target, and every refusal is logged with uid, pid and
// operation. Users read read-protected values here too: their copy of
// the repository withholds them.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "lib/base/event_loop.h"
#include "lib/priv/peer_listener.h"
#include "lib/priv/priv_db.h"
#include "daemons/svc.startd/restarter.h"
#include "lib/smf/smf_actions.h"
#include "lib/smf/smf_auth.h"
#include "lib/priv/ucred.h"

namespace xvm::startd {

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
    // Clients held at once; more are answered "busy" and closed, so no
    // number of clients can take the descriptors the restarter needs for
    // its own work.
    static constexpr std::size_t kMaxClients = 64;
    ControlServer(EventLoop& loop, Restarter& r, PrivDb db) : loop_(loop), restarter_(r), db_(std::move(db)) {}
    void on_peer(UniqueFd fd, PeerCred peer);
    Status on_readable(int fd);
    Status authorize(const PeerCred& peer, const smf::Request& request);
    Status check(const PeerCred& peer, const smf::Needed& needed, const std::string& entity);
    Result<std::string> read_group(const PeerCred& peer, const smf::Request& request);
    void finish(int fd, const Status& result);
    void finish_value(int fd, const std::string& payload);
    void reply(int fd, const std::string& text);

    EventLoop& loop_;
    Restarter& restarter_;
    PrivDb db_;
    std::unique_ptr<PeerListener> listener_;
    std::map<int, Conn> conns_;
    std::uint64_t serial_ = 0;
    bool saturated_ = false;  // at kMaxClients: said once per episode
};

}  // namespace xvm::startd
