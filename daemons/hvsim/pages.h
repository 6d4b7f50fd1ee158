// A domain's shared memory: three files under hvsim's state directory
// (<root>/var/run/xvm/hvsim/dom<ID>/), created by hvsim and handed to the
// guest and to dom0 daemons as descriptors only:
//   xenstore - one page, struct xenstore_domain_interface
//   console  - one page, struct xencons_interface
//   memory   - the guest's memory image, sparse, sized to its allocation;
//              the guest keeps its kernel state in the first page, which is
//              what core dumps, save and restore carry.
#pragma once

#include <cstdint>
#include <string>

#include "lib/xen/hypervisor.h"
#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm::hvsim {


struct DomainPages {
    std::string dir;
    UniqueFd xenstore;
    UniqueFd console;
    UniqueFd memory;
};

Result<DomainPages> create_pages(const std::string& state_dir, DomId id, std::uint64_t memory_kib);
// Follows a change of allocation (never below one page).
Status resize_memory(const DomainPages& pages, std::uint64_t memory_kib);
// Removes the files; the descriptors stay valid until closed.
void remove_pages(const DomainPages& pages);
// Removes what a previous hvsim left behind: its guests died with it.
Status clean_state_dir(const std::string& state_dir);

}  // namespace xvm::hvsim
