// Starting a guest: one real process per domain running the guest program
// (cmd/xvm-guest) under a separate unprivileged identity. The guest gets
// its descriptors at fixed numbers (guest_abi.h) and no path authority:
// it cannot reach hvsim's socket (it does not hold xvm_control), only its
// own pages, its own event channels and its control channel to hvsim.
//
// Why a separate identity: hvsim runs as xvm, and group xvm *is*
// xvm_control. A guest inheriting it could drive the hypervisor - the one
// thing a guest must never do. So the child switches to the guest user
// (default nobody:nogroup, no supplementary groups) before exec; that is
// why hvsim keeps CAP_SETUID and CAP_SETGID, and CAP_KILL to pause (SIGSTOP)
// and destroy guests that no longer share its uid. exec() then clears every
// capability (no file capabilities, no ambient set, no_new_privs inherited).
#pragma once

#include <sys/types.h>

#include <string>

#include "evtchn.h"
#include "pages.h"
#include "result.h"
#include "unique_fd.h"

namespace xvm::hvsim {

struct GuestSpec {
    std::string program;     // the guest program
    bool switch_user = false;  // false when hvsim itself is not root-started
    uid_t uid = 0;
    gid_t gid = 0;
};

struct GuestArgs {
    DomId domid = 0;
    std::uint64_t memory_kib = 0;
    std::uint32_t vcpus = 1;
    std::string kernel;
    std::string extra;
    bool resume = false;
};

struct GuestProcess {
    pid_t pid = -1;
    UniqueFd pidfd;    // readable when the process exits
    UniqueFd control;  // hvsim's end of the control channel
};

Result<GuestProcess> spawn_guest(const GuestSpec& spec, const GuestArgs& args,
                                 const DomainPages& pages, const PortFds& store,
                                 const PortFds& console);

// SIGKILL and reap, synchronously: a killed process exits at once (even a
// stopped one), and the caller wants the domain gone before it answers.
void kill_and_reap(GuestProcess& process);

}  // namespace xvm::hvsim
