#include "daemons/svc.startd/control.h"

#include <pwd.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/paths.h"
#include "lib/smf/rbac.h"
#include "lib/smf/smf_control.h"
#include "lib/base/unix_socket.h"

namespace xvm::startd {
namespace {

std::vector<std::string> values(const smf::PgSet& set, std::string_view pg, std::string_view prop) {
    const smf::Property* p = set.find(pg, prop);
    return p ? p->values : std::vector<std::string>{};
}

}  // namespace

std::vector<std::string> required_authorizations(const smf::Request& r, const smf::PgSet& composed) {
    std::vector<std::string> any;
    switch (smf::kind_of(r.verb)) {
    case smf::RequestKind::Notify:
        return {"*"};  // anyone may wake the restarter; it changes nothing
    case smf::RequestKind::Action:
        any = values(composed, "general", "action_authorization");
        any.push_back("solaris.smf.manage");
        break;
    case smf::RequestKind::Property:
        if (r.verb == "setprop" || (r.verb == "delprop" && r.args.size() > 1)) {
            // The group's own value_authorization, else the entity's.
            const std::string pg = r.args.empty() ? "" : r.args[0];
            any = values(composed, pg, "value_authorization");
            if (any.empty()) any = values(composed, "general", "value_authorization");
        }
        any.push_back("solaris.smf.modify");
        break;
    case smf::RequestKind::Unknown:
        break;
    }
    return any;
}

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

Status ControlServer::authorize(const PeerCred& peer, const smf::Request& r) {
    if (peer.uid == 0) return {};
    auto composed = r.entity.find(':') != std::string::npos
                        ? restarter_.repo().composed_current(r.entity)
                        : restarter_.repo().current(r.entity);
    if (!composed) return std::move(composed).error();
    auto needed = required_authorizations(r, *composed);
    if (!needed.empty() && needed.front() == "*") return {};
    struct passwd* pw = ::getpwuid(peer.uid);
    std::vector<std::string> held = pw ? user_authorizations(pw->pw_name) : std::vector<std::string>{};
    for (const std::string& n : needed)
        if (has_authorization(held, n)) return {};
    std::string want = needed.empty() ? "root" : needed.front();
    log_warnx(cat("denied ", r.verb, " on svc:/", r.entity, " to uid ", peer.uid, " pid ", peer.pid,
                  ": lacks ", want));
    return make_error(cat("permission denied: ", r.verb, " on svc:/", r.entity,
                          " requires authorization ", want),
                      EPERM);
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
    Status st = authorize(c.peer, *request);
    if (st) st = smf::apply_request(restarter_.repo(), *request);
    // Acted on before the reply, so a client that sees "ok" sees the
    // restarter's first reaction too (consumed actions, started methods).
    if (st) restarter_.evaluate();
    finish(fd, st);
    return {};
}

void ControlServer::finish(int fd, const Status& result) {
    std::string reply = smf::encode_reply(result);
    // A short reply into an empty socket buffer; a peer that is gone
    // simply misses it.
    (void)!::write(fd, reply.data(), reply.size());
    loop_.remove_fd(fd);
    conns_.erase(fd);
}

}  // namespace xvm::startd
