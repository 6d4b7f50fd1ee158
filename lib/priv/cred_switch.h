// The one credential switch in the tree: uid, gid, supplementary groups,
// capabilities and no_new_privs, in a fixed order, verified afterwards.
// Every identity change goes through it - a daemon's permanent drop
// (daemon_priv.h), hvsim's launcher and the guests it starts, and
// svc.startd's method_context - so there is one sequence to review:
//
//   1. bounding set reduced to `keep`  (needs CAP_SETPCAP, so first)
//   2. keep capabilities across the uid change (PR_SET_KEEPCAPS); when the
//      uid stays 0, SECBIT_NOROOT (locked) so that an exec as root cannot
//      hand every capability back
//   3. setgroups(groups)  4. setresgid(gid)  5. setresuid(uid)
//   6. permitted = effective = keep; inheritable = keep or nothing
//   7. ambient = keep (when capabilities must survive exec) or nothing
//   8. no_new_privs
//   9. verification: what the kernel now says equals the spec, and - unless
//      `keep` itself allows it - uid 0 and gid 0 cannot be regained.
//
// A failure names the step ("cannot switch credentials: setresuid(60):
// Operation not permitted"); the process may be half-switched and must
// exit. The success path makes only system calls (no allocation), so it
// is usable between fork and exec.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>

#include "lib/base/result.h"

namespace xvm {

// Linux capabilities as a bit mask: bit N = capability N (CAP_CHOWN = 0).
using CapMask = std::uint64_t;
inline constexpr CapMask cap_bit(int cap) { return CapMask{1} << cap; }

struct CredSpec {
    uid_t uid = 0;
    gid_t gid = 0;
    std::span<const gid_t> groups;  // exactly these supplementary groups
    CapMask keep = 0;               // permitted and effective afterwards
    // Raise `keep` as inheritable and ambient so an exec'd program that is
    // not itself privileged still holds it (SMF method_context).
    bool survive_exec = false;
    bool no_new_privs = true;
    // Reduce the bounding set to `keep` (needs CAP_SETPCAP). Only hvsim's
    // launcher, which lacks it, starts its guests without: they are not
    // root and have no_new_privs, so nothing in the bounding set can ever
    // reach their permitted set.
    bool reduce_bounding = true;
};

Status switch_credentials(const CredSpec& spec);
// Step 9 alone: does the calling process hold exactly `spec`?
Status verify_credentials(const CredSpec& spec);

// "CAP_CHOWN,cap_kill" (libcap names, case-insensitive; "" or "none" =
// nothing). Unknown names are errors naming the word.
Result<CapMask> parse_cap_mask(std::string_view list);
// "CAP_CHOWN,CAP_KILL" or "none".
std::string cap_mask_names(CapMask mask);

}  // namespace xvm
