// hvsim's configuration as one property table (daemons/kit/
// service_config.h): each setting is the property config/<name> of
// svc:/system/xctl/hvsim (read from the running snapshot when started by
// SMF) and the option --<name>, which overrides it. The host's shape
// cannot change under running guests, so every setting is restart-only.
#pragma once

#include <string>
#include <vector>

#include "daemons/hvsim/domain_table.h"
#include "daemons/kit/service_config.h"
#include "lib/base/result.h"

namespace xvm::hvsim {

struct Settings {
    std::uint32_t cpus = 2;
    std::uint64_t memory_mib = 4096;
    std::uint64_t dom0_mib = 1024;
    std::string socket;     // default <root>/var/run/xvm/hvsim.sock
    std::string state_dir;  // default <root>/var/run/xvm/hvsim
    std::string guest_program;
    std::string guest_user = "nobody";
    std::string guest_group = "nogroup";
};

struct Options {
    Settings settings;
    HostSize host;  // from settings
    bool debug = false;
    bool check_only = false;  // -n: validate, report, exit
    bool background = false;  // -b: detach once ready (SMF start method)
};

// The options over the SMF properties of SMF_FMRI (when set) over the
// defaults. Every error is reported (joined by "; "), not just the first.
Result<Options> parse_options(const std::vector<std::string>& args);

std::string usage();

}  // namespace xvm::hvsim
