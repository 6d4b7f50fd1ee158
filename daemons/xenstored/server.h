// The serving half of xenstored: accepts socket clients (peer-checked),
// runs guest ring connections, feeds whole requests to the dispatcher and
// writes replies. One pass over a readable connection serves every
// complete request already read, commits the store once, and then writes
// each affected connection's output with one system call: the batching
// that lets pipelined clients run far faster than one request per poll.
//
// Invariant: nothing a request changed is visible to any client (reply or
// watch event) before Store::commit() has put it in the tdb.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemons/xenstored/config.h"
#include "daemons/xenstored/connection.h"
#include "daemons/xenstored/dispatch.h"
#include "lib/base/event_loop.h"
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
        bool want_out = false;  // EPOLLOUT armed
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

    Status on_accept(int listen_fd, bool read_only);
    Status on_socket_event(std::uint64_t id, std::uint32_t events);
    Status on_ring_event(std::uint64_t id);
    Status watch_domain_events();
    Status on_domain_event();
    void process_input(Client& cl);
    bool write_socket(Client& cl);
    void write_ring(Client& cl);
    void finish_pass();
    void mark_dirty(Connection& conn);
    void queue_event(const Watch& w, std::string_view path, const Perms* perms);
    void close_client(std::uint64_t id, std::string_view why);
    Client* find(std::uint64_t id);
    Client& add_client(bool read_only);
    Result<std::uint64_t> connect_ring(DomainId dom, const DomainEntry& entry);
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
    UniqueFd listen_rw_, listen_ro_;
    std::unordered_map<std::uint64_t, std::unique_ptr<Client>> clients_;
    std::map<DomainId, DomainEntry> domains_;
    std::vector<std::uint64_t> dirty_;
    std::vector<std::uint64_t> doomed_;
    std::uint64_t next_id_ = 1;
    bool trace_ = false;
    UniqueFd trace_fd_;
};

}  // namespace xvm::xs
