// What svcadm, svcs and svcprop share: turning command-line operands into
// entities after SMF.md section 1's rules, and reading an instance's
// published state.
#pragma once

#include <string>
#include <vector>

#include "lib/base/result.h"
#include "lib/smf/smf_repo.h"

namespace xvm::smf {

// svcadm: an abbreviation matching more than one entity is an error, and
// a service operand means its only instance. svcs/svcprop: every match;
// a service means all its instances (or, with keep_services, itself).
enum class OperandRule { Single, All };

Result<std::vector<std::string>> resolve_operand(Repository& repo, const std::string& operand,
                                                 OperandRule rule, bool keep_services = false);

struct InstanceInfo {
    std::string entity;
    std::string state = "uninitialized";
    std::string next_state = "none";
    std::string aux = "none";
    std::string stamp;  // state_timestamp, "sec.nsec"
    bool enabled = false;
    bool temporary = false;  // enabled comes from general_ovr
    bool persistent_enabled = false;  // general/enabled
    std::string logfile;
    std::string contract;
    std::string last_failure;
};

Result<InstanceInfo> instance_info(Repository& repo, const std::string& instance);
// Every instance in the repository.
Result<std::vector<std::string>> all_instances(Repository& repo);

}  // namespace xvm::smf
