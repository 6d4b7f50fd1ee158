// xend's two sockets and their rebinding at refresh: the XML-RPC socket
// (config/xend-unix-xmlrpc-path) always, the legacy one (config/xend-unix-
// path) while config/xend-unix-server is true. Each is bound as xvm
// (mode 0666: peers are checked per connection) and accepted by
// lib/priv's PeerListener (xvm_control or virt_manage); admitted and
// refused connections alike go to the socket's HttpServer, which tells a
// refused peer why. A changed path binds the new socket first and only
// then closes and removes the old one, so a failed rebind leaves the old
// socket serving.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "daemons/xend/http_server.h"
#include "lib/base/event_loop.h"
#include "lib/priv/peer_listener.h"
#include "lib/priv/priv_db.h"

namespace xvm::xend {

class Socket {
public:
    Socket(EventLoop& loop, const PrivDb& db, HttpServer& http) : loop_(loop), db_(db), http_(http) {}
    ~Socket();
    // Serves `path` (absolute, XVM_ROOT applied here), or nothing when
    // nullopt. Unchanged path: nothing happens.
    Status bind(const std::optional<std::string>& path);
    const std::optional<std::string>& path() const { return path_; }

private:
    EventLoop& loop_;
    const PrivDb& db_;
    HttpServer& http_;
    std::optional<std::string> path_;  // as configured
    std::unique_ptr<PeerListener> listener_;
};

}  // namespace xvm::xend
