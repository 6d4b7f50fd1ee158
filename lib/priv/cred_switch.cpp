// See cred_switch.h for the sequence and why it is ordered so. Capability
// sets are read and written with the capget/capset system calls (not
// libcap, which allocates) so that the success path is safe after fork.
#include "lib/priv/cred_switch.h"

#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

#include "lib/base/format.h"

#include <sys/capability.h>  // cap_from_name / cap_to_name only

namespace xvm {
namespace {

constexpr int kMaxGroups = 64;

struct CapSets {
    CapMask effective = 0, permitted = 0, inheritable = 0;
};

int last_cap() {
    static const int last = [] {
        int cap = CAP_LAST_CAP;
        while (::prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0) ++cap;  // newer kernel
        return cap;
    }();
    return last;
}

bool get_caps(CapSets& out) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &header, data) < 0) return false;
    auto join = [](std::uint32_t lo, std::uint32_t hi) { return CapMask(hi) << 32 | lo; };
    out.effective = join(data[0].effective, data[1].effective);
    out.permitted = join(data[0].permitted, data[1].permitted);
    out.inheritable = join(data[0].inheritable, data[1].inheritable);
    return true;
}

bool set_caps(const CapSets& sets) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    for (int i = 0; i < 2; ++i) {
        data[i].effective = static_cast<std::uint32_t>(sets.effective >> (32 * i));
        data[i].permitted = static_cast<std::uint32_t>(sets.permitted >> (32 * i));
        data[i].inheritable = static_cast<std::uint32_t>(sets.inheritable >> (32 * i));
    }
    return ::syscall(SYS_capset, &header, data) == 0;
}

Status step_failed(std::string_view step) {
    return errno_error(cat("cannot switch credentials: ", step));
}
Status mismatch(std::string_view what) {
    return make_error(cat("cannot switch credentials: ", what), EPERM);
}

Status reduce_bounding_set(CapMask keep) {
    for (int cap = 0; cap <= last_cap(); ++cap) {
        if (keep & cap_bit(cap)) continue;
        if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1) continue;  // already gone
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) return step_failed("PR_CAPBSET_DROP");
    }
    return {};
}

