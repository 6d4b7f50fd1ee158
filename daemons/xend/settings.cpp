#include "daemons/xend/settings.h"

#include <arpa/inet.h>
#include <sys/un.h>

#include <regex>

#include "lib/base/format.h"

namespace xvm::xend {
namespace {

constexpr std::int64_t kMaxMib = std::int64_t{1} << 30;  // 1 PiB: beyond any host

const kit::Setting<Settings> kTable[] = {
    {.name = "dom0-min-mem", .member = &Settings::dom0_min_mem, .range = {0, kMaxMib},
     .doc = "MiB below which dom0 is never ballooned; 0 = no ballooning"},
    {.name = "dom0-cpus", .member = &Settings::dom0_cpus, .range = {0, 4096},
     .doc = "dom0's online vcpus; 0 = all"},
    {.name = "enable-dump", .member = &Settings::enable_dump,
     .doc = "dump crashed guests to /var/xen/dump"},
    {.name = "xend-unix-server", .member = &Settings::unix_server,
     .doc = "serve the legacy HTTP interface on xend-unix-path"},
    {.name = "xend-unix-path", .member = &Settings::unix_path,
     .doc = "socket of the legacy HTTP interface"},
    {.name = "xend-unix-xmlrpc-path", .member = &Settings::xmlrpc_path,
     .doc = "socket of the XML-RPC interface"},
    {.name = "console-limit", .member = &Settings::console_limit, .range = {1, 1 << 20},
     .doc = "KiB of console output buffered per guest"},
    {.name = "vnc-listen", .member = &Settings::vnc_listen, .doc = "address HVM consoles listen on"},
    {.name = "vncpasswd", .member = &Settings::vncpasswd, .doc = "default VNC password"},
    {.name = "xend-relocation-server", .member = &Settings::relocation_server,
     .doc = "accept migrations"},
    {.name = "xend-relocation-address", .member = &Settings::relocation_address,
     .doc = "relocation listener address; empty = all"},
    {.name = "xend-relocation-port", .member = &Settings::relocation_port, .range = {1, 65535},
     .doc = "relocation listener port"},
    {.name = "xend-relocation-hosts-allow", .member = &Settings::relocation_hosts_allow,
     .doc = "regular expressions of hosts allowed to migrate here"},
};

std::string origin(std::string_view name, std::string_view value) {
    return cat("property config/", name, ": \"", value, "\"");
}

bool ip_literal(const std::string& text) {
    unsigned char buf[16];
    return ::inet_pton(AF_INET, text.c_str(), buf) == 1 || ::inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// Absolute, without empty, "." or ".." components, and short enough for
// a socket address once XVM_ROOT is put in front (checked again at bind).
void check_socket_path(std::string_view name, const std::string& path,
                       std::vector<std::string>& errors) {
    bool plain = path.size() > 1 && path[0] == '/' && path.back() != '/';
    for (std::size_t at = 1; plain && at <= path.size();) {
        std::size_t slash = path.find('/', at);
        if (slash == std::string::npos) slash = path.size();
        std::string_view part = std::string_view(path).substr(at, slash - at);
        plain = !part.empty() && part != "." && part != "..";
        at = slash + 1;
    }
    if (!plain) {
        errors.push_back(cat(origin(name, path), " is not a plain absolute path"));
        return;
    }
    if (path.size() >= sizeof(sockaddr_un{}.sun_path))
        errors.push_back(cat(origin(name, path), " is longer than a socket path may be (",
                             sizeof(sockaddr_un{}.sun_path) - 1, " bytes)"));
}

bool printable(const std::string& s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

// Space-separated patterns, each a regular expression that must compile
// (relocation access would otherwise fail open or closed by surprise). A
// doubled space is refused: in the original it made an empty pattern that
// let everyone in (XEND.md section 6).
void check_hosts_allow(const std::string& text, std::vector<std::string>& errors) {
    std::string_view name = "xend-relocation-hosts-allow";
    if (text.empty()) return;  // allow all: the administrator said so
    std::size_t at = 0;
    while (at <= text.size()) {
        std::size_t space = text.find(' ', at);
        if (space == std::string::npos) space = text.size();
        std::string pattern = text.substr(at, space - at);
        if (pattern.empty()) {
            errors.push_back(cat(origin(name, text),
                                 " has an empty pattern (leading, trailing or doubled space), which "
                                 "would allow every host"));
            return;
        }
        try {
            std::regex re(pattern, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            errors.push_back(cat(origin(name, text), ": pattern \"", pattern,
                                 "\" is not a regular expression (", e.what(), ")"));
        }
        at = space + 1;
    }
}

}  // namespace

std::span<const kit::Setting<Settings>> settings_table() { return kTable; }

std::span<const kit::Setting<Settings>> string_settings_table() {
    static const std::vector<kit::Setting<Settings>> rows = [] {
        std::vector<kit::Setting<Settings>> out;
        for (const auto& row : kTable)
            if (std::holds_alternative<std::string Settings::*>(row.member)) out.push_back(row);
        return out;
    }();
    return rows;
}

Status check_settings(const Settings& s) {
    std::vector<std::string> errors;
    check_socket_path("xend-unix-path", s.unix_path, errors);
    check_socket_path("xend-unix-xmlrpc-path", s.xmlrpc_path, errors);
    if (s.unix_path == s.xmlrpc_path)
        errors.push_back(cat(origin("xend-unix-path", s.unix_path),
                             " is also config/xend-unix-xmlrpc-path: the two interfaces need two sockets"));
    if (!ip_literal(s.vnc_listen))
        errors.push_back(cat(origin("vnc-listen", s.vnc_listen), " is not an IPv4 or IPv6 address"));
    if (!s.relocation_address.empty() && !ip_literal(s.relocation_address))
        errors.push_back(cat(origin("xend-relocation-address", s.relocation_address),
                             " is not an IPv4 or IPv6 address (empty = all addresses)"));
    if (!printable(s.vncpasswd) || s.vncpasswd.size() > 64)
        // The value itself is a secret: never repeat it.
        errors.push_back("property config/vncpasswd: not a printable string of at most 64 bytes");
    check_hosts_allow(s.relocation_hosts_allow, errors);
    if (!errors.empty()) return make_error(join(errors, "; "));
    return {};
}

std::string describe(const Settings& s) {
    std::vector<std::string> parts;
    for (const auto& row : kTable) {
        std::string value = row.name == "vncpasswd" ? (s.vncpasswd.empty() ? "(none)" : "(set)")
                                                     : XendConfig::text(s, row);
        parts.push_back(cat(row.name, "=", value));
    }
    return join(parts, " ");
}

std::vector<std::string> changed_settings(const Settings& before, const Settings& after) {
    std::vector<std::string> out;
    for (const auto& row : kTable)
        if (XendConfig::text(before, row) != XendConfig::text(after, row)) out.emplace_back(row.name);
    return out;
}

}  // namespace xvm::xend
