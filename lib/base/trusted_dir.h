// Directories made and opened by root where someone else may have been
// first. Every component is opened with openat(O_NOFOLLOW) from the
// directory before it, so a symbolic link planted anywhere on the path is
// refused, never followed (a link that belongs to root, such as Debian's
// /var/run -> /run, is walked: only root could have made it, and its
// target passes the same checks); every parent must belong to root (or to the
// daemon's own account) and be writable by nobody else (or be sticky, as
// /tmp); the final directory may belong to root or to the daemon's account and is then given to that
// account with fchown/fchmod on the descriptor that was opened - never by
// path. What the daemon keeps in it is created after the privilege drop.
#pragma once

#include <sys/types.h>

#include <string>

#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm {

struct DirOwner {
    uid_t uid = 0;
    gid_t gid = 0;
    mode_t mode = 0755;
};

// Creates (0755, root) the missing parents of absolute `path` and `path`
// itself, checks them as above, and leaves `path` owned by `owner` with its
// mode. Returns the directory, open. Errors name the component and what
// is wrong with it ("/var/run/xvm/hvsim is a symbolic link: refused").
Result<UniqueFd> make_trusted_dir(const std::string& path, const DirOwner& owner);

// Opens an existing absolute `path` under the same checks, owner
// unchanged; the final directory may belong to root or to `owner_uid`.
Result<UniqueFd> open_trusted_dir(const std::string& path, uid_t owner_uid);

}  // namespace xvm
