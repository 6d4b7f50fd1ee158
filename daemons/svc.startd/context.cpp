#include "daemons/svc.startd/context.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/priv/cred_switch.h"

namespace xvm::startd {
namespace {

// A method pg's own context properties override method_context's.
std::optional<std::string> lookup(const ContextInput& in, const char* prop) {
    for (const char* pg : {in.method.c_str(), "method_context"})
        if (auto v = in.running->first(pg, prop)) return v;
    return std::nullopt;
}

bool is_default(const std::optional<std::string>& v) { return !v || v->empty() || *v == ":default"; }

bool numeric(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<gid_t> group_id(const std::string& name) {
    if (numeric(name)) return static_cast<gid_t>(std::strtoul(name.c_str(), nullptr, 10));
    struct group* gr = ::getgrnam(name.c_str());
    if (gr == nullptr) return make_error(cat("group \"", name, "\" does not exist"));
    return gr->gr_gid;
}

Status resolve_ids(const ContextInput& in, MethodContext& c, std::string& home) {
    auto user = lookup(in, "user");
    if (!user) return {};
    struct passwd* pw = numeric(*user) ? ::getpwuid(static_cast<uid_t>(std::atol(user->c_str())))
                                       : ::getpwnam(user->c_str());
    if (pw == nullptr) return make_error(cat("user \"", *user, "\" does not exist"));
    c.set_ids = true;
    c.uid = pw->pw_uid;
    c.gid = pw->pw_gid;
    home = pw->pw_dir ? pw->pw_dir : "/";
    std::string uname = pw->pw_name;
    if (auto g = lookup(in, "group"); !is_default(g)) {
        auto gid = group_id(*g);
        if (!gid) return std::move(gid).error();
        c.gid = *gid;
    }
    auto supp = lookup(in, "supp_groups");
    if (is_default(supp)) {
        int n = 64;
        std::vector<gid_t> gs(static_cast<std::size_t>(n));
        if (::getgrouplist(uname.c_str(), c.gid, gs.data(), &n) < 0) n = 0;
        gs.resize(static_cast<std::size_t>(std::max(n, 0)));
        c.groups = gs;
    } else {
        std::string list = *supp;
        std::replace(list.begin(), list.end(), ',', ' ');
        std::size_t pos = 0;
        while (pos < list.size()) {
            auto b = list.find_first_not_of(' ', pos);
            if (b == std::string::npos) break;
            auto e = list.find(' ', b);
            auto gid = group_id(list.substr(b, e - b));
            if (!gid) return std::move(gid).error();
            c.groups.push_back(*gid);
            pos = e;
        }
    }
    return {};
}

Status resolve_privileges(const ContextInput& in, MethodContext& c) {
    auto privs = lookup(in, "privileges");
    auto limit = lookup(in, "limit_privileges");
    if (!c.set_ids && is_default(privs) && is_default(limit)) return {};  // root, all privileges
    PrivSet set = in.names->basic();
    if (!is_default(privs)) {
        auto p = in.names->parse_spec(*privs);
        if (!p) return std::move(p).error().context("privileges");
        set = *p;
    } else if (!c.set_ids || c.uid == 0) {
        set = in.names->all();
    }
    if (!is_default(limit)) {
        auto l = in.names->parse_spec(*limit);
        if (!l) return std::move(l).error().context("limit_privileges");
        set = set & *l;
    }
    c.limit_caps = true;
    c.caps = in.caps->capabilities_for(set);
    return {};
}

void build_env(const ContextInput& in, MethodContext& c) {
    c.env = {"PATH=/usr/sbin:/usr/bin", cat("SMF_FMRI=svc:/", in.instance), "SMF_METHOD=" + in.method,
             "SMF_RESTARTER=svc:/system/svc/restarter:default", "SMF_ZONENAME=global"};
    // Methods of a private root must find that root's repository and
    // sockets (a Linux addition; unset for an installation in /).
    if (!xvm_root().empty()) c.env.push_back("XVM_ROOT=" + xvm_root());
    for (const char* pg : {"method_context", in.method.c_str()}) {
        const smf::Property* p = in.running->find(pg, "environment");
        if (p == nullptr) continue;
        for (const std::string& e : p->values) {
            auto eq = e.find('=');
            if (eq == std::string::npos || eq == 0 || e.starts_with("SMF_")) {
                c.warnings.push_back(cat("ignoring environment entry \"", e, "\""));
                continue;
            }
            std::string name = e.substr(0, eq + 1);
            std::erase_if(c.env, [&](const std::string& x) { return x.starts_with(name); });
            c.env.push_back(e);
        }
    }
}

}  // namespace

Result<MethodContext> resolve_context(const ContextInput& in) {
    MethodContext c;
    std::string home = "/";
    if (auto st = resolve_ids(in, c, home); !st) return std::move(st).error();
    if (auto st = resolve_privileges(in, c); !st) return std::move(st).error();
    auto wd = lookup(in, "working_directory");
    if (!wd) c.working_dir = c.set_ids ? home : "/";
    else if (*wd == ":default" || *wd == ":home") c.working_dir = home;
    else c.working_dir = *wd;
    build_env(in, c);
    return c;
}

Status apply_context(const MethodContext& c) {
    if (c.limit_caps) {
        // Without a user the method stays root (with fewer capabilities)
        // and keeps svc.startd's groups.
        gid_t own[64];
        int n = c.set_ids ? 0 : ::getgroups(64, own);
        if (n < 0) return errno_error("getgroups");
        std::span<const gid_t> groups =
            c.set_ids ? std::span<const gid_t>(c.groups) : std::span<const gid_t>(own, n);
        CredSpec spec{.uid = c.set_ids ? c.uid : 0,
                      .gid = c.set_ids ? c.gid : 0,
                      .groups = groups,
                      .keep = c.caps,
                      .survive_exec = true};
        if (Status s = switch_credentials(spec); !s) return s;
    }
    if (::chdir(c.working_dir.c_str()) < 0)
        return errno_error(cat("cannot change to working directory ", c.working_dir));
    return {};
}

}  // namespace xvm::startd
