// Operand resolution shared by svcadm, svcs and svcprop. The rules differ
// per command (SMF.md section 1): svcadm refuses ambiguity because acting
// on the wrong instance is worse than not acting; listing commands act on
// every match.
#include "lib/smf/smf_operands.h"

#include "lib/base/format.h"
#include "lib/smf/smf_fmri.h"

namespace xvm::smf {

Result<std::vector<std::string>> all_instances(Repository& repo) {
    auto all = repo.entities();
    if (!all) return all;
    std::erase_if(*all, [](const std::string& e) { return e.find(':') == std::string::npos; });
    return all;
}

Result<std::vector<std::string>> resolve_operand(Repository& repo, const std::string& operand,
                                                 OperandRule rule, bool keep_services) {
    auto all = repo.entities();
    if (!all) return all;
    if (operand.starts_with("svc:")) {
        auto f = parse_fmri(operand);
        if (!f) return std::move(f).error();
    }
    auto m = match_operand(operand, *all);
    if (m.empty())
        return make_error(cat("Pattern '", operand, "' doesn't match any instances"), ENOENT);
    bool glob = operand.find_first_of("*?[") != std::string::npos;
    if (rule == OperandRule::Single && m.size() > 1 && !glob) {
        std::string list;
        for (const std::string& e : m) list += cat("\n        svc:/", e);
        return make_error(cat("Pattern '", operand, "' matches multiple instances:", list));
    }
    std::vector<std::string> out;
    for (const std::string& e : m) {
        if (e.find(':') != std::string::npos || keep_services) {
            out.push_back(e);
            continue;
        }
        auto insts = repo.instances_of(e);
        if (!insts) return std::move(insts).error();
        if (rule == OperandRule::Single && insts->size() != 1)
            return make_error(cat("svc:/", e, insts->empty() ? " has no instances" : " has multiple instances"));
        out.insert(out.end(), insts->begin(), insts->end());
    }
    return out;
}

Result<InstanceInfo> instance_info(Repository& repo, const std::string& instance) {
    auto cur = repo.current(instance);
    if (!cur) return std::move(cur).error();
    InstanceInfo i;
    i.entity = instance;
    auto get = [&](const char* pg, const char* p, std::string dflt) {
        return cur->first(pg, p).value_or(std::move(dflt));
    };
    i.state = get("restarter", "state", "uninitialized");
    i.next_state = get("restarter", "next_state", "none");
    i.aux = get("restarter", "auxiliary_state", "none");
    i.stamp = get("restarter", "state_timestamp", "");
    i.logfile = get("restarter", "logfile", "");
    i.contract = get("restarter", "contract", "0");
    i.last_failure = get("restarter", "last_failure", "");
    auto ovr = cur->first("general_ovr", "enabled");
    i.temporary = ovr.has_value();
    i.persistent_enabled = get("general", "enabled", "false") == "true";
    i.enabled = ovr ? *ovr == "true" : i.persistent_enabled;
    return i;
}

}  // namespace xvm::smf
