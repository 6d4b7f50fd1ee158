// The serving half of xenstored: accepts socket clients (peer-checked),
// runs guest ring connections, feeds whole requests to the dispatcher and
// writes replies. One pass over a readable connection serves every
// complete request already read, commits the store once, and then writes
// each affected connection's output with one system call: the batching
// that lets pipelined clients run far faster than one request per poll.
//
// Invariant: nothing a request changed is visible to any client (reply or
// watch event) before Store::commit() has put it in the tdb. Each request
// that changed the store is committed before the next is served; a commit
// that fails (a full disk) rolls the store back, takes back that request's
// reply and the events it queued, answers it ENOSPC and serving goes on.
//
// Output is bounded per connection (Xen stops reading a domain whose
// responses are outstanding): a connection with more than
// min(64 KiB, quota-output-bytes) unsent is not read or served until it
// drains, so its own replies cannot grow without bound. Watch events are
// not the connection's doing and cannot wait: past quota-output-bytes a
// socket client is dropped (one log line), and a guest, which cannot
// reconnect, loses the events (one log line per episode) while its
// requests wait for it to consume its ring.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemons/xenstored/commit_hook.h"
#include "daemons/xenstored/config.h"
#include "daemons/xenstored/connection.h"
#include "daemons/xenstored/dispatch.h"
#include "lib/base/event_loop.h"
#include "lib/priv/peer_listener.h"
#include "lib/priv/priv_db.h"
#include "daemons/xenstored/ring_backend.h"
#include "daemons/xenstored/store.h"
#include "lib/base/unique_fd.h"
#include "daemons/xenstored/watch.h"

namespace xvm::xs {

class Server : public Services {
public:
    Server(const Config& config, EventLoop& loop, Store& store, const PrivDb& privdb,
           std::unique_ptr<RingBackend> rings);
    ~Server() override;

    // Starts serving the two listening sockets.
    Status serve(UniqueFd socket_rw, UniqueFd socket_ro);
    // Reconnects the rings of domains introduced before a restart.
    void reconnect_domains();
    // Serves dom0's own kernel over `ring` (RingBackend::connect_local_kernel,
    // mapped before the privilege drop) as a privileged dom0 connection.
    Status serve_kernel_ring(RingEndpoint ring);

    // Services
    Status introduce(DomainId dom, std::uint64_t mfn, std::uint32_t port) override;
    Status release(DomainId dom) override;
    Status resume(DomainId dom) override;
    bool introduced(DomainId dom) const override;
    Status set_target(DomainId dom, DomainId target) override;
    void set_trace(bool on) override { trace_ = on; }
    std::string describe() const override;

    // A connection made by the caller (tests drive one over a socketpair).
    Connection& adopt_socket(UniqueFd fd, bool read_only, const std::string& label);
    std::size_t connection_count() const { return clients_.size(); }

private:
    struct Client {
        Connection conn;
        UniqueFd fd;            // socket clients
        RingEndpoint ring;      // ring clients (page + channel)
        bool is_ring = false;
        bool refused = false;   // failed the peer check
        std::uint32_t armed = 0;      // epoll events asked for
        std::uint64_t dropped = 0;    // guest: watch events dropped in this episode
        EventLoop::TimerId timer = 0;
    };
    struct DomainEntry {
        std::uint64_t mfn = 0;
        std::uint32_t port = 0;
        std::uint64_t client = 0;  // its ring connection, 0 if none
        bool has_target = false;
        DomainId target = 0;
        bool ended = false;  // @releaseDomain already fired for it
    };

    Status listen(UniqueFd fd, bool read_only);
    void on_peer(UniqueFd fd, const PeerCred& peer, bool read_only, bool admitted);
    Status on_socket_event(std::uint64_t id, std::uint32_t events);
    Status on_ring_event(std::uint64_t id);
    Status watch_domain_events();
    Status on_domain_event();
    void process_input(Client& cl);
    void serve_buffered(Client& cl);
    void commit_request(Connection& conn, const XsMessage& msg, std::size_t mark);
    void reconcile_domains();
    bool output_full(const Connection& conn) const;
    void update_interest(Client& cl);
    bool write_socket(Client& cl);
    void write_ring(Client& cl);
    void finish_pass();
    void mark_dirty(Connection& conn);
    void queue_event(const Watch& w, std::string_view path, const EventPerms& perms);
    void close_client(std::uint64_t id, std::string_view why);
    Client* find(std::uint64_t id);
    Client& add_client(bool read_only);
    Result<std::uint64_t> connect_ring(DomainId dom, const DomainEntry& entry);
    void reconnect_domain(DomainId dom, const std::string& record);
    Result<std::uint64_t> add_ring_client(RingEndpoint ring, Caller caller, std::string label);
    Status persist_domain(DomainId dom);
    void trace(const Connection& conn, const XsMessage& msg);

    const Config& config_;
    EventLoop& loop_;
    Store& store_;
    const PrivDb& privdb_;
    std::unique_ptr<RingBackend> rings_;
    std::unique_ptr<DomainEvents> domain_events_;
    PrivSet required_;  // xvm_control or virt_manage
    WatchTable watches_;
    Context ctx_;
    std::unique_ptr<PeerListener> listen_rw_, listen_ro_;
    std::unordered_map<std::uint64_t, std::unique_ptr<Client>> clients_;
    std::map<DomainId, DomainEntry> domains_;
    std::vector<std::uint64_t> dirty_;
    std::vector<std::uint64_t> doomed_;
    std::uint64_t next_id_ = 1;
    bool trace_ = false;
    // While a modifying request is served: each connection its events went
    // to, with the size its output had before (to take them back).
    std::vector<std::pair<std::uint64_t, std::size_t>> touched_;
    std::unique_ptr<CommitHook> hook_;
    std::uint64_t failed_commits_ = 0;  // in a row; logged on the first and on recovery
    UniqueFd trace_fd_;
};

}  // namespace xvm::xs
