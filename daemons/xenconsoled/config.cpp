#include "daemons/xenconsoled/config.h"

#include <getopt.h>

#include <cstdio>
#include <cstdlib>

#include "daemons/kit/backend_setting.h"
#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/xen/hypervisor.h"

namespace xvm::console {
namespace {

constexpr const char* kVersion = "xenconsoled (xVM) 1.0, console ring of Xen 4.17";

constexpr std::string_view kLogChoices[] = {"none", "guest"};
constexpr std::string_view kTimestampChoices[] = {"none", "guest"};

const kit::Setting<Settings> kTable[] = {
    {.name = "log", .member = &Settings::log, .choices = kLogChoices,
     .doc = "guest console logs: none | guest"},
    // The directory is made as root before the drop: a new one needs a restart.
    {.name = "log-dir", .member = &Settings::log_dir, .restart_only = true,
     .doc = "directory of guest-<name>.log"},
    {.name = "timestamp", .member = &Settings::timestamp, .choices = kTimestampChoices,
     .doc = "prefix guest log lines with the time: none | guest"},
    {.name = "log-limit-mib", .member = &Settings::log_limit_mib, .range = {1, 65536},
     .doc = "a guest log file stops growing at this size until rotated"},
    // Each domain's history ring is sized when the domain is first seen.
    {.name = "history-kib", .member = &Settings::history_kib, .range = {0, 1024},
     .restart_only = true, .doc = "output replayed to a client that attaches"},
    {.name = "rate-limit-events", .member = &Settings::rate_limit_events, .range = {1, 1000000},
     .doc = "event-channel notifications per domain per period"},
    {.name = "rate-limit-period-ms", .member = &Settings::rate_limit_period_ms,
     .range = {1, 60000}, .doc = "the rate limit's period"},
};

Config defaults() {
    Config c;
    c.run_dir = root_path("/var/run/xenconsoled");
    c.socket_path = c.run_dir + "/socket";
    c.store_socket = root_path("/var/run/xenstored/socket");
    Settings s;
    s.log_dir = "/var/log/xen/console";
    c.settings = s;
    c.table = SettingsTable(settings_table(), s);
    if (const char* self = std::getenv("SMF_FMRI")) c.fmri = self;
    return c;
}

void override(Config& c, std::string_view name, std::string_view value, std::string_view option,
              std::vector<std::string>& errors) {
    if (Status s = c.table.set_override(name, value, cat(option, " ", value)); !s)
        errors.push_back(s.error().message);
}

// The hypervisor: --hypervisor, else xend's config/hypervisor-backend
// under SMF, else auto.
void load_backend(Config& c, std::vector<std::string>& errors) {
    if (!c.hypervisor.empty()) return;
    if (!c.fmri.empty()) {
        auto backend = kit::configured_backend();
        if (!backend) errors.push_back(backend.error().message);
        else if (*backend) c.hypervisor = **backend;
    }
    if (c.hypervisor.empty()) c.hypervisor = "auto";
}

}  // namespace

std::span<const kit::Setting<Settings>> settings_table() { return kTable; }

std::string describe(const Settings& s) {
    std::vector<std::string> parts;
    for (const auto& row : kTable) parts.push_back(cat(row.name, " ", SettingsTable::text(s, row)));
    return join(parts, ", ");
}

Status reload_settings(Config& c, std::vector<std::string>& notes) {
    auto fresh = c.table.reload(c.settings, c.fmri, notes);
    if (!fresh) return std::move(fresh).error();
    c.settings = *fresh;
    return {};
}

std::string usage_text() {
    return "usage: xenconsoled [-N] [-n] [-d] [-V] [-F pidfile] [--log=none|guest]\n"
           "                   [--log-dir=DIR] [-t none|guest] [-s name=value]... [--socket=PATH]\n"
           "                   [--store-socket=PATH] [--hypervisor=auto|xen|sim] [--no-drop]\n";
}

Result<Config> load_config(int argc, char** argv) {
    static const option kLong[] = {
        {"no-fork", no_argument, nullptr, 'N'},
        {"interactive", no_argument, nullptr, 'i'},
        {"verbose", no_argument, nullptr, 'v'},
        {"debug", no_argument, nullptr, 'd'},
        {"version", no_argument, nullptr, 'V'},
        {"help", no_argument, nullptr, 'h'},
        {"pid-file", required_argument, nullptr, 'F'},
        {"log", required_argument, nullptr, 'L'},
        {"log-dir", required_argument, nullptr, 'D'},
        {"timestamp", required_argument, nullptr, 't'},
        {"socket", required_argument, nullptr, 'S'},
        {"store-socket", required_argument, nullptr, 'X'},
        {"hypervisor", required_argument, nullptr, 'H'},
        {"no-drop", no_argument, nullptr, 'U'},
        {"set", required_argument, nullptr, 's'},
        {nullptr, 0, nullptr, 0},
    };
    Config c = defaults();
    std::vector<std::string> errors;
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":NnivdVhF:t:s:", kLong, nullptr)) != -1) {
        switch (opt) {
            case 'N':
            case 'i': c.no_fork = true; break;
            case 'n': c.check_only = true; break;
            case 'v':
            case 'd': c.debug = true; break;
            case 'F': c.pid_file = optarg; break;
            case 'L': override(c, "log", optarg, "--log", errors); break;
            case 'D': override(c, "log-dir", optarg, "--log-dir", errors); break;
            case 't': override(c, "timestamp", optarg, "--timestamp", errors); break;
            case 'S': c.socket_path = optarg; break;
            case 'X': c.store_socket = optarg; break;
            case 'H': c.hypervisor = optarg; break;
            case 'U': c.drop_privileges = false; break;
            case 's': {
                std::string_view arg = optarg;
                auto eq = arg.find('=');
                if (eq == std::string_view::npos)
                    errors.push_back(cat("-s ", arg, ": expected name=value"));
                else
                    override(c, arg.substr(0, eq), arg.substr(eq + 1), "-s", errors);
                break;
            }
            case 'V': std::printf("%s\n", kVersion); std::exit(0);
            case 'h': std::fputs(usage_text().c_str(), stdout); std::exit(0);
            case ':': errors.push_back(cat("option ", argv[optind - 1], " needs a value")); break;
            default: errors.push_back(cat("unknown option ", argv[optind - 1])); break;
        }
    }
    if (optind < argc) errors.push_back(cat("unexpected argument ", argv[optind]));
    auto settings = c.table.load(c.fmri);
    if (settings) c.settings = *settings;
    else errors.push_back(settings.error().message);
    if (c.settings.log_dir.empty() || c.settings.log_dir[0] != '/')
        errors.push_back(cat("property config/log-dir: '", c.settings.log_dir,
                             "' is not an absolute path"));
    load_backend(c, errors);
    if (auto b = parse_backend(c.hypervisor); !b) errors.push_back(b.error().message);
    if (!errors.empty()) return make_error(join(errors, "; "));
    return c;
}

}  // namespace xvm::console

namespace xvm::console {
std::string Settings::log_path() const { return root_path(log_dir); }
}  // namespace xvm::console
