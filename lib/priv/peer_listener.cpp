#include "lib/priv/peer_listener.h"

#include <sys/epoll.h>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/unix_socket.h"

namespace xvm {
namespace {

bool out_of_descriptors(int err) {
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

}  // namespace

PeerListener::PeerListener(EventLoop& loop, UniqueFd fd, const PrivDb& db, Policy policy,
                           OnPeer admitted, OnPeer refused)
    : loop_(loop),
      listen_(std::move(fd)),
      db_(db),
      policy_(std::move(policy)),
      on_admitted_(std::move(admitted)),
      on_refused_(std::move(refused)),
      refusals_(loop, policy_.what) {}

Result<std::unique_ptr<PeerListener>> PeerListener::start(EventLoop& loop, UniqueFd listen_fd,
                                                          const PrivDb& db, Policy policy,
                                                          OnPeer on_admitted, OnPeer on_refused) {
    std::unique_ptr<PeerListener> l(new PeerListener(loop, std::move(listen_fd), db,
                                                     std::move(policy), std::move(on_admitted),
                                                     std::move(on_refused)));
    if (Status s = l->watch(); !s) return std::move(s).error();
    return l;
}

PeerListener::~PeerListener() {
    loop_.remove_fd(listen_.get());
    if (resume_timer_ != 0) loop_.cancel_timer(resume_timer_);
}

Status PeerListener::watch() {
    return loop_.add_fd(listen_.get(), EPOLLIN, [this](std::uint32_t) { return on_readable(); });
}

Status PeerListener::on_readable() {
    for (int i = 0; i < kAcceptBurst; ++i) {
        Result<UniqueFd> fd = accept_unix(listen_.get());
        if (fd) {
            if (starved_) log_info(cat(policy_.what, ": accepting connections again"));
            starved_ = false;
            admit_or_refuse(std::move(*fd));
            continue;
        }
        int err = fd.error().code;
        if (err == EAGAIN) return {};
        if (out_of_descriptors(err)) {
            back_off(fd.error());
            return {};
        }
        // ECONNABORTED, EPROTO, EINTR...: that one connection is gone.
        if (err != ECONNABORTED && err != EPROTO && err != EINTR)
            return std::move(fd).error().context(policy_.what);
    }
    return {};
}

// Stop watching the socket (it stays readable while connections wait, so
// the loop would spin) and look again after kBackOff.
void PeerListener::back_off(const Error& why) {
    if (!starved_)
        log_warnx(cat(policy_.what, ": ", why.message, "; not accepting for ", kBackOff.count(),
                      " s at a time until descriptors are free"));
    starved_ = true;
    loop_.remove_fd(listen_.get());
    resume_timer_ = loop_.add_timer(kBackOff, [this] {
        resume_timer_ = 0;
        return watch();
    });
}

void PeerListener::admit_or_refuse(UniqueFd fd) {
    Result<PeerCred> peer = get_peer_cred(fd.get(), db_);
    if (!peer) {
        refusals_.refused(static_cast<uid_t>(-1),
                          cat("refused ", policy_.what, ": ", peer.error().message));
        return;
    }
    if (policy_.everyone || db_.permits(*peer, policy_.any_of)) {
        on_admitted_(std::move(fd), std::move(*peer));
        return;
    }
    refusals_.refused(peer->uid, cat("refused ", policy_.what, " for uid ", peer->uid, " pid ",
                                     peer->pid, ": needs ", db_.describe_any(policy_.any_of)));
    if (on_refused_) on_refused_(std::move(fd), std::move(*peer));
}

}  // namespace xvm
