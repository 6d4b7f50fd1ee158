#include "lib/priv/priv_caps.h"

#include <sstream>

#include "lib/base/file.h"
#include "lib/base/format.h"

namespace xvm {

Result<CapTable> CapTable::parse(const PrivNames& names, std::string_view text,
                                 std::string_view origin) {
    CapTable table;
    table.caps_.resize(names.size());
    std::vector<bool> seen(names.size(), false);
    std::vector<std::string> errors;
    std::istringstream in{std::string(text)};
    std::string line;
    for (int lineno = 1; std::getline(in, line); ++lineno) {
        std::istringstream fields(line.substr(0, line.find('#')));
        std::string privilege, caps, extra;
        if (!(fields >> privilege)) continue;
        std::string where = cat(origin, ":", lineno, ": ");
        if (!(fields >> caps) || (fields >> extra)) {
            errors.push_back(where + "expected \"privilege capabilities\"");
            continue;
        }
        auto index = names.index_of(privilege);
        if (!index) {
            errors.push_back(where + "unknown privilege \"" + privilege + "\"");
            continue;
        }
        if (seen[*index]) {
            errors.push_back(where + "privilege " + privilege + " listed twice");
            continue;
        }
        seen[*index] = true;
        if (caps == "-") continue;
        Result<CapMask> parsed = parse_cap_mask(caps);
        if (!parsed) {
            errors.push_back(where + parsed.error().message);
            continue;
        }
        table.caps_[*index] = *parsed;
    }
    for (std::size_t i = 0; i < names.size(); ++i)
        if (!seen[i]) errors.push_back(cat(origin, ": privilege ", names.name(i), " has no line"));
    if (!errors.empty()) return make_error(join(errors, "; "));
    return table;
}

Result<CapTable> CapTable::load(const PrivNames& names, const std::string& path) {
    Result<std::string> text = read_text_file(path);
    if (!text) return std::move(text).error();
    return parse(names, *text, path);
}

CapMask CapTable::capabilities_for(const PrivSet& set) const {
    CapMask out = 0;
    for (std::size_t i = 0; i < caps_.size(); ++i)
        if (set.contains(i)) out |= caps_[i];
    return out;
}

}  // namespace xvm
