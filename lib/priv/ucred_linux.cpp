// Linux implementation of ucred.h.
#include <sys/socket.h>

#include "lib/base/format.h"
#include "lib/priv/ucred.h"

namespace xvm {
namespace {

Result<std::vector<gid_t>> peer_groups(int fd) {
    std::vector<gid_t> groups(64);
    while (true) {
        socklen_t len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
            groups.resize(len / sizeof(gid_t));
            return groups;
        }
        // ERANGE reports the size needed in len.
        if (errno != ERANGE) return errno_error("cannot read peer groups (SO_PEERGROUPS)");
        groups.resize(len / sizeof(gid_t) + 1);
    }
}

}  // namespace

Result<PeerCred> get_peer_cred(int fd, const PrivDb& db) {
    struct ucred cred {};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return errno_error(cat("cannot read peer credentials of fd ", fd, " (SO_PEERCRED)"));
    Result<std::vector<gid_t>> groups = peer_groups(fd);
    if (!groups) return std::move(groups).error();
    PeerCred peer;
    peer.pid = cred.pid;
    peer.uid = cred.uid;
    peer.gid = cred.gid;
    peer.groups = std::move(*groups);
    peer.privileges = db.privileges_for(peer.uid, peer.gid, peer.groups);
    return peer;
}

}  // namespace xvm
