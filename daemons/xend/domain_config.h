// A domain's configuration as xend takes it: the (vm ...) S-expression xm
// sends for create and new (XEND.md section 4, "SXP"), checked and turned
// into a DomainSpec, and back into the (vm ...) form xend stores (config.sxp
// of a managed domain; the store's /vm/<uuid>/xend/config) and rebuilds
// from when a domain restarts.
//
// Checks follow xend 3.x and use its messages (fault 2 texts that xm
// shows as "Error: ..."): "Missing VM Name", "Invalid VM Name", "memory_
// dynamic_max must be greater than zero", "Invalid event handling mode:
// ...", "Invalid disk specifier: ...", "Invalid mode: ...". Every problem
// is reported, "; "-joined, not just the first. Unknown top-level keys are
// ignored (as xend did: xm of another version may send more); device
// classes xend cannot attach here (pci, vtpm, vscsi, ...) are refused.
// Parsing touches no file: check_files() looks for kernel and ramdisk.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/base/result.h"
#include "lib/rpc/sexpr.h"
#include "lib/xen/hypervisor.h"

namespace xvm::xend {

// What xend does when a guest powers off, reboots or crashes (section 11).
enum class Action : std::uint8_t {
    kDestroy,
    kRestart,
    kPreserve,
    kRenameRestart,
    kCoredumpDestroy,
    kCoredumpRestart,
};
std::string_view action_name(Action a);
std::optional<Action> parse_action(std::string_view text);

struct DiskSpec {
    std::string uname;   // as given: "file:/srv/d.img"
    std::string type;    // "file", "phy" or "tap"
    std::string target;  // "/srv/d.img" (tap: after "aio:" etc.)
    std::string dev;     // "xvda" (":disk"/":cdrom" removed)
    bool cdrom = false;
    std::string mode;    // "r", "w" or "w!"
    std::uint32_t backend = 0;
    std::string protocol;
    std::uint32_t devid = 0;  // the virtual-device number
    std::string uuid;         // filled by complete_spec()
    std::string device_class() const { return type == "tap" ? "tap" : "vbd"; }
};

struct VifSpec {
    std::vector<std::pair<std::string, std::string>> keys;  // as configured
    std::string mac;    // configured or generated
    std::uint32_t backend = 0;
    std::uint32_t devid = 0;
    std::string uuid;
    const std::string* key(std::string_view name) const;
};

// A virtual frame buffer (VNC or SDL console); its VNC address and
// password default to config/vnc-listen and config/vncpasswd.
struct VfbSpec {
    std::vector<std::pair<std::string, std::string>> keys;  // vncpasswd never here
    std::optional<std::string> vncpasswd;
    std::uint32_t backend = 0;
    std::uint32_t devid = 0;
    std::string uuid;
    const std::string* key(std::string_view name) const;
};

struct DomainSpec {
    std::string name;
    std::optional<Uuid> uuid;
    std::uint64_t memory_mib = 0;
    std::uint64_t maxmem_mib = 0;
    std::uint64_t shadow_memory_mib = 0;
    std::uint32_t vcpus = 1;
    std::uint64_t vcpu_avail = 0;  // bit per initially online vcpu
    // Affinity per vcpu; empty = every CPU. One list for all vcpus is
    // stored once per vcpu.
    std::vector<std::vector<std::uint32_t>> cpus;
    std::int64_t cpu_weight = 256;
    std::int64_t cpu_cap = 0;
    Action on_poweroff = Action::kDestroy;
    Action on_reboot = Action::kRestart;
    Action on_crash = Action::kRestart;
    std::string on_xend_start = "ignore";  // ignore | start
    std::string on_xend_stop = "ignore";   // ignore | shutdown | suspend
    bool hvm = false;                      // image (hvm ...) rather than (linux ...)
    std::string kernel;
    std::string ramdisk;
    std::string args;  // the kernel command line, root= and ip= folded in
    std::string features;
    std::string bootloader;
    std::string bootloader_args;
    std::vector<DiskSpec> disks;
    std::vector<VifSpec> vifs;
    std::vector<VfbSpec> vfbs;
};

inline constexpr std::uint32_t kMaxVcpus = 128;
inline constexpr std::size_t kMaxNameLength = 256;

// "Invalid VM Name" unless `name` is 1..256 of [A-Za-z0-9_-.:/+].
Status check_name(std::string_view name);

// The (vm ...) configuration (or xm's (domain ...) form) to a spec.
Result<DomainSpec> parse_domain_config(const rpc::Sexpr& config);

// Fills what the configuration leaves to xend: the domain's UUID, each
// device's UUID, and vif MAC addresses (00:16:3e + three random bytes).
Status complete_spec(DomainSpec& spec);

// The (vm ...) form of a complete spec: parse_domain_config() of it gives
// the same spec back.
rpc::Sexpr spec_to_config(const DomainSpec& spec);

// (linux (kernel K) (ramdisk R) (args A)) - the domain sxpr's image.
rpc::Sexpr image_sexpr(const DomainSpec& spec);

// Kernel and ramdisk are regular files (paths under XVM_ROOT): "Kernel
// image does not exist: <path>" otherwise.
Status check_files(const DomainSpec& spec);

}  // namespace xvm::xend
