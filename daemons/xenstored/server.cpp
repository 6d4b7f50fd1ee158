#include "daemons/xenstored/server.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/xen/ring.h"
#include "lib/priv/ucred.h"
#include "lib/base/unix_socket.h"

namespace xvm::xs {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kReadChunk = 64 * 1024;
// A refused peer that never sends a request is dropped after this.
constexpr auto kRefusedGrace = 5s;
// A connection with this much output unsent is not read or served.
constexpr std::size_t kPauseOutput = 64 * 1024;
// Rounds of serve-then-write for one readiness event before others' turn.
constexpr int kServeRounds = 8;

}  // namespace


Server::Server(const Config& config, EventLoop& loop, Store& store, const PrivDb& privdb,
               std::unique_ptr<RingBackend> rings)
    : config_(config),
      loop_(loop),
      store_(store),
      privdb_(privdb),
      rings_(std::move(rings)),
      ctx_{store, watches_, config.quotas, *this,
           [this](const Watch& w, std::string_view p, const EventPerms& perms) {
               queue_event(w, p, perms);
           }},
      hook_(CommitHook::from_environment()) {
    auto set = privdb_.names().set_of({"xvm_control", "virt_manage"});
    if (set) required_ = *set;
    if (!config_.trace_file.empty()) {
        trace_fd_.reset(::open(config_.trace_file.c_str(),
                               O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
        trace_ = trace_fd_.valid();
    }
}

Server::~Server() {
    for (auto& [id, cl] : clients_) {
        if (cl->fd) loop_.remove_fd(cl->fd.get());
        if (cl->is_ring && cl->ring.channel) loop_.remove_fd(cl->ring.channel->fd());
    }
}

Status Server::serve(UniqueFd socket_rw, UniqueFd socket_ro) {
    if (Status s = listen(std::move(socket_rw), false); !s) return s;
    if (Status s = listen(std::move(socket_ro), true); !s) return s;
    return watch_domain_events();
}

Status Server::listen(UniqueFd fd, bool read_only) {
    PeerListener::Policy policy{read_only ? "xenstore socket_ro" : "xenstore socket", required_};
    auto on = [this, read_only](bool admitted) {
        return [this, read_only, admitted](UniqueFd conn, PeerCred peer) {
            on_peer(std::move(conn), peer, read_only, admitted);
            finish_pass();
        };
    };
    auto l = PeerListener::start(loop_, std::move(fd), privdb_, policy, on(true), on(false));
    if (!l) return std::move(l).error();
    (read_only ? listen_ro_ : listen_rw_) = std::move(*l);
    return {};
}

Server::Client& Server::add_client(bool read_only) {
    auto cl = std::make_unique<Client>();
    cl->conn.id = next_id_++;
    cl->conn.read_only = read_only;
    cl->conn.caller = Caller{0, true, 0, false};
    Client& ref = *cl;
    clients_.emplace(ref.conn.id, std::move(cl));
    return ref;
}

Server::Client* Server::find(std::uint64_t id) {
    auto it = clients_.find(id);
    return it == clients_.end() ? nullptr : it->second.get();
}

Connection& Server::adopt_socket(UniqueFd fd, bool read_only, const std::string& label) {
    Client& cl = add_client(read_only);
    cl.fd = std::move(fd);
    cl.conn.label = label;
    std::uint64_t id = cl.conn.id;
    cl.armed = EPOLLIN;
    Status s = loop_.add_fd(cl.fd.get(), EPOLLIN,
                            [this, id](std::uint32_t ev) { return on_socket_event(id, ev); });
    if (!s) {
        log_error(s.error());
        cl.conn.closing = true;
        doomed_.push_back(id);
    }
    return cl.conn;
}

// A peer that failed the check (PeerListener logged it) is answered
// EACCES on its first request and dropped, or dropped after a grace period
// if it sends none.
void Server::on_peer(UniqueFd fd, const PeerCred& peer, bool read_only, bool admitted) {
    std::string label = cat(read_only ? "socket_ro" : "socket", " uid ", peer.uid, " pid ", peer.pid);
    Connection& conn = adopt_socket(std::move(fd), read_only, label);
    // Not root: dom0's rights under the user quotas.
    conn.caller.user = peer.uid != 0;
    conn.caller.uid = peer.uid;
    if (admitted) return;
    Client* cl = find(conn.id);
    cl->refused = true;
    std::uint64_t id = conn.id;
    cl->timer = loop_.add_timer(kRefusedGrace, [this, id] {
        if (Client* c = find(id)) c->timer = 0;
        close_client(id, "");
        finish_pass();
        return Status();
    });
}

Status Server::on_socket_event(std::uint64_t id, std::uint32_t events) {
    Client* cl = find(id);
    if (!cl || cl->conn.closing) return {};
    if (events & EPOLLOUT) {
        if (!write_socket(*cl)) {
            finish_pass();
            return {};
        }
    }
    bool eof = false;
    // A connection whose output is full is not read: its requests wait in
    // the socket, and the kernel's buffer pushes back on the client.
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !output_full(cl->conn)) {
        // Bounded: a few chunks per pass, then others get their turn. Read
        // into one scratch buffer: growing `in` first would zero-fill it.
        static char chunk[kReadChunk];
        for (int i = 0; i < 4; ++i) {
            ssize_t n = ::read(cl->fd.get(), chunk, kReadChunk);
            if (n > 0) cl->conn.in.append(chunk, n);
            if (n > 0 && static_cast<std::size_t>(n) == kReadChunk) continue;
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) eof = true;
            break;
        }
    }
    serve_buffered(*cl);
    if (eof) close_client(id, "");
    finish_pass();
    return {};
}

