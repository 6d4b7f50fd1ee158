// The one accept loop of every daemon socket (docs/design.md section 2: peer
// checks replace "uid 0"). For each connection it
//   - accepts (non-blocking, close-on-exec), at most kAcceptBurst per
//     wake-up so a connection storm cannot starve established clients;
//   - captures the peer's credentials from the kernel (SO_PEERCRED and
//     SO_PEERGROUPS, ucred.h) - never from anything the client says;
//   - makes one permits() decision against the policy;
//   - hands an admitted peer to the daemon, and a refused one too (so the
//     daemon can say why in its own protocol) after one refusal line with
//     uid and pid, rate-limited per uid (refusal_log.h).
// When the process runs out of descriptors (EMFILE, ENFILE, ENOBUFS,
// ENOMEM) it stops accepting for kBackOff and says so in one log line per
// episode, instead of spinning on a listening socket that stays readable.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "lib/base/event_loop.h"
#include "lib/base/result.h"
#include "lib/base/unique_fd.h"
#include "lib/priv/priv_db.h"
#include "lib/priv/refusal_log.h"
#include "lib/priv/ucred.h"

namespace xvm {

class PeerListener {
public:
    static constexpr int kAcceptBurst = 256;
    static constexpr auto kBackOff = std::chrono::seconds(1);

    struct Policy {
        std::string what;  // "xenstore socket": named in every log line
        PrivSet any_of;    // the peer must hold one of these ...
        bool everyone = false;  // ... unless everyone is admitted (the
                                // daemon then decides per request)
    };
    using OnPeer = std::function<void(UniqueFd fd, PeerCred peer)>;

    // Starts watching `listen_fd` in `loop`. `on_refused` may be empty:
    // the connection is then simply closed.
    static Result<std::unique_ptr<PeerListener>> start(EventLoop& loop, UniqueFd listen_fd,
                                                       const PrivDb& db, Policy policy,
                                                       OnPeer on_admitted, OnPeer on_refused = {});
    ~PeerListener();
    PeerListener(const PeerListener&) = delete;
    PeerListener& operator=(const PeerListener&) = delete;

    int fd() const { return listen_.get(); }

private:
    PeerListener(EventLoop& loop, UniqueFd fd, const PrivDb& db, Policy policy, OnPeer admitted,
                 OnPeer refused);
    Status watch();
    Status on_readable();
    void admit_or_refuse(UniqueFd fd);
    void back_off(const Error& why);

    EventLoop& loop_;
    UniqueFd listen_;
    const PrivDb& db_;
    Policy policy_;
    OnPeer on_admitted_, on_refused_;
    RefusalLog refusals_;
    bool starved_ = false;  // in a descriptor-exhaustion episode
    EventLoop::TimerId resume_timer_ = 0;
};

}  // namespace xvm
