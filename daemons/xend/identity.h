// xend's identity check. xend never starts as root and never drops in
// code: svc.startd starts it as xvm from its manifest's method_context,
// with the privileges the manifest lists as capabilities (file_chown ->
// CAP_CHOWN). Those reach xend as inheritable and ambient capabilities
// (that is how they survive the exec of xvm-method and of xend); xend
// clears both at once, so nothing it ever runs inherits them, and then
// verifies that it holds exactly what privileges/daemon_caps says for
// "xend": uid/gid xvm, groups [xvm], the keep set, no_new_privs.
#pragma once

#include <sys/types.h>

#include "lib/base/result.h"

namespace xvm::xend {

struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
};

// Refuses root. As xvm: settles and verifies as above. As any other
// account (a developer's run): settles, verifies nothing, says so in the
// log.
Result<Identity> settle_identity();

}  // namespace xvm::xend
