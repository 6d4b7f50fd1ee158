// Going into the background the way an SMF contract service's start method
// must: the start method (the original process) exits 0 only once the
// daemon is ready to serve, and with the daemon's own failure status if it
// dies before that (illumos svc.configd's ready pipe). Without this a
// restarter would mark the service online before its socket exists.
#pragma once

#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm {

class ReadyNotifier {
public:
    ReadyNotifier() = default;  // a foreground daemon: notify() does nothing
    explicit ReadyNotifier(UniqueFd fd) : fd_(std::move(fd)) {}
    // Lets the waiting parent exit 0. Call once, when serving.
    Status notify();

private:
    UniqueFd fd_;
};

// Forks. Returns only in the child (now a session leader), which must call
// notify() when ready; the parent waits and exits 0 on notify, or with the
// child's exit status if the child ends first - `lost_status` when it was
// killed or claimed success without being ready (SMF_EXIT_ERR_FATAL for an
// SMF start method).
Result<ReadyNotifier> daemonize(int lost_status);

}  // namespace xvm
