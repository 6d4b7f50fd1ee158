// What xend tells about domains and the host, as S-expressions (XEND.md
// section 2): the domain sxpr of xend.domain / xm list, the state string
// and status code, getVCPUInfo, and xend.node.info. Pure functions of a
// record and the hypervisor's view, so the formats are unit-tested.
//
// Over XML-RPC every int must fit 32 bits (sexpr_to_value sends a bigger
// one as a string) and vcpu_avail is never sent (section 1.1).
#pragma once

#include <string>
#include <vector>

#include "daemons/xend/domain_table.h"
#include "lib/rpc/sexpr.h"
#include "lib/xen/hypervisor.h"

namespace xvm::xend {

// "r-----", "-b----", "--p---", ... from the hypervisor's flags.
std::string state_string(const DomainInfo& info);
// 0 halted, 1 paused, 2 running, 3 suspended, 4 shutting down, 5 crashed.
int status_code(const DomainRecord& r);
// The xend.domains_with_state word of a record: running, paused, halted,
// suspended, crashed.
std::string state_word(const DomainRecord& r);

// (domain (domid 3) (uuid ...) (name web01) ...); devices only with `full`.
rpc::Sexpr domain_sexpr(const DomainRecord& r, bool full);

// (domain (domid N) (name X) (vcpu_count M) (vcpu (number 0) ...) ...).
rpc::Sexpr vcpu_info_sexpr(const DomainRecord& r, const std::vector<VcpuInfo>& vcpus,
                           std::uint32_t nr_cpus);

struct NodeFacts {
    PhysInfo phys;
    std::string backend;  // "sim" or "xen": shown as xen_extra's suffix
};
// xend.node.info's answer: the pairs ((system Linux) (host h) ...
// (xend_config_format 4)), system first and no head atom - xm info prints
// every pair but the first (XEND.md 2.4), as XendNode.info() returned them.
rpc::Sexpr node_info_pairs(const NodeFacts& facts);
// The legacy server's GET /xend/node/: the same pairs under `node`
// (SrvNode's ['node'] + info).
rpc::Sexpr node_sexpr(const NodeFacts& facts);

}  // namespace xvm::xend
