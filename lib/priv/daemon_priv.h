// The permanent privilege drop of a daemon, after the __init_daemon_priv(3C)
// model: called once, after sockets, directories and files that need root
// are open. It switches to the given user and group with the group as the
// only supplementary group, keeps exactly `keep` Linux capabilities
// (effective and permitted; inheritable and ambient empty; the bounding set
// reduced to `keep`), sets no_new_privs, and then proves the old ids and
// capabilities cannot be regained.
//
// It fails closed: an error names the step that failed, and the caller must
// exit - the process may be half-dropped and must not continue.
#pragma once

#include <sys/capability.h>

#include <string>
#include <vector>

#include "lib/base/result.h"

namespace xvm {

struct DropSpec {
    std::string user = "xvm";
    std::string group = "xvm";
    std::vector<cap_value_t> keep;  // e.g. {CAP_CHOWN}; empty for none
};

Status drop_daemon_privileges(const DropSpec& spec);

// Parses "CAP_CHOWN,cap_kill" (libcap names; "" or "none" = empty).
Result<std::vector<cap_value_t>> parse_capabilities(const std::string& list);

}  // namespace xvm
