// Disk images of a guest being built (XEND.md section 4, "disk"): each
// must exist - phy: a block device, file: and tap: a regular file - and a
// file-backed image is given to xvm, as the original's hotplug scripts
// did, so that the backend (running as xvm) can open it. That is what
// xend keeps CAP_CHOWN (file_chown) for, and its only use.
//
// The chown is the dangerous part: a client names the path. So an image
// is opened with O_PATH | O_NOFOLLOW (a link as the last component is
// refused), checked on the descriptor - a regular file with one link and
// no set-id bits - and given away only when the client that asked owns it
// already (or is root): a client can give xvm its own files and nothing
// else. fchownat(AT_EMPTY_PATH) acts on the descriptor, never on the path
// again. Images that belong to xvm already are left alone; a restart by
// xend itself (no client) never chowns.
#pragma once

#include <optional>

#include "daemons/xend/domain_config.h"
#include "lib/base/result.h"
#include "lib/priv/ucred.h"

namespace xvm::xend {

// Paths are resolved under XVM_ROOT. `requester` is the client that asked
// for the build (nullopt for xend's own restarts). Errors name the disk.
Status prepare_disks(const DomainSpec& spec, const std::optional<PeerCred>& requester, uid_t xvm_uid,
                     gid_t xvm_gid);

}  // namespace xvm::xend
