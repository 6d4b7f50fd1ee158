// The start-up checklist every xVM daemon follows, in this order (the
// order is the security argument: as little as possible happens as root,
// and nothing as root touches a path that xvm can change):
//
//   1. configuration (service_config.h); -n reports it and exits
//   2. inherited descriptors beyond 0, 1, 2 closed; background: fork, the
//      parent waits on the ready pipe (lib/base/daemonize.h)
//   3. run directories made as root, refusing symbolic links and foreign
//      owners, handed to xvm by descriptor (lib/base/trusted_dir.h)
//   4. rlimits that only root may raise
//   5. the daemon's own root-only work (open the hypervisor, fork a helper)
//   6. the drop to xvm with exactly the capabilities privileges/daemon_caps
//      lists (lib/priv/daemon_priv.h)
//   7. sockets, stores and every other file - created as xvm
//   8. signals: TERM/INT stop, HUP refreshes (the manifests' refresh
//      method is ":kill -HUP"), PIPE ignored
//   9. ready: the start method exits 0 and the restarter marks us online
//  10. the event loop, then an SMF exit code (SMF_EXIT_*, never a number)
//
// Steps 2-4 and 6 are DaemonStart; the daemon does 1, 5, 7 and 10.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "lib/base/daemonize.h"
#include "lib/base/event_loop.h"
#include "lib/base/result.h"

namespace xvm::kit {

struct RunDir {
    std::string path;  // absolute, already under XVM_ROOT
    mode_t mode = 0755;
    // Files of an earlier installation (made by root) that the daemon must
    // own now: given to xvm when they are regular files, never through a
    // link (upgrade safety, docs/design.md section 2).
    std::vector<std::string> adopt = {};
};

struct StartSpec {
    std::string daemon = {};  // the log role and the privileges/daemon_caps line
    std::vector<RunDir> run_dirs = {};
    rlim_t open_files = 0;    // raise RLIMIT_NOFILE to at least this
    bool background = false;  // go into the background (SMF start methods)
    // false only for unprivileged test runs: no drop, directories made as
    // whoever we are.
    bool drop = true;
    std::string pid_file = {};  // written (O_NOFOLLOW) once in the background
};

class DaemonStart {
public:
    // Steps 2-4.
    static Result<DaemonStart> begin(const StartSpec& spec);

    // The account the daemon runs as after the drop (xvm), or its own ids
    // when it does not drop.
    uid_t uid() const { return uid_; }
    gid_t gid() const { return gid_; }

    // Step 6.
    Status drop();
    // Step 8. `on_refresh` runs for SIGHUP.
    Status handle_signals(EventLoop& loop, std::function<void()> on_refresh);
    // Step 9.
    Status ready();

private:
    StartSpec spec_;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    ReadyNotifier notifier_;
};

// Log `error` and return the SMF exit code for it.
int exit_config(const Error& error);  // SMF_EXIT_ERR_CONFIG: the restarter will not retry
int exit_fatal(const Error& error);   // SMF_EXIT_ERR_FATAL

}  // namespace xvm::kit