// Serves what is buffered; when the output fills, writes what the client
// has room for and goes on, so a client that reads is never stalled with
// requests already buffered and nothing to wake us.
void Server::serve_buffered(Client& cl) {
    for (int round = 0; round < kServeRounds; ++round) {
        process_input(cl);
        if (cl.conn.closing || !output_full(cl.conn)) break;
        if (!write_socket(cl)) return;
        if (output_full(cl.conn)) break;  // not reading: wait for EPOLLOUT
    }
    if (!cl.conn.closing) update_interest(cl);
}

bool Server::output_full(const Connection& conn) const {
    return conn.pending_output() >= std::min(kPauseOutput, config_.quotas.output_bytes);
}

void Server::update_interest(Client& cl) {
    if (cl.is_ring || !cl.fd) return;
    std::uint32_t want = (output_full(cl.conn) ? 0u : std::uint32_t(EPOLLIN)) |
                         (cl.conn.pending_output() > 0 ? std::uint32_t(EPOLLOUT) : 0u);
    if (want == cl.armed) return;
    cl.armed = want;
    Status s = loop_.modify_fd(cl.fd.get(), want);
    if (!s) log_error(s.error());
}

// Serves every complete request in the input buffer, until the output is
// full. Broken framing drops the connection; guests are limited to
// quota-outstanding requests per pass so one busy guest cannot starve the
// rest.
void Server::process_input(Client& cl) {
    Connection& conn = cl.conn;
    std::size_t off = 0, served = 0;
    while (!conn.closing && !output_full(conn)) {
        auto parsed = xs_parse(std::span<const char>(conn.in.data() + off, conn.in.size() - off));
        if (!parsed) {
            log_warnx(cat(conn.label, ": ", parsed.error().message, "; disconnecting"));
            close_client(conn.id, "");
            return;
        }
        if (!*parsed) break;
        const XsMessage& msg = **parsed;
        if (cl.refused) {
            xs_append_error(conn.out, msg.header.req_id, msg.header.tx_id, EACCES);
            conn.closing = true;
            mark_dirty(conn);
            break;
        }
        if (trace_) trace(conn, msg);
        touched_.clear();
        std::size_t mark = conn.out.size();
        dispatch(ctx_, conn, msg);
        if (store_.pending()) commit_request(conn, msg, mark);
        off += msg.wire_size();
        mark_dirty(conn);
        if (!conn.caller.privileged && ++served >= config_.quotas.outstanding) break;
    }
    conn.in.erase(0, off);
}

// Commits what one request changed. On failure the store is already rolled
// back; the request's reply and the events it queued are taken back and it
// is answered with the failure (ENOSPC for a full disk).
void Server::commit_request(Connection& conn, const XsMessage& msg, std::size_t mark) {
    Status s = hook_ ? hook_->before_commit() : Status();
    if (s) s = store_.commit();
    else store_.rollback();
    if (s) {
        if (failed_commits_ > 0)
            log_info(cat("store commits succeed again after ", failed_commits_, " failed"));
        failed_commits_ = 0;
        return;
    }
    if (failed_commits_++ == 0)
        log_error(s.error().context(cat("cannot commit the store (", conn.label, " ",
                                        xs_type_name(msg.header.type), "); the request is "
                                        "answered with an error and serving goes on; further "
                                        "failures are not logged until a commit succeeds")));
    for (auto& [id, size] : touched_)
        if (Client* c = find(id); c && c->conn.out.size() >= size) c->conn.out.resize(size);
    touched_.clear();
    conn.out.resize(mark);
    int code = s.error().code == ENOSPC ? ENOSPC : EIO;
    xs_append_error(conn.out, msg.header.req_id, msg.header.tx_id, code);
    reconcile_domains();
}

void Server::mark_dirty(Connection& conn) {
    if (dirty_.empty() || dirty_.back() != conn.id) dirty_.push_back(conn.id);
}

namespace {

// Xen's watch_permitted(): the old permissions, the node's or its parent's.
bool may_see(const Caller& caller, const EventPerms& p) {
    if (!p.old && !p.node && !p.parent) return true;
    for (const Perms* perms : {p.old, p.node, p.parent})
        if (perms && (perms_for(caller, *perms) & kPermRead)) return true;
    return false;
}

}  // namespace

