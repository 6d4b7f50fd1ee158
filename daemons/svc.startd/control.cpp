#include "daemons/svc.startd/control.h"

#include <pwd.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/paths.h"
#include "lib/smf/rbac.h"
#include "lib/smf/smf_fmri.h"
#include "lib/smf/smf_control.h"
#include "lib/base/unix_socket.h"
#include "daemons/svc.startd/svclog.h"

namespace xvm::startd {

Result<std::unique_ptr<ControlServer>> ControlServer::create(EventLoop& loop, Restarter& restarter) {
    auto db = PrivDb::load_installed();
    if (!db) return std::move(db).error();
    std::unique_ptr<ControlServer> s(new ControlServer(loop, restarter, std::move(*db)));
    std::string dir = root_path("/etc/svc/volatile");
    if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return errno_error(cat("cannot create ", dir));
    auto fd = listen_unix(root_path(smf::kControlSocket));
    if (!fd) return std::move(fd).error();
    // Everyone may connect: each request is judged by RBAC (authorize()).
    ControlServer* self = s.get();
    auto l = PeerListener::start(loop, std::move(*fd), s->db_,
                                 {.what = "svc.startd control socket", .any_of = {}, .everyone = true},
                                 [self](UniqueFd c, PeerCred p) { self->on_peer(std::move(c), std::move(p)); });
    if (!l) return std::move(l).error();
    s->listener_ = std::move(*l);
    return s;
}

ControlServer::~ControlServer() {
    for (auto& [fd, c] : conns_) loop_.remove_fd(fd);
}

void ControlServer::on_peer(UniqueFd fd, PeerCred peer) {
    // A bound on the clients held at once keeps descriptors for the
    // restarter's own work (logs, contracts, methods): one more is told to
    // come back and closed at once, with one log line per episode.
    if (conns_.size() >= kMaxClients) {
        if (!saturated_)
            log_warnx(cat(kMaxClients, " clients on the control socket: refusing more until one finishes"));
        saturated_ = true;
        std::string busy = smf::encode_reply(make_error("svc.startd is busy; try again", EAGAIN));
        (void)!::write(fd.get(), busy.data(), busy.size());  // a short reply into an empty buffer, or nothing
        return;
    }
    saturated_ = false;
    int raw = fd.get();
    std::uint64_t serial = ++serial_;
    conns_[raw] = Conn{std::move(fd), std::move(peer), {}, serial};
    // A client gets kTimeBudget to send its request line, then is dropped;
    // the serial tells a reused descriptor from this one.
    loop_.add_timer(kTimeBudget, [this, raw, serial]() -> Status {
        auto it = conns_.find(raw);
        if (it != conns_.end() && it->second.serial == serial)
            finish(raw, make_error("no request within the time budget", ETIMEDOUT));
        return {};
    });
    auto st = loop_.add_fd(raw, EPOLLIN, [this, raw](std::uint32_t) { return on_readable(raw); });
    if (!st) {
        log_error(st.error());
        conns_.erase(raw);
    }
}

// Root may do anything; everyone else is judged by smf_auth.h on the
// current configuration of the entity (and of its service).
Status ControlServer::authorize(const PeerCred& peer, const smf::Request& r) {
    if (peer.uid == 0) return {};
    auto own = restarter_.repo().current(r.entity);
    if (!own) return std::move(own).error();
    std::optional<smf::PgSet> service;
    if (r.entity.find(':') != std::string::npos) {
        auto svc = restarter_.repo().current(smf::service_of(r.entity));
        if (!svc) return std::move(svc).error();
        service = std::move(*svc);
    }
    smf::AuthScope scope{&*own, service ? &*service : nullptr};
    return check(peer, smf::needed_for(r, scope), r.entity);
}

Status ControlServer::check(const PeerCred& peer, const smf::Needed& needed, const std::string& entity) {
    if (peer.uid == 0 || needed.anyone) return {};
    struct passwd* pw = ::getpwuid(peer.uid);
    std::vector<std::string> held = pw ? user_authorizations(pw->pw_name) : std::vector<std::string>{};
    if (smf::permits(needed, held)) return {};
    log_warnx(cat("denied ", printable(needed.what), " on svc:/", printable(entity), " to uid ", peer.uid, " pid ", peer.pid, ": needs ",
                  needed.any.empty() ? std::string("root") : join(needed.any, " or ")));
    return make_error(smf::denial(needed, entity), EPERM);
}

// "read entity view pg": the group as the real repository has it, for a
// caller allowed to read it (smf_auth.h: needed_to_read).
Result<std::string> ControlServer::read_group(const PeerCred& peer, const smf::Request& r) {
    if (r.args.size() != 2) return make_error("read: expected a view and a property group");
    smf::Repository& repo = restarter_.repo();
    auto view = repo.view(r.entity, r.args[0]);
    if (!view) return std::move(view).error();
    const smf::PropertyGroup* g = view->find(r.args[1]);
    if (g == nullptr)
        return make_error(cat("svc:/", r.entity, " has no property group ", r.args[1], " in view ", r.args[0]), ENOENT);
    // The current view of an instance takes missing authorization
    // properties from its service; the other views are composed already.
    std::optional<smf::PgSet> service;
    if (r.args[0] == "current" && r.entity.find(':') != std::string::npos) {
        auto svc = repo.current(smf::service_of(r.entity));
        if (!svc) return std::move(svc).error();
        service = std::move(*svc);
    }
    smf::AuthScope scope{&*view, service ? &*service : nullptr};
    if (auto st = check(peer, smf::needed_to_read(scope, r.args[1]), r.entity); !st) return std::move(st).error();
    return smf::encode(smf::PgSet{{*g}});
}

Status ControlServer::on_readable(int fd) {
    Conn& c = conns_.at(fd);
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return {};
    if (n <= 0) {
        loop_.remove_fd(fd);
        conns_.erase(fd);
        return {};
    }
    c.in.append(buf, static_cast<std::size_t>(n));
    auto nl = c.in.find('\n');
    if (nl == std::string::npos) {
        if (c.in.size() > smf::kMaxRequest) finish(fd, make_error("request too long"));
        return {};
    }
    auto request = smf::decode_request(c.in.substr(0, nl));
    if (!request) {
        finish(fd, request.error());
        return {};
    }
    if (smf::kind_of(request->verb) == smf::RequestKind::Unknown) {
        finish(fd, make_error(cat("unknown request \"", request->verb, "\"")));
        return {};
    }
    if (smf::kind_of(request->verb) == smf::RequestKind::Read) {
        auto value = read_group(c.peer, *request);
        if (value) finish_value(fd, *value);
        else finish(fd, Status(std::move(value).error()));
        return {};
    }
    Status st = authorize(c.peer, *request);
    if (st) st = smf::apply_request(restarter_.repo(), *request);
    // Acted on before the reply, so a client that sees "ok" sees the
    // restarter's first reaction too (consumed actions, started methods).
    if (st) restarter_.evaluate();
    finish(fd, st);
    return {};
}

void ControlServer::finish(int fd, const Status& result) { reply(fd, smf::encode_reply(result)); }

void ControlServer::finish_value(int fd, const std::string& payload) { reply(fd, smf::encode_value_reply(payload)); }

void ControlServer::reply(int fd, const std::string& text) {
    // One reply per connection into an empty socket buffer; a reply larger
    // than the buffer (a big protected group) is cut off if the peer does
    // not read, and a peer that is gone simply misses it. The socket is
    // non-blocking: the loop never waits on a client.
    (void)!::write(fd, text.data(), text.size());
    loop_.remove_fd(fd);
    conns_.erase(fd);
}

}  // namespace xvm::startd
