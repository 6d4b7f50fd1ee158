// The dependency graph: whether an instance's dependencies allow it to
// run, as illumos' startd/graph.c decides, and which running instances a
// transition stops (illumos graph.c's propagate_stop). Pure functions over a view
// of the other instances, so the rules are unit-tested without processes.
//
// Satisfaction is three-valued, as in illumos graph.c: 1 satisfied, 0 not yet
// (may be later), -1 unsatisfiable without an administrator. The third
// value matters for optional_all: an offline dependency that can never
// come online counts as satisfied.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/smf/smf_types.h"

namespace xvm::startd {

enum class State : unsigned char { Uninit, Offline, Online, Degraded, Maint, Disabled };
std::string_view state_name(State s);
std::optional<State> state_from_name(std::string_view s);
inline bool running(State s) { return s == State::Online || s == State::Degraded; }

struct Dependency {
    std::string name;        // the property group
    std::string grouping;    // require_all require_any optional_all exclude_all
    std::string restart_on;  // none error restart refresh
    std::string type;        // service or path
    std::vector<std::string> entities;
};

std::vector<Dependency> dependencies_of(const smf::PgSet& running_view);

// What the graph needs to know about one configured instance.
struct Node {
    State state = State::Uninit;
    std::optional<State> next;  // set while a method runs
    bool enabled = false;
    std::vector<Dependency> deps;  // from its running view
};

// The rest of the world, as the restarter (or a test) sees it.
struct World {
    // An instance ("svc:/a/b:c" entity "a/b:c"); nullopt when it is not
    // in the repository.
    std::function<std::optional<Node>(const std::string& entity)> instance;
    // The instances of a service ("a/b"), as entities.
    std::function<std::vector<std::string>(const std::string& service)> instances_of;
    std::function<bool(const std::string& path)> file_exists;
};

// illumos graph.c's dependency_satisfied() for one dependency group.
int group_satisfied(const Dependency& d, const World& w, bool satbility);
// illumos graph.c's instance_satisfied(): every group of the instance.
int instance_satisfied(const std::vector<Dependency>& deps, const World& w, bool satbility);

// The first group that is not satisfied now, or nullopt when the
// instance may start (instance_satisfied(v, B_FALSE) == 1).
std::optional<Dependency> first_unsatisfied(const std::vector<Dependency>& deps, const World& w);

// How severe a stop or restart of a dependency was (restarter_error_t).
enum class Rerr { None = 0, Fault = 1, Restart = 2, Refresh = 3 };
// The transition reason (restarter/auxiliary_state) to its severity, as
// illumos restarter.c's stop_instance() and method.c assign them.
Rerr rerr_of(std::string_view aux);
// Whether a dependent whose group `d` cites the entity that went down
// with `err` must stop (propagate_stop(): err <= the group's restart_on;
// never for exclude_all, which is about starting).
bool propagates(const Dependency& d, Rerr err);
// Whether group `d` names `entity` (directly, or through its service).
bool cites(const Dependency& d, const std::string& entity);

}  // namespace xvm::startd
