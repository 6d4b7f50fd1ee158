// Test program for the daemon privilege drop: starts as root, drops through
// the library, says "dropped" on stdout and then waits for stdin to close so
// the test can inspect /proc/PID/status from outside.
//   drop_helper [--user U] [--group G] [--caps CAP_A,CAP_B]
// Exits 95 (SMF_EXIT_ERR_FATAL) with the library's message if the drop fails.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "lib/priv/daemon_priv.h"
#include "lib/base/log.h"
#include "lib/smf/scf.h"

int main(int argc, char** argv) {
    xvm::log_init("drop_helper");
    xvm::DropSpec spec;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string opt = argv[i];
        if (opt == "--user") {
            spec.user = argv[i + 1];
        } else if (opt == "--group") {
            spec.group = argv[i + 1];
        } else if (opt == "--caps") {
            auto caps = xvm::parse_cap_mask(argv[i + 1]);
            if (!caps) {
                xvm::log_error(caps.error());
                return 2;
            }
            spec.keep = *caps;
        } else {
            std::fprintf(stderr, "drop_helper: unknown option %s\n", opt.c_str());
            return 2;
        }
    }
    xvm::Status dropped = xvm::drop_daemon_privileges(spec);
    if (!dropped) {
        xvm::log_error(dropped.error());
        return SMF_EXIT_ERR_FATAL;
    }
    std::printf("dropped\n");
    std::fflush(stdout);
    char c;
    while (::read(STDIN_FILENO, &c, 1) > 0) {
    }
    return 0;
}
