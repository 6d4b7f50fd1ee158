// The XenStore entries xend writes for a domain (XEND.md section 10), as
// a list of operations computed from the domain's spec and the builder's
// results - pure, so the layout and its permissions are unit-tested - and
// applied by the builder through its store client.
//
// Permissions (the security of it): /local/domain/<id> belongs to the
// guest ("n<id>": it may write its own subtree, nobody else may read it);
// each device's frontend directory is also readable by the backend
// domain, each backend directory belongs to the backend and is readable
// by the guest. /vm/<uuid> is dom0's alone ("n0": the guest can neither
// read nor change what xend trusts), except /vm/<uuid>/uuid, which the
// guest may read. A node created by dom0 inherits its parent's
// permissions, so each directory's permissions are set before its
// children are written.
//
// xend's own keys under /vm/<uuid>/xend: restart_count,
// previous_restart_time, last_shutdown_reason (the original's), plus
// config (the compact (vm ...) S-expression) and domid, from which a new
// xend finds the domain again after a restart (recovery.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemons/xend/domain_config.h"
#include "daemons/xend/store.h"
#include "lib/xen/hypervisor.h"

namespace xvm::xend {

struct StoreOp {
    enum class Kind : std::uint8_t { kRemove, kMkdir, kPerms, kWrite };
    Kind kind;
    std::string path;
    std::string value = {};
    std::vector<XsPerm> perms = {};
    bool operator==(const StoreOp&) const = default;
};

struct LayoutInput {
    const DomainSpec* spec = nullptr;  // complete
    DomId dom = 0;
    DomainInfo info;       // ports and ring frames from the builder
    double start_time = 0;
    std::uint32_t restart_count = 0;
    double previous_restart_time = 0;
    std::uint64_t console_limit_kib = 1024;
    std::string vnc_listen;  // config/vnc-listen
    std::string vncpasswd;   // config/vncpasswd
};

std::string dom_path(DomId dom);                  // /local/domain/<id>
std::string vm_path(const std::string& uuid);     // /vm/<uuid>

// Everything written when a domain is built (its old entries removed first).
std::vector<StoreOp> domain_layout(const LayoutInput& in);
// What goes when it is destroyed: its home, its backend directories and,
// unless `keep_vm`, /vm/<uuid>.
std::vector<StoreOp> teardown_layout(const DomainSpec& spec, DomId dom, bool keep_vm);

// Applies the operations in order; stops at the first failure.
Status apply_ops(XsClient& xs, const std::vector<StoreOp>& ops);

}  // namespace xvm::xend