// The watch event path, permission filter and output bound.
void Server::queue_event(const Watch& w, std::string_view path, const EventPerms& perms) {
    Connection& conn = *w.conn;
    if (conn.closing) return;
    if (!may_see(conn.caller, perms)) return;
    if (w.strip && path.size() > w.strip) path.remove_prefix(w.strip);
    std::size_t size = sizeof(xsd_sockmsg) + path.size() + w.token.size() + 2;
    Client* cl = find(conn.id);
    if (conn.pending_output() + size > config_.quotas.output_bytes) {
        if (cl && cl->is_ring) {
            // A guest cannot be dropped and reconnected: it loses events
            // until it reads its ring again.
            if (cl->dropped++ == 0)
                log_warnx(cat(conn.label, ": more than ", config_.quotas.output_bytes,
                              " bytes of output unread (quota-output-bytes); dropping its watch "
                              "events until it reads its ring"));
            return;
        }
        log_warnx(cat(conn.label, ": more than ", config_.quotas.output_bytes,
                      " bytes of output unread (quota-output-bytes); disconnecting"));
        conn.out.clear();
        conn.out_sent = 0;
        close_client(conn.id, "");
        return;
    }
    if (std::none_of(touched_.begin(), touched_.end(),
                     [&](const auto& t) { return t.first == conn.id; }))
        touched_.emplace_back(conn.id, conn.out.size());
    xsd_sockmsg h{XS_WATCH_EVENT, 0, 0,
                  static_cast<std::uint32_t>(path.size() + w.token.size() + 2)};
    conn.out.append(reinterpret_cast<const char*>(&h), sizeof h);
    conn.out.append(path);
    conn.out += '\0';
    conn.out.append(w.token);
    conn.out += '\0';
    mark_dirty(conn);
}

// Commit first, then write: no reply or event leaves before its change is
// in the tdb. Requests commit as they are served (commit_request); this
// catches changes made outside a request.
void Server::finish_pass() {
    if (store_.pending()) {
        Status c = store_.commit();  // rolled back on failure
        if (!c) log_error(c.error().context("cannot commit the store"));
    }
    touched_.clear();
    std::vector<std::uint64_t> dirty;
    dirty.swap(dirty_);
    std::sort(dirty.begin(), dirty.end());
    dirty.erase(std::unique(dirty.begin(), dirty.end()), dirty.end());
    for (std::uint64_t id : dirty) {
        Client* cl = find(id);
        if (!cl) continue;
        if (cl->is_ring) write_ring(*cl);
        else if (write_socket(*cl) && cl->conn.closing && cl->conn.pending_output() == 0)
            close_client(id, "");
    }
    std::vector<std::uint64_t> doomed;
    doomed.swap(doomed_);
    for (std::uint64_t id : doomed) {
        auto it = clients_.find(id);
        if (it == clients_.end()) continue;
        Client& cl = *it->second;
        if (cl.timer) loop_.cancel_timer(cl.timer);
        if (cl.fd) loop_.remove_fd(cl.fd.get());
        if (cl.is_ring && cl.ring.channel) loop_.remove_fd(cl.ring.channel->fd());
        watches_.remove_all(&cl.conn, cl.conn.watches);
        for (auto& [dom, entry] : domains_)
            if (entry.client == id) entry.client = 0;
        clients_.erase(it);
    }
}

// Writes queued output; false if the connection had to be closed.
bool Server::write_socket(Client& cl) {
    Connection& conn = cl.conn;
    while (conn.pending_output() > 0) {
        ssize_t n = ::send(cl.fd.get(), conn.out.data() + conn.out_sent, conn.pending_output(),
                           MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            conn.out_sent += n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        close_client(conn.id, "");
        return false;
    }
    if (conn.pending_output() == 0) {
        conn.out.clear();
        // Give back a buffer a burst of events grew (it stays bounded anyway).
        if (conn.out.capacity() > kPauseOutput) conn.out.shrink_to_fit();
        conn.out_sent = 0;
    } else if (conn.out_sent > kPauseOutput) {
        conn.out.erase(0, conn.out_sent);
        conn.out_sent = 0;
    }
    if (!conn.closing) update_interest(cl);
    return true;
}

void Server::close_client(std::uint64_t id, std::string_view why) {
    Client* cl = find(id);
    if (!cl) return;
    if (!why.empty()) log_info(cat(cl->conn.label, ": ", why));
    cl->conn.closing = true;
    cl->conn.transactions.clear();
    if (std::find(doomed_.begin(), doomed_.end(), id) == doomed_.end()) doomed_.push_back(id);
}

void Server::trace(const Connection& conn, const XsMessage& msg) {
    std::string line = cat(conn.label, " ", xs_type_name(msg.header.type), " req ",
                           msg.header.req_id, " tx ", msg.header.tx_id, " len ",
                           msg.header.len, "\n");
    if (trace_fd_) (void)!::write(trace_fd_.get(), line.data(), line.size());
    else log_info(line.substr(0, line.size() - 1));
}

}  // namespace xvm::xs
