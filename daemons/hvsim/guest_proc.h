// Starting guests: one real process per domain running the guest program
// (cmd/xvm-guest) under a separate unprivileged identity, with its
// descriptors at fixed numbers (guest_abi.h) and no path authority.
//
// Why a separate identity: hvsim runs as xvm, and group xvm *is*
// xvm_control. A guest inheriting it could drive the hypervisor - the one
// thing a guest must never do. Switching a child to another uid needs
// CAP_SETUID and CAP_SETGID, and signalling it afterwards (pause, destroy)
// CAP_KILL; a process holding CAP_SETUID can also become root again, so
// hvsim itself must not keep it. The privileged half is therefore a tiny
// separate process, the launcher (launcher.cpp), forked from hvsim before
// hvsim drops every capability: it keeps exactly those three, answers only
// hvsim over a socketpair, and only ever starts the guest program or
// signals its own children. Off the per-request path: it is used on
// domain start, pause, unpause and destroy only.
#pragma once

#include <sys/types.h>

#include <string>

#include "daemons/hvsim/evtchn.h"
#include "daemons/hvsim/pages.h"
#include "lib/base/result.h"
#include "lib/base/unique_fd.h"
#include "lib/priv/cred_switch.h"
#include "lib/xen/guest_abi.h"

namespace xvm::hvsim {

struct GuestSpec {
    std::string program;       // the guest program
    bool switch_user = false;  // false when hvsim itself is not root-started
    uid_t uid = 0;
    gid_t gid = 0;
    CapMask launcher_keep = 0;  // daemon_caps: hvsim-launcher
};


struct GuestProcess {
    pid_t pid = -1;
    UniqueFd pidfd;    // readable when the process has exited
    UniqueFd control;  // hvsim's end of the control channel
};

}  // namespace xvm::hvsim
