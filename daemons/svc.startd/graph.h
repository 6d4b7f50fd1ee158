// The dependency graph (SMF.md section 3): whether an instance's
// dependencies allow it to run, and which dependencies are named. Pure
// functions over a view of the other instances' states, so the rules are
// unit-tested without processes.
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

// What the graph needs to know about a cited instance.
struct Cited {
    State state;
    bool enabled;
    bool faulted = false;  // last stopped because of an error (not by an administrator)
};
// Instances an FMRI names: itself, or every instance of a service;
// empty when absent.
using Lookup = std::function<std::vector<Cited>(const std::string& fmri)>;
using PathExists = std::function<bool(const std::string& path)>;

bool satisfied(const Dependency& d, const Lookup& lookup, const PathExists& exists);
// Whether a running dependent must stop because `d` is no longer
// satisfied (SMF.md section 3's restart_on table): never for none; for
// error only when a cited instance stopped because of a fault; always for
// restart and refresh.
bool requires_stop(const Dependency& d, const Lookup& lookup);

// The first unsatisfied dependency, or nullopt when all are satisfied.
std::optional<Dependency> first_unsatisfied(const std::vector<Dependency>& deps, const Lookup& lookup,
                                            const PathExists& exists);

}  // namespace xvm::startd
