// Method contexts (svc.startd(1M) "Methods"): the credentials, privileges,
// working directory and environment a method runs with. Resolution
// happens in svc.startd before fork - names are looked up, privileges
// translated into Linux capabilities through the privileges/ table - so
// the forked child only makes system calls.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "lib/priv/priv_caps.h"
#include "lib/priv/privilege.h"
#include "lib/base/result.h"
#include "lib/smf/smf_types.h"

namespace xvm::startd {

struct MethodContext {
    bool set_ids = false;  // a user was named: switch uid/gid/groups
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    // The process keeps exactly `caps` (permitted, effective, inheritable,
    // ambient and bounding), with no_new_privs set. Used whenever a user
    // or privileges are named; a method without context keeps root's set.
    bool limit_caps = false;
    CapMask caps = 0;
    std::string working_dir = "/";
    std::vector<std::string> env;  // NAME=value, the whole environment
    std::vector<std::string> warnings;
};

struct ContextInput {
    const smf::PgSet* running = nullptr;  // running view of the instance
    std::string method;                   // start / stop / refresh
    std::string instance;                 // entity string
    const PrivNames* names = nullptr;
    const CapTable* caps = nullptr;
};

// Any invalid value is an error naming it (the method then fails without
// retry, as on illumos).
Result<MethodContext> resolve_context(const ContextInput& in);

// In the forked child: the credentials through switch_credentials()
// (lib/priv/cred_switch.h), then the working directory. The error names
// the failed step.
Status apply_context(const MethodContext& ctx);

}  // namespace xvm::startd
