#include "daemons/svc.startd/graph.h"

#include <algorithm>
#include <set>

#include "lib/smf/smf_fmri.h"

namespace xvm::startd {
namespace {

constexpr std::string_view kNames[] = {"uninitialized", "offline",     "online",
                                       "degraded",      "maintenance", "disabled"};

// One evaluation: the world and the instances being looked into, so a
// dependency cycle (which svccfg cannot always prevent) ends the
// recursion as "not yet" instead of looping.
struct Eval {
    const World& w;
    std::set<std::string> visiting;

    int instance_deps(const std::string& entity, const Node& n, bool satbility);
    int element(const std::string& fmri, bool satbility);
    int inst(const std::string& entity, bool satbility);
    int service(const std::string& svc, bool satbility);
    int group(const Dependency& d, bool satbility);
    int require_all(const std::vector<std::string>& fmris, bool satbility);
    int require_any(const std::vector<std::string>& fmris, bool satbility);
    int optional_all(const std::vector<std::string>& fmris, bool satbility);
    int exclude_all(const std::vector<std::string>& fmris);
    int exclude_instance(const std::string& entity);
};

// A dependency element: an instance, a service (any of its instances) or
// a file; the caller has the entity strings of the manifest.
struct Element {
    enum Kind { Instance, Service, File, Invalid } kind;
    std::string name;  // entity, service, or path
};

Element classify(const std::string& fmri) {
    if (fmri.starts_with("file:")) {
        std::string path = fmri.substr(5);
        if (path.starts_with("//localhost/")) path = path.substr(11);
        else if (path.starts_with("///")) path = path.substr(2);
        return {Element::File, path};
    }
    auto f = smf::parse_fmri(fmri);
    if (!f || !f->pg.empty()) return {Element::Invalid, fmri};
    if (f->is_instance()) return {Element::Instance, f->entity()};
    return {Element::Service, f->service};
}

int Eval::instance_deps(const std::string& entity, const Node& n, bool satbility) {
    if (!visiting.insert(entity).second) return 0;
    int r = 1;
    for (const Dependency& d : n.deps) {
        int i = group(d, satbility);
        if (i == 1) continue;
        if (!satbility) { r = 0; break; }
        if (i == -1) { r = -1; break; }
        r = 0;
    }
    visiting.erase(entity);
    return r;
}

// dependency_satisfied() for an instance vertex.
int Eval::inst(const std::string& entity, bool satbility) {
    auto n = w.instance(entity);
    if (!n) return -1;  // not configured
    // Going down to disabled: unsatisfiable; to offline: may come back.
    if (running(n->state) && n->next == State::Disabled) return -1;
    if (running(n->state) && n->next == State::Offline) return 0;
    switch (n->state) {
    case State::Online:
    case State::Degraded:
        return 1;
    case State::Offline:
        if (!satbility) return 0;
        return instance_deps(entity, *n, true) != -1 ? 0 : -1;
    case State::Disabled:
    case State::Maint:
        return -1;
    case State::Uninit:
        return 0;
    }
    return -1;
}

// A service vertex: require_any over its instances; none at all is
// unsatisfiable.
int Eval::service(const std::string& svc, bool satbility) {
    std::vector<std::string> fmris;
    for (const std::string& e : w.instances_of(svc)) fmris.push_back(smf::entity_fmri(e));
    if (fmris.empty()) return -1;
    return require_any(fmris, satbility);
}

int Eval::element(const std::string& fmri, bool satbility) {
    Element e = classify(fmri);
    switch (e.kind) {
    case Element::Instance: return inst(e.name, satbility);
    case Element::Service: return service(e.name, satbility);
    case Element::File: return w.file_exists(e.name) ? 1 : -1;  // files are not expected to appear
    case Element::Invalid: return -1;
    }
    return -1;
}

int Eval::require_all(const std::vector<std::string>& fmris, bool satbility) {
    bool any_unsatisfied = false;
    for (const std::string& f : fmris) {
        int i = element(f, satbility);
        if (i == 1) continue;
        if (!satbility) return 0;
        if (i == -1) return -1;
        any_unsatisfied = true;
    }
    return any_unsatisfied ? 0 : 1;
}

int Eval::require_any(const std::vector<std::string>& fmris, bool satbility) {
    if (fmris.empty()) return 1;
    bool satisfiable = false;
    for (const std::string& f : fmris) {
        int s = element(f, satbility);
        if (s == 1) return 1;
        if (satbility && s == 0) satisfiable = true;
    }
    return !satbility || satisfiable ? 0 : -1;
}

// Only instances that are configured and not in maintenance count; an
// offline one that can never come online counts as satisfied, a disabled
// one unless it is being enabled.
int Eval::optional_all(const std::vector<std::string>& fmris, bool satbility) {
    bool any_qualified = false, any_unsatisfied = false;
    for (const std::string& f : fmris) {
        Element e = classify(f);
        int i = 1;
        switch (e.kind) {
        case Element::Instance: {
            auto n = w.instance(e.name);
            if (!n || n->state == State::Maint) continue;
            any_qualified = true;
            if (n->state == State::Offline) {
                i = inst(e.name, true);
                if (i == -1) i = 1;
            } else if (n->state == State::Disabled) {
                i = n->enabled ? 0 : 1;
            } else {
                i = inst(e.name, satbility);
            }
            break;
        }
        case Element::File:
            any_qualified = true;
            i = w.file_exists(e.name) ? 1 : -1;
            break;
        case Element::Service: {
            any_qualified = true;
            std::vector<std::string> insts;
            for (const std::string& x : w.instances_of(e.name)) insts.push_back(smf::entity_fmri(x));
            i = optional_all(insts, satbility);
            break;
        }
        case Element::Invalid:
            any_qualified = true;
            i = -1;
            break;
        }
        if (i == 1) continue;
        if (!satbility) return 0;
        if (i == -1) return -1;
        any_unsatisfied = true;
    }
    if (!any_qualified) return 1;
    return any_unsatisfied ? 0 : 1;
}

int Eval::exclude_instance(const std::string& entity) {
    auto n = w.instance(entity);
    if (!n) return 1;
    switch (n->state) {
    case State::Online:
    case State::Degraded:
        return n->enabled ? -1 : 0;
    case State::Offline:
    case State::Uninit:
        return 0;
    case State::Disabled:
    case State::Maint:
        return 1;
    }
    return 1;
}

int Eval::exclude_all(const std::vector<std::string>& fmris) {
    for (const std::string& f : fmris) {
        Element e = classify(f);
        int i = 1;
        switch (e.kind) {
        case Element::Instance:
            i = exclude_instance(e.name);
            break;
        case Element::Service:
            for (const std::string& x : w.instances_of(e.name))
                if ((i = exclude_instance(x)) != 1) break;
            break;
        case Element::File:
            i = w.file_exists(e.name) ? -1 : 1;
            break;
        case Element::Invalid:
            i = -1;
            break;
        }
        if (i != 1) return i;
    }
    return 1;
}

int Eval::group(const Dependency& d, bool satbility) {
    if (d.grouping == "require_all") return require_all(d.entities, satbility);
    if (d.grouping == "require_any") return require_any(d.entities, satbility);
    if (d.grouping == "optional_all") return optional_all(d.entities, satbility);
    if (d.grouping == "exclude_all") return exclude_all(d.entities);
    return -1;  // an invalid grouping never lets the instance start
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

int group_satisfied(const Dependency& d, const World& w, bool satbility) {
    Eval e{w, {}};
    return e.group(d, satbility);
}

int instance_satisfied(const std::vector<Dependency>& deps, const World& w, bool satbility) {
    Eval e{w, {}};
    return e.instance_deps("", Node{State::Offline, std::nullopt, true, deps}, satbility);
}

std::optional<Dependency> first_unsatisfied(const std::vector<Dependency>& deps, const World& w) {
    for (const Dependency& d : deps)
        if (group_satisfied(d, w, false) != 1) return d;
    return std::nullopt;
}

Rerr rerr_of(std::string_view aux) {
    static constexpr std::string_view kFault[] = {"ct_ev_core",     "ct_ev_signal",           "ct_ev_hwerr",
                                                  "method_failed",  "fault_threshold_reached", "restarting_too_quickly"};
    static constexpr std::string_view kRestart[] = {"ct_ev_exit",           "restart_request",  "disable_request",
                                                    "dependency_activity",  "administrative_request",
                                                    "service_request",      "dependency_cycle", "invalid_dependency",
                                                    "clear_request"};
    if (std::find(std::begin(kFault), std::end(kFault), aux) != std::end(kFault)) return Rerr::Fault;
    if (std::find(std::begin(kRestart), std::end(kRestart), aux) != std::end(kRestart)) return Rerr::Restart;
    if (aux == "refresh") return Rerr::Refresh;
    return Rerr::None;
}

bool propagates(const Dependency& d, Rerr err) {
    if (d.grouping == "exclude_all" || err == Rerr::None) return false;
    int level = d.restart_on == "error" ? 1 : d.restart_on == "restart" ? 2 : d.restart_on == "refresh" ? 3 : 0;
    return static_cast<int>(err) <= level;
}

bool cites(const Dependency& d, const std::string& entity) {
    return std::any_of(d.entities.begin(), d.entities.end(), [&](const std::string& e) {
        auto f = smf::parse_fmri(e);
        return f && f->pg.empty() &&
               (f->entity() == entity || (f->instance.empty() && f->service == smf::service_of(entity)));
    });
}

}  // namespace xvm::startd
