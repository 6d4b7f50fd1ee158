// One client of the store: a local socket or a guest's shared ring. What
// the protocol needs to know about it (who it is, its transactions and
// watches, its queued output) lives here; how bytes move is the
// transport's business (server.cpp for sockets, server_ring.cpp for rings).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "daemons/xenstored/perms.h"
#include "daemons/xenstored/transaction.h"

namespace xvm::xs {

struct Connection {
    std::uint64_t id = 0;
    Caller caller;           // sockets: dom0, privileged
    bool read_only = false;  // socket_ro: every modification is EROFS
    std::string label;       // "socket uid 0 pid 812" or "domain 3", for logs

    std::string in;           // bytes read, not yet a whole message
    std::string out;          // replies and events queued, not yet written
    std::size_t out_sent = 0;  // prefix of `out` already written

    std::map<std::uint32_t, std::unique_ptr<Transaction>> transactions;
    std::uint32_t next_tx = 1;
    std::vector<std::pair<std::string, std::string>> watches;  // (path, token)

    bool closing = false;  // broken framing or refused: drop once flushed

    std::size_t pending_output() const { return out.size() - out_sent; }
};

}  // namespace xvm::xs
