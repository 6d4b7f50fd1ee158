#include "daemons/xend/balloon.h"

#include <algorithm>
#include <thread>

#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm::xend {
namespace {

struct Memory {
    std::uint64_t free_kib;
    std::uint64_t total_kib;
    std::uint64_t dom0_kib;
};

Result<Memory> measure(Hypervisor& hv) {
    auto phys = hv.physinfo();
    if (!phys) return std::move(phys).error().context("cannot read the host's memory");
    auto dom0 = hv.domain_info(kDom0);
    if (!dom0) return std::move(dom0).error().context("cannot read dom0's memory");
    return Memory{phys->free_kib, phys->total_kib, dom0->memory_kib};
}

}  // namespace

Status balloon_free(Hypervisor& hv, std::uint64_t need_kib, const BalloonPolicy& policy) {
    auto m = measure(hv);
    if (!m) return std::move(m).error();
    if (m->free_kib >= need_kib) return {};
    if (policy.dom0_min_kib == 0)
        return make_error(cat("Not enough free memory and enable-dom0-ballooning is False, so I cannot "
                              "release any more.  I need ", need_kib, " KiB but only have ",
                              m->free_kib, "."));
    std::uint64_t floor = policy.dom0_min_kib;
    // What the host could ever give: all but dom0's floor and what other
    // domains hold.
    std::uint64_t reachable = m->free_kib + (m->dom0_kib > floor ? m->dom0_kib - floor : 0);
    if (need_kib > reachable)
        return make_error(cat("I need ", need_kib, " KiB, but dom0_min_mem is ", floor,
                              " KiB (config/dom0-min-mem ", floor / 1024, " MiB) and shrinking to ",
                              floor, " KiB would leave only ", reachable, " KiB free."));
    std::uint64_t short_gib = (need_kib - m->free_kib) >> 20;
    int tries = policy.base_tries + 5 * static_cast<int>(std::min<std::uint64_t>(short_gib, 1000));
    std::uint64_t last_target = 0;
    std::uint64_t last_free = m->free_kib;
    auto pause = policy.first_pause;
    for (int fruitless = 0; fruitless < tries;) {
        std::uint64_t shortfall = need_kib - m->free_kib;
        std::uint64_t target = m->dom0_kib > floor + shortfall ? m->dom0_kib - shortfall : floor;
        if (target != last_target) {
            log_info(cat("ballooning dom0 from ", m->dom0_kib, " KiB to ", target, " KiB: ", need_kib,
                         " KiB needed, ", m->free_kib, " KiB free"));
            if (Status s = hv.set_memory_target(kDom0, target); !s)
                return std::move(s).error().context("cannot balloon dom0");
            last_target = target;
        }
        if (policy.sleep) policy.sleep(pause);
        else std::this_thread::sleep_for(pause);
        pause = std::min(pause + policy.first_pause, policy.max_pause);
        m = measure(hv);
        if (!m) return std::move(m).error();
        if (m->free_kib >= need_kib) return {};
        if (m->free_kib <= last_free) ++fruitless;
        last_free = m->free_kib;
    }
    // Give dom0 back what it still has rather than leave a target it
    // never reached (the original does the same).
    (void)hv.set_memory_target(kDom0, m->dom0_kib);  // best effort: the error below says it all
    return make_error("Not enough memory is available, and dom0 cannot be shrunk any further");
}

}  // namespace xvm::xend
