#include "lib/priv/daemon_priv.h"

#include <grp.h>
#include <pwd.h>

#include <vector>

#include "lib/base/format.h"
#include "lib/priv/daemon_caps.h"

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

}  // namespace

Result<DropSpec> daemon_drop_spec(std::string_view daemon) {
    auto table = DaemonCaps::load_installed();
    if (!table) return std::move(table).error().context("cannot drop privileges");
    auto keep = table->keep_for(daemon);
    if (!keep) return std::move(keep).error().context("cannot drop privileges");
    return DropSpec{.keep = *keep};
}

Status drop_daemon_privileges(const DropSpec& spec) {
    Result<Ids> ids = lookup_ids(spec);
    if (!ids) return std::move(ids).error();
    const gid_t groups[] = {ids->gid};
    return switch_credentials(CredSpec{.uid = ids->uid, .gid = ids->gid, .groups = groups,
                                       .keep = spec.keep});
}

}  // namespace xvm
