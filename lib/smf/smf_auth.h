// Who may change, and who may read, what in the SMF repository: the rules
// of illumos' smf_security(7) as svc.configd's rc_node.c applies them,
// made stricter where they let a value authorization reach anything that
// decides which command runs and as whom. One place for them: svc.startd
// judges every request of a user other than root with it, and the
// repository uses it to decide which values the users' copy withholds.
//
// Changing properties (setprop, delprop, addpg, delpg), by property group:
//   restarter, restarter_actions, general_ovr (state)  solaris.smf.modify
//   general                       solaris.smf.modify[.framework]
//     general/action_authorization    solaris.smf.modify only
//   start, stop, refresh, method_context, any group of type method
//                                 solaris.smf.modify[.method]
//   groups of type dependency     solaris.smf.modify[.dependency]
//   startd, dependents, groups of type framework
//                                 solaris.smf.modify[.framework]
//   groups of type application    solaris.smf.modify[.application], the
//                                 group's modify_authorization; and for a
//                                 change of values only (an existing
//                                 property, same type, not an *_authorization
//                                 property) its value_authorization
//   any other group               solaris.smf.modify
// A group's own authorization properties count only in groups of type
// application; one missing from an instance's group is taken from the
// service's group of the same name; only astring/ustring ones count.
// general/value_authorization grants nothing (it used to stand in for every
// group without its own - the hole that let a value authorization rewrite
// start/exec).
//
// Actions (svcadm enable/disable/restart/refresh/clear/mark):
//   solaris.smf.manage, solaris.smf.modify, general/action_authorization;
//   persistent enable/disable also solaris.smf.modify.framework.
// Reading: a group of type application with a read_authorization property
// is protected; its values are for solaris.smf.modify[.application] and
// the group's read_, value_ and modify_authorization only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/smf/smf_actions.h"
#include "lib/smf/smf_types.h"

namespace xvm::smf {

inline constexpr std::string_view kAuthModify = "solaris.smf.modify";
inline constexpr std::string_view kAuthManage = "solaris.smf.manage";

// The configuration a decision is made on: the entity's own current
// property groups, and for an instance its service's (authorization
// properties compose from there). A snapshot, already composed, is `own`
// alone.
struct AuthScope {
    const PgSet* own = nullptr;
    const PgSet* service = nullptr;
};

// What an operation needs: anyone, or any one of `any` (empty: root only).
struct Needed {
    bool anyone = false;
    std::vector<std::string> any;
    std::string what;  // "setprop of start/exec", for messages and logs
};

Needed needed_for(const Request& request, const AuthScope& scope);
Needed needed_to_read(const AuthScope& scope, std::string_view pg);
// Whether `pg` is read-protected (type application, a string-typed
// read_authorization in it or in the service's group of that name).
bool read_protected(const AuthScope& scope, std::string_view pg);
// Whether someone holding `held` may do what `needed` describes.
bool permits(const Needed& needed, const std::vector<std::string>& held);
// "permission denied: setprop of start/exec on svc:/site/x requires
// authorization solaris.smf.modify.method or solaris.smf.modify"
std::string denial(const Needed& needed, std::string_view entity);

}  // namespace xvm::smf
