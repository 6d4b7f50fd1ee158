// xend's command line and configuration: the settings table (settings.h)
// loaded from the running snapshot of SMF_FMRI, with command-line
// overrides for tests (--<property> <value>), and the shared
// config/hypervisor-backend. Every error at once.
//
//   xend [-d] [-n] [-N] [--<property> <value> ...]
//     -d  debug log lines     -n  check the configuration, print it, exit
//     -N  stay in the foreground (the default under SMF is to go into the
//         background once serving, the contract-service way)
#pragma once

#include <string>
#include <vector>

#include "daemons/xend/settings.h"
#include "lib/base/result.h"
#include "lib/xen/hypervisor.h"

namespace xvm::xend {

struct Options {
    bool debug = false;
    bool check_only = false;
    bool foreground = false;
    std::string fmri;        // SMF_FMRI, "" outside SMF
    Backend backend = Backend::kAuto;
    std::string backend_name = "auto";
    Settings settings;
    XendConfig config{settings_table(), Settings{}};  // with the overrides, for refresh
    // The string-valued rows alone: read even when a number is bad, so that
    // check_settings() can report their problems in the same message.
    XendConfig strings{string_settings_table(), Settings{}};
};

std::string usage();
Result<Options> parse_options(const std::vector<std::string>& args);

// Refresh: the whole table again. On error the message names every bad
// property and `o.settings` is unchanged. `notes` gets the restart-only
// changes.
Result<Settings> reload_settings(const Options& o, std::vector<std::string>& notes);

}  // namespace xvm::xend
