#include "daemons/xenconsoled/pty.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <termios.h>

#include "lib/base/format.h"

namespace xvm::console {

Result<Pty> open_console_pty() {
    Pty pty;
    pty.master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!pty.master) return errno_error("cannot open a pty master (/dev/ptmx)");
    if (::grantpt(pty.master.get()) < 0 || ::unlockpt(pty.master.get()) < 0)
        return errno_error("cannot unlock a pty");
    char name[128];
    if (int err = ::ptsname_r(pty.master.get(), name, sizeof name); err != 0)
        return errno_error("cannot name a pty", err);
    pty.path = name;
    pty.slave.reset(::open(name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!pty.slave) return errno_error(cat("cannot open pty ", name));
    if (::fchmod(pty.slave.get(), 0600) < 0) return errno_error(cat("cannot restrict pty ", name));
    struct termios t {};
    if (::tcgetattr(pty.slave.get(), &t) < 0) return errno_error(cat("cannot read modes of ", name));
    ::cfmakeraw(&t);
    if (::tcsetattr(pty.slave.get(), TCSANOW, &t) < 0)
        return errno_error(cat("cannot make ", name, " raw"));
    return pty;
}

}  // namespace xvm::console
