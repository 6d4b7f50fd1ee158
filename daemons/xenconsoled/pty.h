// The pty of a guest console, for Xen's own tools: its slave path goes to
// /local/domain/<id>/console/tty, where Xen's xenconsole looks. Made as
// Xen's xenconsoled makes it (openpty, raw mode, the daemon keeps the
// slave open itself so that reads and writes do not fail while nobody is
// attached), created by the daemon's own account (xvm) after the drop, and
// then made mode 0600: only xvm and root may open the slave - not group
// tty, whose writes would reach the guest as keystrokes.
#pragma once

#include <string>

#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm::console {

struct Pty {
    UniqueFd master;  // non-blocking, close-on-exec
    UniqueFd slave;   // held open, never read
    std::string path;
};

Result<Pty> open_console_pty();

}  // namespace xvm::console