// KEEPCAPS needs no privilege; NOROOT (only when uid 0 stays with less
// than everything) needs CAP_SETPCAP, which such a caller - root - holds.
Status set_securebits(const CredSpec& spec) {
    if (spec.keep != 0 && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return step_failed("PR_SET_KEEPCAPS");
    if (spec.uid != 0) return {};
    int bits = ::prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
    if (bits < 0) return step_failed("PR_GET_SECUREBITS");
    int want = bits | SECBIT_NOROOT | SECBIT_NOROOT_LOCKED;
    if (want != bits && ::prctl(PR_SET_SECUREBITS, want, 0, 0, 0) < 0)
        return step_failed("PR_SET_SECUREBITS");
    return {};
}

Status switch_ids(const CredSpec& spec) {
    if (::setgroups(spec.groups.size(), spec.groups.data()) < 0) return step_failed("setgroups");
    if (::setresgid(spec.gid, spec.gid, spec.gid) < 0) return step_failed("setresgid");
    if (::setresuid(spec.uid, spec.uid, spec.uid) < 0) return step_failed("setresuid");
    return {};
}

Status set_capabilities(const CredSpec& spec) {
    CapSets sets{spec.keep, spec.keep, spec.survive_exec ? spec.keep : 0};
    if (!set_caps(sets)) return step_failed("capset");
    if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return step_failed("clearing PR_SET_KEEPCAPS");
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return step_failed("clearing ambient capabilities");
    if (!spec.survive_exec) return {};
    for (int cap = 0; cap <= last_cap(); ++cap)
        if ((spec.keep & cap_bit(cap)) &&
            ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            return step_failed("raising ambient capabilities");
    return {};
}

Status verify_ids(const CredSpec& spec) {
    uid_t r, e, s;
    gid_t rg, eg, sg;
    if (::getresuid(&r, &e, &s) < 0 || ::getresgid(&rg, &eg, &sg) < 0)
        return step_failed("getresuid");
    if (r != spec.uid || e != spec.uid || s != spec.uid) return mismatch("uid did not change");
    if (rg != spec.gid || eg != spec.gid || sg != spec.gid) return mismatch("gid did not change");
    gid_t now[kMaxGroups];
    int n = ::getgroups(kMaxGroups, now);
    if (n < 0) return step_failed("getgroups");
    if (static_cast<std::size_t>(n) != spec.groups.size()) return mismatch("groups did not change");
    for (int i = 0; i < n; ++i)
        if (std::find(spec.groups.begin(), spec.groups.end(), now[i]) == spec.groups.end())
            return mismatch("groups did not change");
    return {};
}

Status verify_capabilities(const CredSpec& spec) {
    CapSets now;
    if (!get_caps(now)) return step_failed("capget");
    CapMask inheritable = spec.survive_exec ? spec.keep : 0;
    if (now.permitted != spec.keep) return mismatch("permitted capabilities differ");
    if (now.effective != spec.keep) return mismatch("effective capabilities differ");
    if (now.inheritable != inheritable) return mismatch("inheritable capabilities differ");
    for (int cap = 0; cap <= last_cap(); ++cap) {
        bool kept = spec.keep & cap_bit(cap);
        if (spec.reduce_bounding && !kept && ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
            return mismatch("a capability is still in the bounding set");
        int ambient = ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0);
        if ((ambient == 1) != (kept && spec.survive_exec))
            return mismatch("ambient capabilities differ");
    }
    return {};
}

// Root must be gone for good unless the kept capabilities are exactly
// what would bring it back (hvsim's launcher keeps CAP_SETUID on purpose).
Status verify_irreversible(const CredSpec& spec) {
    if (spec.no_new_privs && ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return mismatch("no_new_privs is not set");
    if (spec.uid != 0 && !(spec.keep & cap_bit(CAP_SETUID)) && ::setresuid(0, 0, 0) == 0)
        return mismatch("uid 0 regained");
    if (spec.gid != 0 && !(spec.keep & cap_bit(CAP_SETGID)) && ::setresgid(0, 0, 0) == 0)
        return mismatch("gid 0 regained");
    return {};
}

}  // namespace

Status switch_credentials(const CredSpec& spec) {
    if (spec.groups.size() > kMaxGroups) return mismatch("too many supplementary groups");
    if (spec.reduce_bounding) {
        if (Status s = reduce_bounding_set(spec.keep); !s) return s;
    }
    if (Status s = set_securebits(spec); !s) return s;
    if (Status s = switch_ids(spec); !s) return s;
    if (Status s = set_capabilities(spec); !s) return s;
    if (spec.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return step_failed("PR_SET_NO_NEW_PRIVS");
    return verify_credentials(spec);
}

Status verify_credentials(const CredSpec& spec) {
    if (Status s = verify_ids(spec); !s) return s;
    if (Status s = verify_capabilities(spec); !s) return s;
    return verify_irreversible(spec);
}

Result<CapMask> parse_cap_mask(std::string_view list) {
    CapMask mask = 0;
    std::size_t at = 0;
    while (at <= list.size()) {
        std::size_t comma = std::min(list.find(',', at), list.size());
        std::string name(list.substr(at, comma - at));
        at = comma + 1;
        if (name.empty() || name == "none") continue;
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        cap_value_t cap;
        if (cap_from_name(lower.c_str(), &cap) < 0)
            return make_error(cat("unknown capability \"", name, "\""));
        mask |= cap_bit(cap);
    }
    return mask;
}

std::string cap_mask_names(CapMask mask) {
    std::string out;
    for (int cap = 0; cap < 64; ++cap) {
        if (!(mask & cap_bit(cap))) continue;
        char* name = cap_to_name(cap);
        std::string upper = name ? name : cat(cap);
        cap_free(name);
        std::transform(upper.begin(), upper.end(), upper.begin(),
                       [](unsigned char c) { return std::toupper(c); });
        out += (out.empty() ? "" : ",") + upper;
    }
    return out.empty() ? "none" : out;
}

}  // namespace xvm
