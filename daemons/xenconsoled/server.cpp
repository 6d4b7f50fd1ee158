#include "daemons/xenconsoled/server.h"

#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm::console {

Server::Server(EventLoop& loop, Hypervisor& hv, const PrivDb& db, const Config& config,
               UniqueFd log_dir)
    : loop_(loop),
      hv_(hv),
      privdb_(db),
      config_(config),
      log_dir_(std::move(log_dir)),
      env_{loop, hv, &config.settings, log_dir_.get(), config.settings.log_path()} {}

Server::~Server() {
    // Sessions first: they point into consoles.
    sessions_.clear();
    consoles_.clear();
    loop_.cancel_timer(store_timer_);
    loop_.cancel_timer(reap_timer_);
    if (store_) loop_.remove_fd(store_->fd());
}

void Server::refresh() {
    for (auto& [dom, c] : consoles_) c->refresh();
}

void Server::stop() {
    listener_.reset();
    for (auto& [id, s] : sessions_)
        s->close(cons::CloseReason::kDaemonStopping, "xenconsoled is stopping");
}

}  // namespace xvm::console
