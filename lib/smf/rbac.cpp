// user_attr/prof_attr reading. Files are parsed on every check (they are
// small) so an administrator's edit applies to the next request without
// restarting svc.startd. Unknown or malformed lines grant nothing.
#include "lib/smf/rbac.h"

#include <dirent.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "lib/base/file.h"
#include "lib/base/paths.h"

namespace xvm {
namespace {

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto pos = s.find(sep, start);
        std::string_view part = s.substr(start, pos == std::string_view::npos ? s.npos : pos - start);
        if (!part.empty()) out.emplace_back(part);
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}

// The attribute fields of the entries named `name` (field 0) whose
// attribute field is field `attr_index`, joined with ';' (an entry may
// appear in the main file and in fragments: their attributes add up);
// "" when absent.
std::string entry_attrs(std::string_view text, std::string_view name, std::size_t attr_index) {
    std::istringstream in{std::string(text)};
    std::string line, out;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> fields;
        std::size_t start = 0;
        while (true) {
            auto pos = line.find(':', start);
            fields.push_back(line.substr(start, pos == std::string::npos ? pos : pos - start));
            if (pos == std::string::npos) break;
            start = pos + 1;
        }
        if (fields.size() > attr_index && fields[0] == name) out += (out.empty() ? "" : ";") + fields[attr_index];
    }
    return out;
}

void add_profile(std::string_view profile, std::string_view prof_attr, std::set<std::string>& seen,
                 std::vector<std::string>& auths) {
    if (!seen.insert(std::string(profile)).second) return;  // cycles in prof_attr end here
    for (const auto& [key, value] : parse_attrs(entry_attrs(prof_attr, profile, 4))) {
        if (key == "auths")
            for (std::string& a : split(value, ',')) auths.push_back(std::move(a));
        else if (key == "profiles")
            for (const std::string& p : split(value, ',')) add_profile(p, prof_attr, seen, auths);
    }
}

// The main file, then the fragments of its .d directory in name order
// (files only; names starting with '.' are skipped, like editors' backups).
std::string database_text(std::string_view file, std::string_view dir) {
    auto main = read_text_file(root_path(file));
    std::string out = main ? *main + "\n" : "";
    std::vector<std::string> names;
    std::string d = root_path(dir);
    if (DIR* h = ::opendir(d.c_str())) {
        while (struct dirent* e = ::readdir(h))
            if (e->d_name[0] != '.' && e->d_type == DT_REG) names.emplace_back(e->d_name);
        ::closedir(h);
    }
    std::sort(names.begin(), names.end());
    for (const std::string& n : names)
        if (auto t = read_text_file(d + "/" + n)) out += *t + "\n";
    return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_attrs(std::string_view field) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string& kv : split(field, ';')) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) continue;
        out.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    return out;
}

std::vector<std::string> authorizations_from(std::string_view user, std::string_view user_attr,
                                             std::string_view prof_attr) {
    std::vector<std::string> auths;
    std::set<std::string> seen;
    for (const auto& [key, value] : parse_attrs(entry_attrs(user_attr, user, 4))) {
        if (key == "auths")
            for (std::string& a : split(value, ',')) auths.push_back(std::move(a));
        else if (key == "profiles")
            for (const std::string& p : split(value, ',')) add_profile(p, prof_attr, seen, auths);
    }
    return auths;
}

std::vector<std::string> user_authorizations(std::string_view user) {
    return authorizations_from(user, database_text(kUserAttrPath, kUserAttrDir),
                               database_text(kProfAttrPath, kProfAttrDir));
}

bool auth_grants(std::string_view held, std::string_view needed) {
    if (held == needed) return true;
    if (held.ends_with(".*") || held == "*") {
        std::string_view prefix = held.substr(0, held.size() - 1);  // keeps the dot
        return needed.starts_with(prefix);
    }
    return false;
}

bool has_authorization(const std::vector<std::string>& held, std::string_view needed) {
    for (const std::string& h : held)
        if (auth_grants(h, needed)) return true;
    return false;
}

}  // namespace xvm
