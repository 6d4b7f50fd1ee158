// privileges/daemon_caps, installed as /etc/xvm/daemon_caps: the Linux
// capabilities each xVM process keeps after its drop, one line each,
//     xenstored       none            # why
//     hvsim-launcher  CAP_SETUID,...  # why
// with further comment lines (indented) continuing the reason. The code
// that drops and the e2e tests that check /proc both read this file, so
// what a daemon keeps and what is documented cannot drift apart.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "lib/base/result.h"
#include "lib/priv/cred_switch.h"

namespace xvm {

inline constexpr std::string_view kDaemonCapsPath = "/etc/xvm/daemon_caps";

class DaemonCaps {
public:
    // Errors name the origin and line ("daemon_caps:7: unknown capability ...").
    static Result<DaemonCaps> parse(std::string_view text, std::string_view origin);
    static Result<DaemonCaps> load(const std::string& path);
    static Result<DaemonCaps> load_installed();  // under XVM_ROOT

    // What `daemon` keeps; an error when the file has no line for it.
    Result<CapMask> keep_for(std::string_view daemon) const;

private:
    std::map<std::string, CapMask, std::less<>> keep_;
    std::string origin_;
};

}  // namespace xvm
