// Operands to entities as libscf's scf_walk_fmri() turns them, the one
// matcher svcs, svcprop and svcadm share (illumos
// usr/src/lib/libscf/common/lowlevel.c: scf_walk_fmri, scf_add_match,
// scf_cmp_pattern; messages from illumos error.c's scf_get_msg).
//
// Each operand is first tried as an exact FMRI ("svc:" and the leading
// "/" optional); what does not name an existing entity is a glob (it has
// one of "*?[": matched with fnmatch against whole FMRIs, "svc:/"
// prepended unless it starts with '*' or has ':' as its fourth character)
// or a partial FMRI (a substring of the FMRI that starts at the beginning
// or after '/' or ':' and ends at the end or before ':').
#pragma once

#include <string>
#include <vector>

#include "lib/base/result.h"
#include "lib/smf/smf_repo.h"

namespace xvm::smf {

enum WalkFlags : unsigned {
    kWalkMultiple = 1u << 0,    // an operand may match several entities
    kWalkService = 1u << 1,     // services themselves are walked
    kWalkExplicit = 1u << 2,    // an instance match replaces its service's
    kWalkNoInstance = 1u << 3,  // services only
    kWalkProperty = 1u << 4,    // property group and property FMRIs too
    kWalkUnipartial = 1u << 5,  // a partial FMRI may not match several
};

struct Walked {
    std::string fmri;    // canonical: svc:/S[:I][/:properties/PG[/P]]
    std::string entity;  // S or S:I
    std::string pg, prop;
};

struct WalkResult {
    std::vector<Walked> walked;       // in scf_walk_fmri's callback order
    std::vector<std::string> errors;  // for the command's warn(): each ends in "\n"
    bool fatal = false;               // the walk set *err = UU_EXIT_FATAL
    std::size_t count = 0;            // distinct matches (svcprop's info.count)
};

// Without operands every service (kWalkService) and instance, in
// repository order.
Result<WalkResult> walk_fmri(Repository& repo, const std::vector<std::string>& args, unsigned flags);

}  // namespace xvm::smf
