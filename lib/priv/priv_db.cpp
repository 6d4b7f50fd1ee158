#include "lib/priv/priv_db.h"

#include <grp.h>

#include <algorithm>
#include <sstream>

#include "lib/base/file.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/paths.h"
#include "lib/priv/ucred.h"

namespace xvm {
namespace {

// getgrnam_r with a buffer that grows; nullopt when the group is absent.
std::optional<gid_t> lookup_group(const std::string& name) {
    std::vector<char> buf(1024);
    struct group grp {};
    struct group* found = nullptr;
    while (::getgrnam_r(name.c_str(), &grp, buf.data(), buf.size(), &found) == ERANGE)
        buf.resize(buf.size() * 2);
    if (found == nullptr) return std::nullopt;
    return found->gr_gid;
}

}  // namespace

Result<PrivDb> PrivDb::parse(PrivNames names, std::string_view groups_text,
                             std::string_view origin) {
    PrivDb db(std::move(names));
    std::istringstream in{std::string(groups_text)};
    std::string line;
    int lineno = 0;
    std::vector<std::string> errors;
    while (std::getline(in, line)) {
        ++lineno;
        std::istringstream fields(line.substr(0, line.find('#')));
        std::string privilege, group, extra;
        if (!(fields >> privilege)) continue;
        if (!(fields >> group) || (fields >> extra)) {
            errors.push_back(cat(origin, ":", lineno, ": expected \"privilege group\""));
            continue;
        }
        auto index = db.names_.index_of(privilege);
        if (!index) {
            errors.push_back(cat(origin, ":", lineno, ": unknown privilege \"", privilege, "\""));
            continue;
        }
        auto gid = lookup_group(group);
        if (!gid)
            db.warnings_.push_back(cat(origin, ":", lineno, ": group ", group,
                                       " does not exist; nobody holds ", privilege,
                                       " through it"));
        db.grants_.push_back({*index, group, gid.has_value(), gid.value_or(0)});
    }
    if (!errors.empty()) return make_error(join(errors, "; "));
    return db;
}

Result<PrivDb> PrivDb::load(const std::string& names_path, const std::string& groups_path) {
    Result<PrivNames> names = PrivNames::load(names_path);
    if (!names) return std::move(names).error();
    Result<std::string> text = read_text_file(groups_path);
    if (!text) return std::move(text).error();
    return parse(std::move(*names), *text, groups_path);
}

Result<PrivDb> PrivDb::load_installed() {
    return load(root_path(kPrivNamesPath), root_path(kPrivGroupsPath));
}

PrivSet PrivDb::privileges_for(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) const {
    if (uid == 0) return names_.all();
    PrivSet held;
    for (const GroupGrant& grant : grants_) {
        if (!grant.resolved) continue;
        bool member = gid == grant.gid ||
                      std::find(groups.begin(), groups.end(), grant.gid) != groups.end();
        if (member) held.add(grant.privilege);
    }
    return held;
}

bool PrivDb::permits(const PeerCred& peer, const PrivSet& any_of) const {
    return peer.privileges.intersects(any_of);
}

std::string PrivDb::describe_any(const PrivSet& set) const {
    return set.empty() ? "a privilege that does not exist" : join(names_.names_of(set), " or ");
}

}  // namespace xvm
