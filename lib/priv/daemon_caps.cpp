#include "lib/priv/daemon_caps.h"

#include <sstream>

#include "lib/base/file.h"
#include "lib/base/format.h"
#include "lib/base/paths.h"

namespace xvm {

Result<DaemonCaps> DaemonCaps::parse(std::string_view text, std::string_view origin) {
    DaemonCaps caps;
    caps.origin_ = origin;
    std::istringstream in{std::string(text)};
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        line = line.substr(0, line.find('#'));
        std::istringstream words(line);
        std::string daemon, list, extra;
        if (!(words >> daemon)) continue;  // blank or a comment continuing a reason
        std::string where = cat(origin, ":", number);
        if (!(words >> list)) return make_error(cat(where, ": ", daemon, " has no capability list"));
        if (words >> extra) return make_error(cat(where, ": unexpected \"", extra, "\""));
        auto mask = parse_cap_mask(list);
        if (!mask) return std::move(mask).error().context(where);
        if (!caps.keep_.emplace(daemon, *mask).second)
            return make_error(cat(where, ": ", daemon, " is listed twice"));
    }
    return caps;
}

Result<DaemonCaps> DaemonCaps::load(const std::string& path) {
    auto text = read_text_file(path);
    if (!text) return std::move(text).error();
    return parse(*text, path);
}

Result<DaemonCaps> DaemonCaps::load_installed() { return load(root_path(kDaemonCapsPath)); }

Result<CapMask> DaemonCaps::keep_for(std::string_view daemon) const {
    auto it = keep_.find(daemon);
    if (it == keep_.end()) return make_error(cat(origin_, ": no line for ", daemon), ENOENT);
    return it->second;
}

}  // namespace xvm
