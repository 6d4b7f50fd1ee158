// Managed domains (xm new / start / delete; XEND.md section 9): each
// definition kept as <dir>/<uuid>/config.sxp (dir = /var/lib/xend/domains,
// made by xvm-method and owned by xvm, 0700), pretty-printed at width 78,
// the (vm ...) form of domain_config.h. Written as xvm: the directory and
// file are made with O_NOFOLLOW/O_EXCL semantics relative to the opened
// directory, a new file replaces the old one by rename, so a crash leaves
// the old definition or the new one, never half of one.
#pragma once

#include <string>
#include <vector>

#include "daemons/xend/domain_config.h"
#include "lib/base/result.h"

namespace xvm::xend {

class ManagedStore {
public:
    explicit ManagedStore(std::string dir) : dir_(std::move(dir)) {}
    const std::string& dir() const { return dir_; }

    // Every definition whose uuid matches its directory. A definition that
    // cannot be read or parsed is skipped and named in `problems`.
    std::vector<DomainSpec> load_all(std::vector<std::string>& problems) const;
    Status save(const DomainSpec& spec) const;
    Status remove(const std::string& uuid) const;

private:
    std::string dir_;  // under XVM_ROOT already
};

}  // namespace xvm::xend
