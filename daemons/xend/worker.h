// One worker thread's own connections (work_pool.h): a hypervisor client
// and a store client that no other thread uses, so a worker blocked on a
// long call holds up nobody - not the loop, not the other workers.
#pragma once

#include <memory>
#include <mutex>

#include "daemons/xend/store.h"
#include "lib/xen/hypervisor.h"

namespace xvm::xend {

struct Worker {
    std::unique_ptr<Hypervisor> hv;
    std::unique_ptr<XsClient> xs;
    // Shared by every worker: a build counts free memory and then uses it;
    // two builds must not count the same memory (balloon.h).
    std::mutex* memory_lock = nullptr;
};

}  // namespace xvm::xend
