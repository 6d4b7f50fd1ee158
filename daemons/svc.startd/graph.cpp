#include "daemons/svc.startd/graph.h"

#include <algorithm>

namespace xvm::startd {
namespace {

constexpr std::string_view kNames[] = {"uninitialized", "offline",     "online",
                                       "degraded",      "maintenance", "disabled"};

// "Cannot run without administrator action" (optional_all).
bool parked(const Cited& c) {
    return c.state == State::Disabled || c.state == State::Maint ||
           (c.state == State::Offline && !c.enabled);
}

}  // namespace

std::string_view state_name(State s) { return kNames[static_cast<int>(s)]; }

std::optional<State> state_from_name(std::string_view s) {
    for (int i = 0; i < 6; ++i)
        if (kNames[i] == s) return static_cast<State>(i);
    return std::nullopt;
}

std::vector<Dependency> dependencies_of(const smf::PgSet& view) {
    std::vector<Dependency> out;
    for (const smf::PropertyGroup& g : view.pgs) {
        if (g.type != "dependency") continue;
        Dependency d{g.name, "", "none", "service", {}};
        auto first = [&](const char* p) -> std::string {
            const smf::Property* prop = g.find(p);
            return prop && !prop->values.empty() ? prop->values[0] : "";
        };
        d.grouping = first("grouping");
        if (!first("restart_on").empty()) d.restart_on = first("restart_on");
        if (!first("type").empty()) d.type = first("type");
        if (const smf::Property* e = g.find("entities")) d.entities = e->values;
        out.push_back(std::move(d));
    }
    return out;
}

bool satisfied(const Dependency& d, const Lookup& lookup, const PathExists& exists) {
    // Per cited entity: is it up / absent / parked?
    std::size_t up = 0, ok_optional = 0, excluded_ok = 0;
    for (const std::string& e : d.entities) {
        if (e.starts_with("file://")) {
            std::string path = e.substr(7);
            if (path.starts_with("localhost")) path = path.substr(9);
            bool there = exists(path);
            up += there;
            ok_optional += there;
            excluded_ok += !there;
            continue;
        }
        auto cited = lookup(e);
        bool is_up = std::any_of(cited.begin(), cited.end(), [](const Cited& c) { return running(c.state); });
        bool all_parked = std::all_of(cited.begin(), cited.end(), parked);
        up += is_up;
        ok_optional += is_up || cited.empty() || all_parked;
        excluded_ok += cited.empty() || std::all_of(cited.begin(), cited.end(), [](const Cited& c) {
                           return c.state == State::Disabled || c.state == State::Maint;
                       });
    }
    std::size_t n = d.entities.size();
    if (d.grouping == "require_all") return up == n;
    if (d.grouping == "require_any") return up > 0 || n == 0;
    if (d.grouping == "optional_all") return ok_optional == n;
    if (d.grouping == "exclude_all") return excluded_ok == n;
    return false;  // an invalid grouping never lets the instance start
}

bool requires_stop(const Dependency& d, const Lookup& lookup) {
    if (d.restart_on == "restart" || d.restart_on == "refresh") return true;
    if (d.restart_on != "error") return false;
    for (const std::string& e : d.entities) {
        if (e.starts_with("file://")) continue;
        for (const Cited& c : lookup(e))
            if (c.faulted) return true;
    }
    return false;
}

std::optional<Dependency> first_unsatisfied(const std::vector<Dependency>& deps, const Lookup& lookup,
                                            const PathExists& exists) {
    for (const Dependency& d : deps)
        if (!satisfied(d, lookup, exists)) return d;
    return std::nullopt;
}

}  // namespace xvm::startd
