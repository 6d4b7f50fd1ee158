// Who holds which privilege on this host. On Linux no kernel interface
// carries Solaris privileges, so they are derived from a credential
// (docs/design.md section 2): uid 0 holds all of them; otherwise a privilege is
// held when the group mapped to it in priv_groups is the credential's
// primary or a supplementary group. The mapping file:
//     # privilege   group
//     xvm_control   xvm
//     virt_manage   xvmadm
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "lib/priv/privilege.h"
#include "lib/base/result.h"

namespace xvm {

struct PeerCred;

inline constexpr std::string_view kPrivNamesPath = "/etc/security/priv_names";
inline constexpr std::string_view kPrivGroupsPath = "/etc/xvm/priv_groups";

class PrivDb {
public:
    // `groups_text` is the priv_groups file; group names are resolved to
    // gids now. A group that does not exist grants nothing (and is reported
    // through `warnings()`); an unknown privilege is an error.
    static Result<PrivDb> parse(PrivNames names, std::string_view groups_text,
                                std::string_view origin);
    static Result<PrivDb> load(const std::string& names_path, const std::string& groups_path);
    // The installed files under XVM_ROOT.
    static Result<PrivDb> load_installed();

    const PrivNames& names() const { return names_; }
    const std::vector<std::string>& warnings() const { return warnings_; }

    // Privileges held by a credential (Linux rule above).
    PrivSet privileges_for(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) const;

    // True when `peer` holds any privilege of `any_of`. Sockets decide
    // through PeerListener (peer_listener.h), which logs each refusal.
    bool permits(const PeerCred& peer, const PrivSet& any_of) const;

    // "xvm_control or virt_manage"
    std::string describe_any(const PrivSet& set) const;

private:
    struct GroupGrant {
        std::size_t privilege;
        std::string group;
        bool resolved;
        gid_t gid;
    };

    explicit PrivDb(PrivNames names) : names_(std::move(names)) {}

    PrivNames names_;
    std::vector<GroupGrant> grants_;
    std::vector<std::string> warnings_;
};

}  // namespace xvm
