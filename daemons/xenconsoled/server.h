// xenconsoled's server: it finds guest domains the way Xen's xenconsoled
// does (discovery.cpp: watches on @introduceDomain and @releaseDomain,
// then the hypervisor's domain list; a watch on each domain's console
// keys) and serves their consoles (guest_console.h) to clients on the
// console socket (sessions.cpp: PeerListener, then the protocol of
// lib/xen/console_proto.h).
//
// Invariants: a domain in the hypervisor's list that is not dying and is
// not dom0 has a GuestConsole here after each scan, and no other domain
// has one; a session attached to a domain is in that console's list until
// it is retired; sessions and consoles are deleted only between event-loop
// passes (never inside their own handlers).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemons/xenconsoled/config.h"
#include "daemons/xenconsoled/guest_console.h"
#include "daemons/xenconsoled/session.h"
#include "daemons/xenconsoled/store.h"
#include "lib/base/event_loop.h"
#include "lib/priv/peer_listener.h"
#include "lib/priv/priv_db.h"
#include "lib/xen/hypervisor.h"

namespace xvm::console {

class Server final : public SessionHost {
  public:
    static constexpr std::size_t kMaxSessions = 1024;
    static constexpr auto kStoreRetry = std::chrono::seconds(1);
    static constexpr auto kStoreCheck = std::chrono::seconds(2);

    Server(EventLoop& loop, Hypervisor& hv, const PrivDb& db, const Config& config,
           UniqueFd log_dir);
    ~Server() override;

    // Connects to xenstored and attaches every guest that runs now.
    Status start_discovery();
    // Accepts clients on the listening socket.
    Status serve(UniqueFd listen_fd);
    // The settings in `config` changed (svcadm refresh).
    void refresh();
    // The daemon is exiting: every client is told.
    void stop();
    // Set when the daemon cannot go on (the hypervisor is gone).
    const std::optional<Error>& fatal() const { return fatal_; }

    std::size_t domain_count() const { return consoles_.size(); }

    // SessionHost
    void on_attach(Session& s, const cons::Attach& request) override;
    bool on_input(Session& s, std::string_view bytes) override;
    void retire(Session& s) override;

  private:
    // discovery.cpp
    Status open_store();
    Status on_store_event();
    void arm_store_check();
    void store_lost(const Error& why);
    void retry_store();
    void rescan();
    void add_domain(DomId dom);
    void remove_domain(DomId dom);
    void connect_domain(GuestConsole& c);
    void problem(GuestConsole& c, const std::string& text);
    void die(const Error& why);

    // sessions.cpp
    void on_admitted(UniqueFd fd, PeerCred peer);
    void on_refused(UniqueFd fd, PeerCred peer);
    Result<GuestConsole*> resolve(const std::string& text);
    void reap();

    EventLoop& loop_;
    Hypervisor& hv_;
    const PrivDb& privdb_;
    const Config& config_;
    UniqueFd log_dir_;
    ConsoleEnv env_;
    std::unique_ptr<Store> store_;
    EventLoop::TimerId store_timer_ = 0;  // health check, or reconnect
    bool store_lost_reported_ = false;
    std::map<DomId, std::unique_ptr<GuestConsole>> consoles_;
    std::map<DomId, std::string> problems_;  // last problem logged per domain
    std::unique_ptr<PeerListener> listener_;
    std::map<std::uint64_t, std::unique_ptr<Session>> sessions_;
    std::vector<std::uint64_t> retired_;
    EventLoop::TimerId reap_timer_ = 0;
    std::uint64_t next_session_ = 1;
    std::optional<Error> fatal_;
};

}  // namespace xvm::console
