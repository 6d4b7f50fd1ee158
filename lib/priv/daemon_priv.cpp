#include "lib/priv/daemon_priv.h"

#include <grp.h>
#include <linux/securebits.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <memory>
#include <sstream>

#include "lib/base/format.h"

namespace xvm {
namespace {

struct Ids {
    uid_t uid;
    gid_t gid;
};

Result<Ids> lookup_ids(const DropSpec& spec) {
    std::vector<char> buf(4096);
    struct passwd pw {};
    struct passwd* pw_found = nullptr;
    ::getpwnam_r(spec.user.c_str(), &pw, buf.data(), buf.size(), &pw_found);
    if (pw_found == nullptr)
        return make_error(cat("cannot drop privileges: user ", spec.user, " does not exist"),
                          ENOENT);
    uid_t uid = pw.pw_uid;
    struct group gr {};
    struct group* gr_found = nullptr;
    ::getgrnam_r(spec.group.c_str(), &gr, buf.data(), buf.size(), &gr_found);
    if (gr_found == nullptr)
        return make_error(cat("cannot drop privileges: group ", spec.group, " does not exist"),
                          ENOENT);
    if (uid == 0)
        return make_error(cat("cannot drop privileges: user ", spec.user, " has uid 0"), EINVAL);
    return Ids{uid, gr.gr_gid};
}

Status fail(std::string_view step) { return errno_error(cat("cannot drop privileges: ", step)); }

bool keeps(const DropSpec& spec, cap_value_t cap) {
    for (cap_value_t kept : spec.keep)
        if (kept == cap) return true;
    return false;
}

// Bounding set first, while we still hold CAP_SETPCAP as root.
Status reduce_bounding_set(const DropSpec& spec) {
    for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; ++cap) {
        if (keeps(spec, cap)) continue;
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return fail(cat("PR_CAPBSET_DROP ", cap));
    }
    return {};
}

Status set_exact_capabilities(const DropSpec& spec) {
    std::unique_ptr<std::remove_pointer_t<cap_t>, int (*)(void*)> caps(cap_init(), cap_free);
    if (!caps) return fail("cap_init");
    if (!spec.keep.empty()) {
        if (cap_set_flag(caps.get(), CAP_PERMITTED, spec.keep.size(), spec.keep.data(), CAP_SET) ||
            cap_set_flag(caps.get(), CAP_EFFECTIVE, spec.keep.size(), spec.keep.data(), CAP_SET))
            return fail("cap_set_flag");
    }
    if (cap_set_proc(caps.get()) < 0) return fail("cap_set_proc");
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return fail("clearing ambient capabilities");
    return {};
}

// The drop must be irreversible: try to regain root and the old group, and
// check what the kernel says we now are.
Status verify_drop(const DropSpec& spec, Ids ids) {
    if (::setresuid(0, 0, 0) == 0) return make_error("cannot drop privileges: uid 0 regained", EPERM);
    if (::setresgid(0, 0, 0) == 0) return make_error("cannot drop privileges: gid 0 regained", EPERM);
    uid_t r, e, s;
    gid_t rg, eg, sg;
    if (::getresuid(&r, &e, &s) < 0 || ::getresgid(&rg, &eg, &sg) < 0) return fail("getresuid");
    if (r != ids.uid || e != ids.uid || s != ids.uid || rg != ids.gid || eg != ids.gid ||
        sg != ids.gid)
        return make_error("cannot drop privileges: ids did not change", EPERM);
    for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; ++cap) {
        if (keeps(spec, cap)) continue;
        if (CAP_IS_SUPPORTED(cap) && ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
            return make_error(cat("cannot drop privileges: capability ", cap, " still bounded"),
                              EPERM);
    }
    if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return make_error("cannot drop privileges: no_new_privs is not set", EPERM);
    return {};
}

}  // namespace

Status drop_daemon_privileges(const DropSpec& spec) {
    Result<Ids> ids = lookup_ids(spec);
    if (!ids) return std::move(ids).error();
    Status bounded = reduce_bounding_set(spec);
    if (!bounded) return bounded;
    // Keep permitted capabilities across the uid change; cleared again below.
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return fail("PR_SET_KEEPCAPS");
    gid_t groups[] = {ids->gid};
    if (::setgroups(1, groups) < 0) return fail(cat("setgroups([", spec.group, "])"));
    if (::setresgid(ids->gid, ids->gid, ids->gid) < 0)
        return fail(cat("setresgid(", spec.group, ")"));
    if (::setresuid(ids->uid, ids->uid, ids->uid) < 0)
        return fail(cat("setresuid(", spec.user, ")"));
    if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return fail("clearing PR_SET_KEEPCAPS");
    Status caps = set_exact_capabilities(spec);
    if (!caps) return caps;
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return fail("PR_SET_NO_NEW_PRIVS");
    return verify_drop(spec, *ids);
}

Result<std::vector<cap_value_t>> parse_capabilities(const std::string& list) {
    std::vector<cap_value_t> caps;
    std::istringstream in(list);
    std::string name;
    while (std::getline(in, name, ',')) {
        if (name.empty() || name == "none") continue;
        cap_value_t cap;
        if (cap_from_name(name.c_str(), &cap) < 0)
            return make_error(cat("unknown capability \"", name, "\""));
        caps.push_back(cap);
    }
    return caps;
}

}  // namespace xvm
