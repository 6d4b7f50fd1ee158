// svcs -x: why an instance is not running, in the illumos block format
// (SMF.md section 11), with the log path to read next.
#include <cstdio>
#include <set>

#include "lib/base/format.h"
#include "cmd/svcs/svcs.h"

namespace xvm::svcs {
namespace {

struct Reason {
    std::string text;
    std::string msgid;
};

Reason maintenance_reason(const smf::InstanceInfo& i) {
    if (i.aux == "restarting_too_quickly") return {"Restarting too quickly.", "SMF-8000-L5"};
    if (i.aux == "fault_threshold_reached")
        return {cat("Start method failed repeatedly, last ", i.last_failure, "."), "SMF-8000-KS"};
    if (i.aux == "administrative_request") return {"Maintenance requested by an administrator.", "SMF-8000-63"};
    if (i.aux == "stop_method_failed") return {"Method failed.", "SMF-8000-8Q"};
    return {cat("Start method failed, last ", i.last_failure.empty() ? "failed" : i.last_failure, "."),
            "SMF-8000-8Q"};
}

// For an offline instance: the dependency keeping it down.
Reason offline_reason(smf::Repository& repo, const smf::InstanceInfo& i) {
    for (const Dep& d : dependencies(repo, i.entity)) {
        if (d.grouping == "exclude_all" || d.status == "online" || d.status == "degraded") continue;
        if (d.grouping == "optional_all" && d.status != "offline") continue;
        if (d.status == "absent") return {cat("Dependency ", d.fmri, " is absent."), "SMF-8000-E2"};
        if (d.status == "maintenance")
            return {cat("Service ", d.fmri, " is not running because a method failed repeatedly."), "SMF-8000-GE"};
        if (d.status == "disabled") return {cat("Service ", d.fmri, " is disabled."), "SMF-8000-GE"};
        return {cat("Service ", d.fmri, " is not running."), "SMF-8000-GE"};
    }
    return {"Start method is running.", "SMF-8000-C4"};
}

void block(smf::Repository& repo, const smf::InstanceInfo& i) {
    std::string name = common_name(repo, i.entity);
    std::printf("svc:/%s%s\n", i.entity.c_str(), name.empty() ? "" : cat(" (", name, ")").c_str());
    std::printf(" State: %s since %s\n", i.state.c_str(), long_time(i.stamp).c_str());
    Reason r = i.state == "maintenance" ? maintenance_reason(i)
               : i.state == "disabled"  ? Reason{"Disabled by an administrator.", "SMF-8000-05"}
               : i.state == "degraded"  ? Reason{"Degraded by an administrator.", "SMF-8000-9P"}
                                        : offline_reason(repo, i);
    std::printf("Reason: %s\n", r.text.c_str());
    std::printf("   See: http://illumos.org/msg/%s\n", r.msgid.c_str());
    if (!i.logfile.empty()) std::printf("   See: %s\n", i.logfile.c_str());
    std::size_t down = 0;
    for (const std::string& d : dependents(repo, i.entity)) {
        auto di = smf::instance_info(repo, d);
        if (di && di->enabled && di->state != "online" && di->state != "degraded") ++down;
    }
    if (i.state == "degraded") std::printf("Impact: This service is running with reduced function.\n");
    else if (down > 0) std::printf("Impact: %zu dependent service%s not running.  (Use -v for list.)\n", down, down == 1 ? " is" : "s are");
    else std::printf("Impact: This service is not running.\n");
}

}  // namespace

int explain(smf::Repository& repo, const std::vector<std::string>& instances, bool all) {
    bool first = true;
    for (const std::string& e : instances) {
        auto i = smf::instance_info(repo, e);
        if (!i) continue;
        bool up = (i->state == "online") && i->next_state == "none";
        // Without operands: enabled services that are not running.
        if (all && (up || !i->enabled)) continue;
        if (!all && up) continue;
        if (!first) std::printf("\n");
        first = false;
        block(repo, *i);
    }
    return 0;
}

}  // namespace xvm::svcs
