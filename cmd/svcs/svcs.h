// svcs: shared pieces of the listing (main.cpp) and the explanations
// (explain.cpp).
#pragma once

#include <string>
#include <vector>

#include "lib/smf/smf_operands.h"
#include "lib/smf/smf_repo.h"

namespace xvm::svcs {

struct Dep {
    std::string name, grouping, restart_on;
    std::string fmri;    // as cited
    std::string status;  // state of the cited instance, absent, multiple, or file state
    std::vector<std::string> instances;  // cited instances present
};

// The dependencies an instance's running view (else editing view) names.
std::vector<Dep> dependencies(smf::Repository& repo, const std::string& instance);
// Instances whose dependencies cite `instance` (or its service).
std::vector<std::string> dependents(smf::Repository& repo, const std::string& instance);
// The template common name (tm_common_name/C), or "".
std::string common_name(smf::Repository& repo, const std::string& instance);
// "%a %b %e %T %Y" of a state_timestamp.
std::string long_time(const std::string& stamp);

// svcs -x [operands]; returns the exit status.
int explain(smf::Repository& repo, const std::vector<std::string>& instances, bool all);

}  // namespace xvm::svcs
