// The svccfg subcommands on a selected entity (svccfg -s FMRI cmd ...).
// Every change is a Request submitted through smf::submit, so the same
// rules (types, missing groups, authorizations) apply to root and to
// others; reads open the repository read-only.
#pragma once

#include <string>
#include <vector>

#include "lib/base/result.h"

namespace xvm::svccfg {

// Resolves -s's operand (full FMRI or abbreviation) to one entity.
Result<std::string> select_entity(const std::string& operand);

// Runs one subcommand on `entity`; output goes to stdout.
Status run_entity_command(const std::string& entity, const std::vector<std::string>& args);

}  // namespace xvm::svccfg
