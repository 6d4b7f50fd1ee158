// Building and tearing down domains: the blocking half of create,
// destroy, restart and core dumps, run on a worker (work_pool.h) with the
// worker's own connections. Nothing here touches xend's tables; results
// go back to the loop thread.
//
// A build, in order (the order matters for cleanup: once the hypervisor
// has the domain, every failure destroys it and removes its entries):
//   1. kernel and ramdisk exist; disks exist and are given to xvm (disks.h)
//   2. under the memory lock: make room (balloon.h), create the domain -
//      paused, as Xen creates every domain
//   3. vcpus online and their affinity (cpus)
//   4. the store entries and their permissions (store_layout.h)
//   5. introduce the domain to xenstored (its store ring and port)
//   6. unpause - only for xend's own restarts; xm unpauses what it creates
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "daemons/xend/domain_config.h"
#include "daemons/xend/worker.h"
#include "lib/base/result.h"
#include "lib/priv/ucred.h"

namespace xvm::xend {

struct BuildRequest {
    DomainSpec spec;  // complete
    std::optional<PeerCred> requester;  // nullopt: xend's own restart
    std::uint64_t dom0_min_kib = 0;
    std::uint64_t console_limit_kib = 1024;
    std::string vnc_listen;
    std::string vncpasswd;
    std::uint32_t restart_count = 0;
    double previous_restart_time = 0;
    bool unpause = false;
    uid_t xvm_uid = 0;
    gid_t xvm_gid = 0;
};

struct Built {
    DomId dom = 0;
    DomainInfo info;
    double start_time = 0;
};

Result<Built> build_domain(Worker& w, const BuildRequest& req);

// Destroys the domain (gone already is fine), releases it in xenstored
// and removes its entries (/vm/<uuid> too unless `keep_vm`).
Status teardown_domain(Worker& w, const DomainSpec& spec, DomId dom, bool keep_vm);

// The default core file name (XEND.md section 8):
// <%Y-%m%d-%H%M.%S>-<name>.<domid>.core, local time; a '/' of the name
// becomes '_' (a name may hold '/', a file name may not).
std::string default_dump_name(const std::string& name, DomId dom, std::time_t when);

// Dumps `dom` into `file` inside the directory `dir` (under XVM_ROOT,
// belonging to xvm): the file is created there (O_EXCL, O_NOFOLLOW; an
// existing name is refused) before the hypervisor fills it; a failed dump
// is renamed <file>-incomplete ("Failed to dump core: ...").
Result<std::string> dump_core(Worker& w, DomId dom, const std::string& dir, const std::string& file);

}  // namespace xvm::xend
