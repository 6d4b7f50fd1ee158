// Forking a method (svc.startd(1M) "Methods"): the child's side - contract,
// standard descriptors, credentials, exec - and how a child that fails
// before exec tells the restarter why, over a close-on-exec pipe (EOF at
// a successful exec).
//
// Whose fault a failure is decides what happens next: one the restarter
// or the system caused (no descriptors, memory or processes left, the
// contract could not be joined) is retried later and never counted
// against the service; one its method context caused (a credential that
// cannot be applied) fails the method, as on illumos.
//
// A method gets exactly descriptors 0 (/dev/null), 1 and 2 (its log):
// nothing svc.startd holds - sockets, the repository, inherited strays -
// survives the exec.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "daemons/svc.startd/context.h"
#include "lib/base/result.h"
#include "lib/base/unique_fd.h"
#include "lib/smf/smf_contract.h"

namespace xvm::startd {

struct Launch {
    pid_t pid = -1;
    UniqueFd report;  // read end: a failure report, or EOF at exec
};

// Forks the child that runs `command` through /bin/sh -c "exec ..." in
// `contract` (nullptr: none), with `log_fd` as stdout and stderr. A failure
// here (pipe, fork) is the restarter's.
Result<Launch> spawn_method(const smf::Contract* contract, const MethodContext& ctx, const std::string& command,
                            int log_fd);

struct SpawnFailure {
    bool restarter_side = true;
    std::string message;  // "cannot set up standard descriptors: Too many open files"
};
// After the child exited: what it reported before exec, if anything.
std::optional<SpawnFailure> read_spawn_report(int fd);

// errno values that say the system was short of something, not that the
// request was wrong: retrying later can succeed.
bool transient_errno(int err);

}  // namespace xvm::startd
