// The console socket: PeerListener admits peers holding xvm_control or
// virt_manage (DESIGN.md section 2) and logs each refusal with uid and
// pid; a refused peer is told why in the protocol's own words (one ERROR
// frame) before it is closed. Admitted peers become Sessions; ATTACH
// names a domain by id or by the name the store gives it.
#include <sys/socket.h>

#include "daemons/xenconsoled/server.h"
#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm::console {

Status Server::serve(UniqueFd listen_fd) {
    auto any_of = privdb_.names().set_of({"xvm_control", "virt_manage"});
    if (!any_of) return any_of.error().context("xenconsoled: privilege table");
    auto admit = [this](UniqueFd fd, PeerCred peer) { on_admitted(std::move(fd), std::move(peer)); };
    auto refuse = [this](UniqueFd fd, PeerCred peer) { on_refused(std::move(fd), std::move(peer)); };
    auto l = PeerListener::start(loop_, std::move(listen_fd), privdb_,
                                 {"the console socket", *any_of}, admit, refuse);
    if (!l) return std::move(l).error();
    listener_ = std::move(*l);
    return {};
}

void Server::on_refused(UniqueFd fd, PeerCred peer) {
    std::string frame = cons::encode_error(
        EACCES, cat("permission denied: xenconsoled serves only users holding xvm_control or ",
                    "virt_manage (uid ", peer.uid, " holds neither)"));
    // Best effort and never blocking: the peer is closed either way.
    (void)::send(fd.get(), frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

void Server::on_admitted(UniqueFd fd, PeerCred peer) {
    if (sessions_.size() >= kMaxSessions) {
        std::string frame = cons::encode_error(
            EMFILE, cat("xenconsoled already serves ", kMaxSessions, " console clients"));
        (void)::send(fd.get(), frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        log_warnx(cat("console client uid ", peer.uid, " pid ", peer.pid, " turned away: ",
                      kMaxSessions, " clients already"));
        return;
    }
    std::uint64_t id = next_session_++;
    auto s = std::make_unique<Session>(loop_, *this, std::move(fd), std::move(peer), id);
    if (Status st = s->start(); !st) {
        log_error(st.error());
        return;
    }
    sessions_[id] = std::move(s);
}

Result<GuestConsole*> Server::resolve(const std::string& text) {
    cons::DomainRef ref = cons::parse_domain_ref(text);
    if ((ref.id && *ref.id == kDom0) || ref.name == "Domain-0")
        return make_error("domain 0 (Domain-0) has no console here: its console is the host's",
                          EINVAL);
    GuestConsole* found = nullptr;
    if (ref.id) {
        auto it = consoles_.find(*ref.id);
        if (it != consoles_.end()) found = it->second.get();
    } else {
        // Names come from the store, where each guest can rewrite its own:
        // a name two domains claim names neither.
        std::vector<std::string> owners;
        for (auto& [dom, c] : consoles_) {
            if (c->name() != ref.name) continue;
            found = c.get();
            owners.push_back(cat(dom));
        }
        if (owners.size() > 1)
            return make_error(cat("the name '", ref.name, "' is claimed by domains ",
                                  join(owners, ", "), ": use a domain id"),
                              EINVAL);
    }
    if (found == nullptr)
        return make_error(ref.id ? cat("no such domain: ", *ref.id)
                                 : cat("no such domain: '", ref.name, "'"),
                          ENOENT);
    if (!found->served())
        return make_error(cat("domain ", found->label(), " has a console of type ",
                              found->foreign_type(), ", served by its device model"),
                          ENODEV);
    return found;
}

void Server::on_attach(Session& s, const cons::Attach& request) {
    auto c = resolve(request.domain);
    if (!c) return s.fail(c.error().code, c.error().message);
    if (Status st = (*c)->attach(s, request); !st) return s.fail(st.error().code, st.error().message);
    log_info(cat("console client ", s.who(), " attached to domain ", (*c)->label(), " as ",
                 s.role() == cons::Role::kWriter ? "writer" : "viewer"));
}

bool Server::on_input(Session& s, std::string_view bytes) {
    auto dom = s.domain();
    auto it = dom ? consoles_.find(*dom) : consoles_.end();
    if (it == consoles_.end()) return true;  // the domain is going: the session closes
    return it->second->input(s, bytes);
}

void Server::retire(Session& s) {
    if (auto dom = s.domain()) {
        auto it = consoles_.find(*dom);
        if (it != consoles_.end()) it->second->detach(s);
        s.forget_domain();
        log_info(cat("console client ", s.who(), " left domain ", *dom));
    }
    retired_.push_back(s.id());
    if (reap_timer_ == 0)
        reap_timer_ = loop_.add_timer(std::chrono::milliseconds(0), [this] {
            reap_timer_ = 0;
            reap();
            return Status();
        });
}

void Server::reap() {
    for (std::uint64_t id : retired_) sessions_.erase(id);
    retired_.clear();
}

}  // namespace xvm::console
