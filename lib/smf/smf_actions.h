// The changes an administrator can ask for, applied to the repository.
// One implementation serves both paths: root's commands apply them
// directly (then poke svc.startd), and svc.startd applies them for
// non-root callers after checking their authorizations (smf_control.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.h"
#include "lib/smf/smf_repo.h"
#include "lib/smf/smf_types.h"

namespace xvm::smf {

// A request as it travels: a verb, the target entity, and arguments.
//   enable / enable_t / disable / disable_t [comment]   (instances)
//   restart refresh maint_on maint_on_immediate maint_on_temporary
//   maint_on_immtemp maint_off degraded degrade_immediate restore dodump
//   setprop pg prop type value...      addpg pg type [P|NP]
//   delprop pg [prop]                  delpg pg
//   notify                             (nothing to apply; wake startd)
//   read view pg                       (svc.startd only: the values of a
//                                       read-protected group, smf_control.h)
struct Request {
    std::string verb;
    std::string entity;
    std::vector<std::string> args;
};

enum class RequestKind { Action, Property, Notify, Read, Unknown };
RequestKind kind_of(std::string_view verb);

// Applies a request in one transaction; nothing changes on error. Errors
// name the entity and the reason ("svc:/x:default: property group config
// does not exist").
Status apply_request(Repository& repo, const Request& request);

// Sets pg/prop on an entity's current configuration. A new property needs
// a type; an existing one keeps its type unless `type` names another.
Status set_property(PgSet& set, std::string_view pg, std::string_view prop,
                    std::optional<PropType> type, const std::vector<std::string>& values);

// The request's timestamp value for restarter_actions (nanoseconds).
std::string action_timestamp();

}  // namespace xvm::smf
