// Process contracts on Linux: one cgroup v2 directory per service
// instance. Every process a method forks - double-forked daemons included
// - stays in its instance's cgroup whatever it is re-parented to, which is
// the membership rule of an illumos process contract. cgroup.events
// ("populated 0") says the contract became empty; cgroup.kill empties it.
//
// Layout: <cgroup2 mount>/xvm-<hash of XVM_ROOT>/<instance entity with
// '/' as '-'>. The per-root directory keeps parallel test roots apart; the
// mount is /sys/fs/cgroup/unified (Debian 12's hybrid layout) or
// /sys/fs/cgroup, or $XVM_CGROUP2 when set.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "lib/base/result.h"

namespace xvm::smf {

// The directory of this root's contracts, e.g.
// /sys/fs/cgroup/unified/xvm-1f2e3d4c5b6a7988.
Result<std::string> contract_base();

class Contract {
public:
    Contract() = default;
    // `base` from contract_base(); `instance` an entity string.
    Contract(const std::string& base, const std::string& instance);

    const std::string& path() const { return path_; }
    std::string events_path() const { return path_ + "/cgroup.events"; }
    bool exists() const;
    Status create() const;
    // Moves process `pid` (0: the caller) into the contract.
    Status join(pid_t pid) const;
    bool populated() const;
    std::vector<pid_t> pids() const;
    // Sends `signo` to every member; returns how many were signalled.
    int signal_all(int signo) const;
    // SIGKILL to every member at once (cgroup.kill).
    Status kill_all() const;
    // Removes the (empty) directory; absent is fine.
    Status remove() const;

private:
    std::string path_;
};

// Kills and removes every contract of this root (test clean-up, and a
// fresh svc.startd start).
Status destroy_all_contracts();

}  // namespace xvm::smf
