// Requests applied to the repository. Each runs inside one repository
// transaction (Repository::update/transaction), so a failed check leaves
// nothing half-written - the "nothing changes on error" rule of svccfg
// and svcadm comes from here.
#include "lib/smf/smf_actions.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "lib/base/format.h"

namespace xvm::smf {
namespace {

constexpr std::array<std::string_view, 11> kActionProps{
    "restart",          "refresh",   "maint_on",          "maint_on_immediate", "maint_on_temporary",
    "maint_on_immtemp", "maint_off", "degraded",          "degrade_immediate",  "restore",
    "dodump"};

bool is_action_prop(std::string_view verb) {
    return std::find(kActionProps.begin(), kActionProps.end(), verb) != kActionProps.end();
}

Status set_enabled(Repository& repo, const Request& r, bool enable, bool temporary) {
    return repo.update(r.entity, [&](PgSet& set) -> Status {
        // svcadm's restarter_setup(): restarter_actions/auxiliary_tty tells
        // the restarter an administrator asked (an enable or disable
        // request, even one that changes no value: a disable takes an
        // instance out of maintenance). Whether the applying process has a
        // terminal.
        set.get_or_add("restarter_actions", "framework", false)
            .set(Property{"auxiliary_tty", PropType::Boolean, {::isatty(STDIN_FILENO) == 1 ? "true" : "false"}});
        if (temporary) {
            PropertyGroup& ovr = set.get_or_add("general_ovr", "framework", false);
            ovr.set(Property{"enabled", PropType::Boolean, {enable ? "true" : "false"}});
            return {};
        }
        PropertyGroup& gen = set.get_or_add("general", "framework");
        gen.set(Property{"enabled", PropType::Boolean, {enable ? "true" : "false"}});
        if (!enable && !r.args.empty() && !r.args[0].empty())
            gen.set(Property{"comment", PropType::Astring, {r.args[0]}});
        else if (enable)
            gen.remove("comment");
        // A persistent change drops any temporary override (svcadm(1M) -t).
        if (PropertyGroup* ovr = set.find("general_ovr")) ovr->remove("enabled");
        return {};
    });
}

Status apply_property(Repository& repo, const Request& r) {
    const auto& a = r.args;
    auto need = [&](std::size_t n) -> Status {
        if (a.size() < n) return make_error(cat(r.verb, ": missing arguments"));
        return {};
    };
    return repo.update(r.entity, [&](PgSet& set) -> Status {
        if (r.verb == "setprop") {
            if (auto st = need(3); !st) return st;
            std::optional<PropType> type;
            if (!a[2].empty()) {
                type = type_from_name(a[2]);
                if (!type) return make_error(cat("unknown type \"", a[2], "\""));
            }
            return set_property(set, a[0], a[1], type, {a.begin() + 3, a.end()});
        }
        if (r.verb == "addpg") {
            if (auto st = need(2); !st) return st;
            if (auto st = check_name("property group", a[0]); !st) return st;
            if (auto st = check_name("property group type", a[1]); !st) return st;
            if (set.find(a[0])) return make_error(cat("property group ", a[0], " already exists"), EEXIST);
            bool persistent = a.size() < 3 || a[2] != "NP";
            set.pgs.push_back(PropertyGroup{a[0], a[1], persistent, false, {}});
            return {};
        }
        if (auto st = need(1); !st) return st;
        PropertyGroup* g = set.find(a[0]);
        if (g == nullptr)
            return make_error(cat("property group ", a[0], " does not exist"), ENOENT);
        if (r.verb == "delpg" || (r.verb == "delprop" && a.size() == 1)) {
            set.remove(a[0]);
            return {};
        }
        if (r.verb == "delprop") {
            if (!g->remove(a[1]))
                return make_error(cat("property ", a[0], "/", a[1], " does not exist"), ENOENT);
            return {};
        }
        return make_error(cat("unknown request \"", r.verb, "\""));
    });
}

}  // namespace

RequestKind kind_of(std::string_view verb) {
    if (verb == "enable" || verb == "enable_t" || verb == "disable" || verb == "disable_t" ||
        is_action_prop(verb))
        return RequestKind::Action;
    if (verb == "setprop" || verb == "delprop" || verb == "addpg" || verb == "delpg")
        return RequestKind::Property;
    if (verb == "notify") return RequestKind::Notify;
    if (verb == "read") return RequestKind::Read;
    return RequestKind::Unknown;
}

std::string action_timestamp() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return std::to_string(static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec);
}

Status set_property(PgSet& set, std::string_view pg, std::string_view prop,
                    std::optional<PropType> type, const std::vector<std::string>& values) {
    if (auto st = check_name("property", prop); !st) return st;
    PropertyGroup* g = set.find(pg);
    if (g == nullptr) return make_error(cat("property group \"", pg, "\" does not exist"), ENOENT);
    const Property* old = g->find(prop);
    // An explicit type replaces the property's (svccfg setprop changes
    // it: scf_transaction_property_change_type).
    if (old == nullptr && !type)
        return make_error(cat("property ", pg, "/", prop, " does not exist: a type is required"));
    PropType t = type ? *type : old->type;
    Property p{std::string(prop), t, {}};
    for (const std::string& v : values) {
        auto canon = validate_value(t, v);
        if (!canon) return std::move(canon).error().context(cat(pg, "/", prop));
        p.values.push_back(std::move(*canon));
    }
    g->set(std::move(p));
    return {};
}

Status apply_request(Repository& repo, const Request& r) {
    auto have = repo.exists(r.entity);
    if (!have) return std::move(have).error();
    if (!*have) return make_error(cat("svc:/", r.entity, " does not exist"), ENOENT);
    bool instance = r.entity.find(':') != std::string::npos;
    switch (kind_of(r.verb)) {
    case RequestKind::Notify:
        return {};
    case RequestKind::Property:
        return apply_property(repo, r);
    case RequestKind::Read:
        return make_error("a read changes nothing; svc.startd answers it");
    case RequestKind::Unknown:
        return make_error(cat("unknown request \"", r.verb, "\""));
    case RequestKind::Action:
        break;
    }
    if (!instance) return make_error(cat("svc:/", r.entity, " is a service, not an instance"));
    if (r.verb == "enable" || r.verb == "enable_t")
        return set_enabled(repo, r, true, r.verb == "enable_t");
    if (r.verb == "disable" || r.verb == "disable_t")
        return set_enabled(repo, r, false, r.verb == "disable_t");
    return repo.transaction([&]() -> Status {
        // Refresh retakes the running snapshot before the restarter acts
        // (libscf's _smf_refresh_instance_i does the same).
        if (r.verb == "refresh")
            if (auto st = repo.take_snapshot(r.entity, "running"); !st) return st;
        return repo.update(r.entity, [&](PgSet& set) -> Status {
            PropertyGroup& g = set.get_or_add("restarter_actions", "framework", false);
            g.set(Property{r.verb, PropType::Integer, {action_timestamp()}});
            return {};
        });
    });
}

}  // namespace xvm::smf
