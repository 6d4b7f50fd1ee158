// hvsim's socket: accepts connections, admits only peers holding
// xvm_control (refused peers get one EPERM reply and one log line, then
// the connection closes), reads frames, decodes requests (hv_proto.h) and
// calls the Sim. A peer that breaks framing is disconnected; a bad request
// gets an error reply and the connection serves on. A client that does not
// read its replies (the socket buffer fills) is disconnected too: every
// well-behaved client waits for each reply.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/base/event_loop.h"
#include "lib/xen/hv_proto.h"
#include "lib/priv/peer_listener.h"
#include "lib/priv/priv_db.h"
#include "daemons/hvsim/sim.h"
#include "lib/priv/ucred.h"
#include "lib/base/unique_fd.h"

namespace xvm::hvsim {

class Server {
  public:
    Server(EventLoop& loop, Sim& sim, PrivDb db, UniqueFd listen_fd)
        : loop_(loop), sim_(sim), db_(std::move(db)), listen_(std::move(listen_fd)) {}
    ~Server();
    Status start();

    struct Reply {
        int code = 0;
        std::string payload;
        std::vector<int> fds;  // borrowed; sent before the call returns
    };

  private:
    struct Conn {
        UniqueFd fd;
        PeerCred peer;
        std::string in;
        std::vector<UniqueFd> fds;  // received with requests, oldest first
    };

    void on_admitted(UniqueFd fd, PeerCred peer);
    Status on_readable(std::uint64_t id);
    void close_conn(std::uint64_t id);
    Reply dispatch(Conn& conn, std::uint64_t id, const HvRequest& request);
    Reply dispatch_domain(const HvRequest& request);
    Reply dispatch_memory_vcpus(const HvRequest& request);
    Reply dispatch_channels(Conn& conn, std::uint64_t id, const HvRequest& request);

    EventLoop& loop_;
    Sim& sim_;
    PrivDb db_;
    PrivSet control_;
    UniqueFd listen_;
    std::unique_ptr<PeerListener> listener_;
    std::map<std::uint64_t, Conn> conns_;
    std::uint64_t next_id_ = 1;
};

}  // namespace xvm::hvsim
