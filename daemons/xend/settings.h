// xend's configuration: one typed table (daemons/kit/service_config.h) of
// every config/* property of svc:/system/xctl/xend (manifests/xend.xml;
// names are the xend-config.sxp option names, XVM-HISTORY.md section 2).
// The struct's initializers are the defaults - the values the manifest
// ships - and xend(1M) documents each row. Read at start and at refresh
// (svcadm refresh = SIGHUP) from the running snapshot; a refresh applies
// the whole new table or none of it.
//
// Beyond the kit's range and choice checks, check_settings() validates
// what a range cannot express (addresses, paths, regular expressions),
// with the same "property config/<name>: <value> <reason>" messages.
//
// config/hypervisor-backend is read by the one shared reader
// (daemons/kit/backend_setting.h), not here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "daemons/kit/service_config.h"
#include "lib/base/result.h"

namespace xvm::xend {

struct Settings {
    // Ballooning floor for dom0 (MiB); 0 = never balloon dom0.
    std::int64_t dom0_min_mem = 196;
    // dom0's online vcpus (0 = leave them all).
    std::int64_t dom0_cpus = 0;
    // Dump a crashed guest's core to /var/xen/dump.
    bool enable_dump = true;
    // The legacy HTTP + S-expression interface and its socket.
    bool unix_server = true;
    std::string unix_path = "/var/lib/xend/xend-socket";
    // The XML-RPC socket xm talks to.
    std::string xmlrpc_path = "/var/run/xend/xmlrpc.sock";
    // The console ring limit written for each guest (KiB).
    std::int64_t console_limit = 1024;
    // HVM console defaults (VNC).
    std::string vnc_listen = "127.0.0.1";
    std::string vncpasswd = "";
    // Relocation (migration) listener: validated and documented; this
    // release has no relocation listener (xend(1M)).
    bool relocation_server = true;
    std::string relocation_address = "127.0.0.1";
    std::int64_t relocation_port = 8002;
    std::string relocation_hosts_allow = "^localhost$";

    bool operator==(const Settings&) const = default;
};

using XendConfig = kit::ServiceConfig<Settings>;

std::span<const kit::Setting<Settings>> settings_table();
// The rows whose values are strings (their loading fails only when the
// repository cannot be read).
std::span<const kit::Setting<Settings>> string_settings_table();

// Errors (all of them, "; "-joined) for values the table's ranges cannot
// check. Paths are checked as written, before XVM_ROOT is applied.
Status check_settings(const Settings& s);

// The settings as they would be shown by -n and logged at refresh
// ("dom0-min-mem=196 dom0-cpus=0 ..."); vncpasswd is never shown.
std::string describe(const Settings& s);

// Every property whose value differs, by name.
std::vector<std::string> changed_settings(const Settings& before, const Settings& after);

}  // namespace xvm::xend
