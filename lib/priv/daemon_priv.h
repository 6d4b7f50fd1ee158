// The permanent privilege drop of a daemon, after the __init_daemon_priv(3C)
// model: called once, after the sockets, directories and files that need
// root are open. It switches to the daemon user and group with that group
// as the only supplementary group, keeps exactly the capabilities that
// privileges/daemon_caps lists for the daemon, sets no_new_privs - all
// through switch_credentials() (cred_switch.h), which verifies the result.
//
// It fails closed: an error names the step that failed, and the caller must
// exit (SMF_EXIT_ERR_FATAL) - the process may be half-dropped.
#pragma once

#include <string>

#include "lib/base/result.h"
#include "lib/priv/cred_switch.h"

namespace xvm {

struct DropSpec {
    std::string user = "xvm";
    std::string group = "xvm";
    CapMask keep = 0;
};

// The drop of `daemon` ("xenstored"): user and group xvm, the keep set of
// the installed daemon_caps file.
Result<DropSpec> daemon_drop_spec(std::string_view daemon);

Status drop_daemon_privileges(const DropSpec& spec);

}  // namespace xvm
