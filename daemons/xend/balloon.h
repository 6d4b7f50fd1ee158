// Making room for a new domain: free host memory, taken from dom0 when
// there is not enough (XEND.md section 8, the original's balloon.free).
//
//   need <= free                        -> done
//   dom0-min-mem 0 (no ballooning)      -> error naming need and free
//   need >= total - dom0-min-mem        -> error at once: dom0 can never
//                                          give that much
//   otherwise dom0's target = its allocation - shortfall, never below
//   dom0-min-mem; wait for dom0 to give the memory back; retry, counting
//   only tries without progress, with a growing pause.
//
// Error texts are the original's (code 2 faults), with every number in
// KiB. Runs on a worker: it sleeps while dom0 balloons. Callers serialise
// it with the build that uses the memory (Builder's balloon lock), so two
// creates cannot both count the same free memory.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "lib/base/result.h"
#include "lib/xen/hypervisor.h"

namespace xvm::xend {

struct BalloonPolicy {
    std::uint64_t dom0_min_kib = 0;  // 0 = ballooning off
    // Retries: 20 plus 5 per GiB short; pauses 100 ms growing by 100 ms
    // per try, at most 4 s.
    int base_tries = 20;
    std::chrono::milliseconds first_pause{100};
    std::chrono::milliseconds max_pause{4000};
    // Tests replace the sleep.
    std::function<void(std::chrono::milliseconds)> sleep = {};
};

// Frees `need_kib` of host memory, ballooning dom0 down if needed.
Status balloon_free(Hypervisor& hv, std::uint64_t need_kib, const BalloonPolicy& policy);

}  // namespace xvm::xend
