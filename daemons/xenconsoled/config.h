// xenconsoled's configuration: the settings table (config/<name> of
// svc:/system/xctl/console, read from the running snapshot at start and on
// svcadm refresh), the command line (Xen's option names where Xen has
// them; they override the repository), and the shared
// config/hypervisor-backend of xend.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "daemons/kit/service_config.h"
#include "lib/base/result.h"

namespace xvm::console {

struct Settings {
    // Guest console logs guest-<name>.log: "guest" or "none" (Xen's --log;
    // there is no hypervisor log here, so Xen's "hv" and "all" are refused).
    std::string log = "guest";
    // Absolute, resolved under XVM_ROOT like every path (log_path()).
    std::string log_dir = "/var/log/xen/console";
    std::string timestamp = "none";  // "guest": "[YYYY-MM-DD HH:MM:SS] " per line
    // A guest writes as much as it likes: each log file stops growing at
    // this size until it is rotated (svcadm refresh reopens it).
    std::uint32_t log_limit_mib = 64;
    // Output replayed to a client that attaches (bytes kept per domain).
    std::uint32_t history_kib = 64;
    // Xen's rate limit: at most this many event-channel notifications per
    // domain per period; after that the channel is masked until the period
    // ends, so one flooding guest cannot starve the others.
    std::uint32_t rate_limit_events = 30;
    std::uint32_t rate_limit_period_ms = 200;

    bool logging() const { return log == "guest"; }
    std::string log_path() const;
    bool timestamps() const { return timestamp == "guest"; }
};

using SettingsTable = kit::ServiceConfig<Settings>;
std::span<const kit::Setting<Settings>> settings_table();

struct Config {
    std::string run_dir;      // <root>/var/run/xenconsoled
    std::string socket_path;  // run_dir/socket
    std::string store_socket;  // <root>/var/run/xenstored/socket
    std::string pid_file;
    std::string hypervisor;  // "auto" | "xen" | "sim"; "" = from xend's setting, else auto
    std::string fmri;        // SMF_FMRI, "" when not under SMF
    bool no_fork = false;
    bool check_only = false;
    bool debug = false;
    bool drop_privileges = true;  // --no-drop: unprivileged test runs only
    Settings settings;
    SettingsTable table{settings_table(), Settings{}};
};

// argv over the SMF properties over the defaults; every error reported.
// -h and -V print and exit from here.
Result<Config> load_config(int argc, char** argv);

// svcadm refresh: the settings again from the running snapshot, the
// command line still winning; all or nothing. `notes` gets a line for each
// restart-only setting that changed.
Status reload_settings(Config& c, std::vector<std::string>& notes);

// "log guest, log-dir /var/log/xen/console, ..." for the log.
std::string describe(const Settings& s);

std::string usage_text();

}  // namespace xvm::console
