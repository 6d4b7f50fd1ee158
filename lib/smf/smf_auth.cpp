// The authorization rules of smf_auth.h. Everything is decided from the
// group's name first and its type second, because svc.startd reads its
// method, context and restart settings by name: a group called "start"
// of type application still decides what runs.
#include "lib/smf/smf_auth.h"

#include <algorithm>
#include <array>

#include "lib/base/format.h"
#include "lib/smf/rbac.h"

namespace xvm::smf {
namespace {

enum class PgClass { State, General, Method, Dependency, Framework, Application, Other };

constexpr std::array<std::string_view, 4> kAuthProps{"action_authorization", "value_authorization",
                                                     "modify_authorization", "read_authorization"};

bool is_auth_prop(std::string_view prop) {
    return std::find(kAuthProps.begin(), kAuthProps.end(), prop) != kAuthProps.end();
}

PgClass classify(std::string_view name, std::string_view type) {
    if (name.starts_with("restarter") || name == "general_ovr") return PgClass::State;
    if (name == "general") return PgClass::General;
    if (name == "start" || name == "stop" || name == "refresh" || name == "method_context" || type == "method")
        return PgClass::Method;
    if (name == "startd" || name == "dependents") return PgClass::Framework;
    if (type == "dependency") return PgClass::Dependency;
    if (type == "framework") return PgClass::Framework;
    if (type == "application") return PgClass::Application;
    return PgClass::Other;
}

std::vector<std::string> modify_auths(PgClass c) {
    std::string m(kAuthModify);
    switch (c) {
    case PgClass::State:
    case PgClass::Other: return {m};
    case PgClass::General:
    case PgClass::Framework: return {m + ".framework", m};
    case PgClass::Method: return {m + ".method", m};
    case PgClass::Dependency: return {m + ".dependency", m};
    case PgClass::Application: return {m + ".application", m};
    }
    return {m};
}

const PropertyGroup* find_pg(const PgSet* set, std::string_view pg) {
    return set ? set->find(pg) : nullptr;
}

// The group's type as the request sees it: the entity's own group, else
// the service's.
std::string pg_type(const AuthScope& s, std::string_view pg) {
    if (const PropertyGroup* g = find_pg(s.own, pg)) return g->type;
    if (const PropertyGroup* g = find_pg(s.service, pg)) return g->type;
    return "";
}

bool string_typed(const Property& p) { return p.type == PropType::Astring || is_ustring(p.type); }

// The values of authorization property `prop` of group `pg`: the entity's
// own, else the service's group of the same name (illumos rc_node.c's
// perm_add_enabling_values). Only string-typed properties count.
std::vector<std::string> auth_values(const AuthScope& s, std::string_view pg, std::string_view prop) {
    for (const PgSet* set : {s.own, s.service}) {
        const PropertyGroup* g = find_pg(set, pg);
        const Property* p = g ? g->find(prop) : nullptr;
        if (p != nullptr) return string_typed(*p) ? p->values : std::vector<std::string>{};
    }
    return {};
}

void append(std::vector<std::string>& to, const std::vector<std::string>& from) {
    for (const std::string& a : from)
        if (!a.empty() && std::find(to.begin(), to.end(), a) == to.end()) to.push_back(a);
}

// setprop of an existing property, keeping its type: illumos' "change of
// values", which a value_authorization may make.
bool values_only(const Request& r, const AuthScope& s) {
    if (r.verb != "setprop" || r.args.size() < 3 || is_auth_prop(r.args[1])) return false;
    const PropertyGroup* g = find_pg(s.own, r.args[0]);
    const Property* p = g ? g->find(r.args[1]) : nullptr;
    return p != nullptr && (r.args[2].empty() || r.args[2] == type_name(p->type));
}

Needed property_change(const Request& r, const AuthScope& s) {
    Needed n;
    const std::string pg = r.args.empty() ? "" : r.args[0];
    std::string type = r.verb == "addpg" && r.args.size() > 1 ? r.args[1] : pg_type(s, pg);
    bool whole_pg = r.verb == "addpg" || r.verb == "delpg" || (r.verb == "delprop" && r.args.size() == 1);
    std::string prop = !whole_pg && r.args.size() > 1 ? r.args[1] : "";
    n.what = whole_pg ? cat(r.verb, " of property group ", pg) : cat(r.verb, " of ", pg, "/", prop);
    if (prop == "action_authorization") {  // who may act on the service: only a full modifier
        n.any = {std::string(kAuthModify)};
        return n;
    }
    PgClass c = classify(pg, type);
    n.any = modify_auths(c);
    if (c != PgClass::Application) return n;
    append(n.any, auth_values(s, pg, "modify_authorization"));
    if (values_only(r, s)) append(n.any, auth_values(s, pg, "value_authorization"));
    return n;
}

Needed action(const Request& r, const AuthScope& s) {
    Needed n;
    n.what = r.verb;
    // The instance's general/action_authorization, else its service's.
    for (const PgSet* set : {s.own, s.service}) {
        const Property* p = set ? set->find("general", "action_authorization") : nullptr;
        if (p == nullptr) continue;
        if (string_typed(*p)) append(n.any, p->values);
        break;
    }
    append(n.any, {std::string(kAuthManage), std::string(kAuthModify)});
    if (r.verb == "enable" || r.verb == "disable") append(n.any, {std::string(kAuthModify) + ".framework"});
    return n;
}

}  // namespace

bool read_protected(const AuthScope& s, std::string_view pg) {
    if (pg_type(s, pg) != "application") return false;
    for (const PgSet* set : {s.own, s.service}) {
        const PropertyGroup* g = find_pg(set, pg);
        const Property* p = g ? g->find("read_authorization") : nullptr;
        if (p != nullptr && string_typed(*p)) return true;
    }
    return false;
}

Needed needed_to_read(const AuthScope& s, std::string_view pg) {
    Needed n;
    n.what = cat("reading property group ", pg);
    if (!read_protected(s, pg)) {
        n.anyone = true;
        return n;
    }
    for (const char* prop : {"read_authorization", "value_authorization", "modify_authorization"})
        append(n.any, auth_values(s, pg, prop));
    append(n.any, modify_auths(PgClass::Application));
    return n;
}

Needed needed_for(const Request& r, const AuthScope& s) {
    switch (kind_of(r.verb)) {
    case RequestKind::Notify: return Needed{true, {}, r.verb};
    case RequestKind::Action: return action(r, s);
    case RequestKind::Property: return property_change(r, s);
    case RequestKind::Read:  // judged by needed_to_read() on the view read
    case RequestKind::Unknown: break;
    }
    return Needed{false, {}, r.verb};
}

bool permits(const Needed& n, const std::vector<std::string>& held) {
    if (n.anyone) return true;
    return std::any_of(n.any.begin(), n.any.end(), [&](const std::string& a) { return has_authorization(held, a); });
}

std::string denial(const Needed& n, std::string_view entity) {
    std::string who = n.any.empty() ? "root" : "";
    for (std::size_t i = 0; i < n.any.size(); ++i)
        who += cat(i == 0 ? "" : i + 1 == n.any.size() ? " or " : ", ", n.any[i]);
    return cat("permission denied: ", n.what, " on svc:/", entity,
               n.any.empty() ? " is reserved to " : " requires authorization ", who);
}

}  // namespace xvm::smf
