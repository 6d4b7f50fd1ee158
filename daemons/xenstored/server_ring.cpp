// The guest side of the server: ring connections and the domain table
// (the Services that INTRODUCE, RELEASE, RESUME and SET_TARGET reach).
// Introduced domains are persisted in the tdb, so a restarted daemon maps
// their rings again and guests carry on.
#include <sys/epoll.h>

#include <charconv>
#include <sstream>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/xen/ring.h"
#include "daemons/xenstored/server.h"

namespace xvm::xs {
namespace {

// Request bytes taken off a guest's ring ahead of serving them.
constexpr std::size_t kRingInputMax = 64 * 1024;

}  // namespace

// A guest's requests are read only while its output is below the pause
// bound: one that does not consume its responses finds its request ring
// full and waits, as Xen stops reading a domain with outstanding replies.
Status Server::on_ring_event(std::uint64_t id) {
    Client* cl = find(id);
    if (!cl || cl->conn.closing) return {};
    (void)cl->ring.channel->ack();  // a lost ack only costs a spurious wakeup
    write_ring(*cl);                // the guest may have made room
    if (cl->conn.closing) {
        finish_pass();
        return {};
    }
    auto* intf = static_cast<xenstore_domain_interface*>(cl->ring.page.data());
    Ring requests = xenstore_requests(intf);
    bool consumed = false;
    char buf[XENSTORE_RING_SIZE];
    while (!output_full(cl->conn) && cl->conn.in.size() < kRingInputMax) {
        Result<std::size_t> n = requests.read(std::span<char>(buf, sizeof buf));
        if (!n) {
            log_warnx(cat(cl->conn.label, ": ", n.error().message, "; disconnecting"));
            close_client(id, "");
            finish_pass();
            return {};
        }
        if (*n == 0) break;
        consumed = true;
        cl->conn.in.append(buf, *n);
    }
    if (consumed) (void)cl->ring.channel->notify();  // room for more requests
    process_input(*cl);
    finish_pass();
    // Requests held back by quota-outstanding are served on the next turn;
    // those held back by a full output when the guest makes room.
    Client* still = find(id);
    if (!still || output_full(still->conn)) return {};
    auto next = xs_parse(std::span<const char>(still->conn.in));
    if (next && *next)
        loop_.add_timer(std::chrono::milliseconds(0), [this, id] { return on_ring_event(id); });
    return {};
}

void Server::write_ring(Client& cl) {
    Connection& conn = cl.conn;
    if (conn.pending_output() == 0) return;
    auto* intf = static_cast<xenstore_domain_interface*>(cl.ring.page.data());
    Ring responses = xenstore_responses(intf);
    Result<std::size_t> n = responses.write(
        std::span<const char>(conn.out.data() + conn.out_sent, conn.pending_output()));
    if (!n) {
        log_warnx(cat(conn.label, ": ", n.error().message, "; disconnecting"));
        close_client(conn.id, "");
        return;
    }
    conn.out_sent += *n;
    if (conn.pending_output() == 0) {
        conn.out.clear();
        if (conn.out.capacity() > kRingInputMax) conn.out.shrink_to_fit();
        conn.out_sent = 0;
        if (cl.dropped > 0)
            log_info(cat(conn.label, ": reads its ring again; ", cl.dropped,
                         " watch events were dropped"));
        cl.dropped = 0;
    } else if (conn.out_sent > kRingInputMax) {
        conn.out.erase(0, conn.out_sent);
        conn.out_sent = 0;
    }
    if (*n > 0) (void)cl.ring.channel->notify();
}

Result<std::uint64_t> Server::connect_ring(DomainId dom, const DomainEntry& entry) {
    if (!rings_)
        return make_error(cat("cannot connect domain ", dom,
                              ": no hypervisor backend configured (see --hypervisor)"),
                          ENOSYS);
    Result<RingEndpoint> ep = rings_->connect(dom, entry.mfn, entry.port);
    if (!ep) return ep.error().context(cat("cannot connect domain ", dom));
    std::uint32_t local = ep->channel->local_port();
    Result<std::uint64_t> id =
        add_ring_client(std::move(*ep), Caller{dom, false, entry.target, entry.has_target},
                        cat("domain ", dom));
    if (id) log_info(cat("domain ", dom, ": ring connected (remote port ", entry.port,
                         ", local port ", local, ")"));
    return id;
}

Status Server::serve_kernel_ring(RingEndpoint ring) {
    std::uint32_t local = ring.channel->local_port();
    // dom0's kernel is dom0: privileged, as the local sockets are.
    Result<std::uint64_t> id = add_ring_client(std::move(ring), Caller{0, true, 0, false},
                                               "dom0 kernel");
    if (!id) return std::move(id).error();
    // The kernel probes xenbus on its first event from us (xenstored_ready).
    Client* cl = find(*id);
    if (Status s = cl->ring.channel->notify(); !s) return s;
    log_info(cat("serving dom0's kernel ring (local port ", local, ")"));
    return {};
}

Result<std::uint64_t> Server::add_ring_client(RingEndpoint ring, Caller caller,
                                              std::string label) {
    Client& cl = add_client(false);
    cl.is_ring = true;
    cl.ring = std::move(ring);
    cl.conn.caller = caller;
    cl.conn.label = std::move(label);
    std::uint64_t id = cl.conn.id;
    Status s = loop_.add_fd(cl.ring.channel->fd(), EPOLLIN,
                            [this, id](std::uint32_t) { return on_ring_event(id); });
    if (!s) {
        clients_.erase(id);
        return std::move(s).error();
    }
    // Requests the guest queued while nobody listened (e.g. a restart).
    loop_.add_timer(std::chrono::milliseconds(0), [this, id] { return on_ring_event(id); });
    return id;
}

Status Server::persist_domain(DomainId dom) {
    const DomainEntry& e = domains_.at(dom);
    return store_.put_domain(dom, cat(e.mfn, " ", e.port, " ",
                                      e.has_target ? std::to_string(e.target) : "-"));
}

Status Server::introduce(DomainId dom, std::uint64_t mfn, std::uint32_t port) {
    auto it = domains_.find(dom);
    if (it != domains_.end() && it->second.ended && it->second.client == 0) {
        // A dead domain nobody released; its id is in use again.
        domains_.erase(it);
        it = domains_.end();
    }
    if (it != domains_.end()) {
        // Introducing again with the same ring is harmless (xend retries).
        if (it->second.mfn == mfn && it->second.port == port) return {};
        return make_error(cat("domain ", dom, " is already introduced"), EINVAL);
    }
    DomainEntry entry{mfn, port, 0, false, 0};
    Result<std::uint64_t> id = connect_ring(dom, entry);
    if (!id) return std::move(id).error();
    entry.client = *id;
    domains_[dom] = entry;
    return persist_domain(dom);
}

// Xen's rule: @releaseDomain fires when an introduced domain shuts down,
// crashes or dies, so toolstacks learn of it without polling; the domain
// stays introduced until the toolstack RELEASEs it.
Status Server::watch_domain_events() {
    if (!rings_) return {};
    auto events = rings_->domain_events();
    if (!events) {
        if (events.error().code != ENOSYS)
            log_error(events.error().context("no @releaseDomain on domain death"));
        return {};
    }
    domain_events_ = std::move(*events);
    return loop_.add_fd(domain_events_->fd(), EPOLLIN,
                        [this](std::uint32_t) { return on_domain_event(); });
}

// A dying or vanished domain's ring is unmapped at once: on Xen our grant
// mapping would keep its memory and leave it a zombie. Its entry stays
// until RELEASE (or until the id is introduced again), as before.
Status Server::on_domain_event() {
    Status acked = domain_events_->ack();
    bool fire = false;
    for (auto& [dom, entry] : domains_) {
        if (!entry.ended && rings_->domain_ended(dom)) {
            entry.ended = true;
            fire = true;
            log_info(cat("domain ", dom, " has ended"));
        }
        if (entry.ended && entry.client != 0 && rings_->domain_gone(dom)) {
            close_client(entry.client, "ring unmapped: the domain is dying or gone");
            entry.client = 0;
        }
    }
    if (fire) {
        fire_special(ctx_, "@releaseDomain");
        finish_pass();
    }
    return acked;
}

Status Server::release(DomainId dom) {
    auto it = domains_.find(dom);
    if (it == domains_.end()) return make_error(cat("domain ", dom, " is not introduced"), ENOENT);
    if (it->second.client) close_client(it->second.client, "released");
    domains_.erase(it);
    return store_.remove_domain(dom);
}

Status Server::resume(DomainId dom) {
    if (!domains_.contains(dom))
        return make_error(cat("domain ", dom, " is not introduced"), ENOENT);
    return {};
}

bool Server::introduced(DomainId dom) const { return domains_.contains(dom); }

Status Server::set_target(DomainId dom, DomainId target) {
    auto it = domains_.find(dom);
    if (it == domains_.end()) return make_error(cat("domain ", dom, " is not introduced"), ENOENT);
    it->second.has_target = true;
    it->second.target = target;
    if (Client* cl = find(it->second.client)) {
        cl->conn.caller.has_target = true;
        cl->conn.caller.target = target;
    }
    return persist_domain(dom);
}

void Server::reconnect_domain(DomainId dom, const std::string& record) {
    std::istringstream in(record);
    DomainEntry entry;
    std::string target;
    if (!(in >> entry.mfn >> entry.port >> target)) {
        log_warnx(cat("domain ", dom, ": unreadable record '", record, "' in the store"));
        return;
    }
    if (target != "-") {
        auto [end, ec] = std::from_chars(target.data(), target.data() + target.size(),
                                         entry.target);
        entry.has_target = ec == std::errc() && end == target.data() + target.size();
    }
    Result<std::uint64_t> id = connect_ring(dom, entry);
    if (id) entry.client = *id;
    else log_warnx(id.error().message);
    domains_[dom] = entry;
}

void Server::reconnect_domains() {
    for (const auto& [dom, record] : store_.domains()) reconnect_domain(dom, record);
}

// After a rolled-back commit: the domain table follows the store again
// (an INTRODUCE whose record was not committed is undone, a RELEASE whose
// removal was not committed reconnects the ring).
void Server::reconcile_domains() {
    for (auto it = domains_.begin(); it != domains_.end();) {
        if (store_.domains().contains(it->first)) {
            ++it;
            continue;
        }
        if (it->second.client) close_client(it->second.client, "introduction rolled back");
        it = domains_.erase(it);
    }
    for (const auto& [dom, record] : store_.domains())
        if (!domains_.contains(dom)) reconnect_domain(dom, record);
}

std::string Server::describe() const {
    return cat("domains ", domains_.size(), "\nconnections ", clients_.size(), "\nnodes ",
               store_.node_count(), "\nwatches ", watches_.size(), "\n");
}

}  // namespace xvm::xs
