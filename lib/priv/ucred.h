// Peer credentials: the platform seam. The kernel captures a local peer's
// credentials when it connects; we read them once at accept and keep them
// on the connection, never trusting anything the client says about itself.
// One implementation file per platform: ucred_linux.cpp (SO_PEERCRED +
// SO_PEERGROUPS, privileges derived through PrivDb). An illumos port adds
// ucred_illumos.cpp (getpeerucred + ucred_getprivset) and nothing else.
#pragma once

#include <sys/types.h>

#include <vector>

#include "lib/priv/priv_db.h"
#include "lib/priv/privilege.h"
#include "lib/base/result.h"

namespace xvm {

struct PeerCred {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // supplementary groups
    PrivSet privileges;         // effective privileges, per `db`
};

// Credentials of the peer connected to socket `fd`.
Result<PeerCred> get_peer_cred(int fd, const PrivDb& db);

}  // namespace xvm
