#include "lib/priv/privilege.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <sstream>

#include "lib/base/file.h"
#include "lib/base/format.h"

namespace xvm {
namespace {

// The basic privileges of current illumos. Each must be defined in
// priv_names; a file lacking one is rejected, so "basic" never silently
// shrinks.
constexpr std::array<std::string_view, 9> kBasicPrivileges = {
    "file_link_any", "file_read", "file_write", "net_access", "proc_exec",
    "proc_fork", "proc_info", "proc_secflags", "proc_session"};

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool valid_name(std::string_view name) {
    if (name.empty()) return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::islower(c) || std::isdigit(c) || c == '_';
    });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

}  // namespace

Result<PrivNames> PrivNames::parse(std::string_view text, std::string_view origin) {
    PrivNames names;
    std::istringstream in{std::string(text)};
    std::string line;
    int lineno = 0;
    bool in_entry = false;
    while (std::getline(in, line)) {
        ++lineno;
        if (line.empty()) {
            in_entry = false;
            continue;
        }
        if (line.front() == '#') continue;
        if (line.front() == '\t' || line.front() == ' ') {
            if (!in_entry)
                return make_error(cat(origin, ":", lineno, ": description without a privilege"));
            std::string& desc = names.descriptions_.back();
            if (!desc.empty()) desc += ' ';
            desc += trim(line);
            continue;
        }
        std::string name(trim(line));
        if (!valid_name(name))
            return make_error(cat(origin, ":", lineno, ": invalid privilege name \"", name, "\""));
        if (names.index_of(name))
            return make_error(cat(origin, ":", lineno, ": privilege ", name, " defined twice"));
        if (names.names_.size() == kMaxPrivileges)
            return make_error(cat(origin, ":", lineno, ": more than ", kMaxPrivileges,
                                  " privileges"));
        names.names_.push_back(name);
        names.descriptions_.emplace_back();
        in_entry = true;
    }
    for (std::string_view basic : kBasicPrivileges)
        if (!names.index_of(basic))
            return make_error(cat(origin, ": basic privilege ", basic, " is not defined"));
    return names;
}

Result<PrivNames> PrivNames::load(const std::string& path) {
    Result<std::string> text = read_text_file(path);
    if (!text) return std::move(text).error();
    return parse(*text, path);
}

std::optional<std::size_t> PrivNames::index_of(std::string_view name) const {
    std::string key = lower(name);
    if (key.starts_with("priv_")) key.erase(0, 5);
    auto it = std::find(names_.begin(), names_.end(), key);
    if (it == names_.end()) return std::nullopt;
    return static_cast<std::size_t>(it - names_.begin());
}

Result<PrivSet> PrivNames::set_of(const std::vector<std::string>& list) const {
    PrivSet set;
    for (const std::string& name : list) {
        auto index = index_of(name);
        if (!index) return make_error(cat("unknown privilege \"", name, "\""));
        set.add(*index);
    }
    return set;
}

Result<PrivSet> PrivNames::parse_spec(std::string_view spec) const {
    PrivSet set;
    if (trim(spec).empty()) return set;
    std::string_view rest = spec;
    while (true) {
        std::size_t comma = rest.find(',');
        std::string_view token = trim(rest.substr(0, comma));
        bool remove = !token.empty() && (token.front() == '!' || token.front() == '-');
        if (remove) token.remove_prefix(1);
        PrivSet operand;
        std::string key = lower(token);
        if (key == "all" || key == "zone") {
            operand = all();
        } else if (key == "basic") {
            operand = basic();
        } else if (key != "none") {
            auto index = index_of(token);
            if (!index)
                return make_error(cat("unknown privilege \"", token, "\" in \"", spec, "\""));
            operand.add(*index);
        }
        set = remove ? set - operand : set | operand;
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return set;
}

PrivSet PrivNames::all() const {
    PrivSet set;
    for (std::size_t i = 0; i < names_.size(); ++i) set.add(i);
    return set;
}

PrivSet PrivNames::basic() const {
    PrivSet set;
    for (std::string_view name : kBasicPrivileges) set.add(*index_of(name));
    return set;
}

std::vector<std::string> PrivNames::names_of(const PrivSet& set) const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < names_.size(); ++i)
        if (set.contains(i)) out.push_back(names_[i]);
    return out;
}

std::string PrivNames::to_string(const PrivSet& set) const {
    return set.empty() ? "none" : join(names_of(set), ",");
}

}  // namespace xvm
