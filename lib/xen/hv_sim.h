// The sim backend: a client of hvsim's socket (hv_proto.h). Internal to
// lib/: daemons call open_hypervisor().
#pragma once

#include <memory>
#include <string>

#include "lib/xen/hypervisor.h"

namespace xvm {

inline constexpr std::string_view kHvsimSocket = "/var/run/xvm/hvsim.sock";

// Connects to hvsim at `socket` (root_path(kHvsimSocket) by default) and
// checks that it answers us: a peer without xvm_control gets EPERM here.
Result<std::unique_ptr<Hypervisor>> open_sim_hypervisor(const std::string& socket);
// The xen backend (hv_xen.cpp).
Result<std::unique_ptr<Hypervisor>> open_xen_hypervisor();

}  // namespace xvm
