#include "daemons/xend/identity.h"

#include <grp.h>
#include <pwd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <memory>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/priv/cred_switch.h"
#include "lib/priv/daemon_caps.h"

namespace xvm::xend {
namespace {

Status clear_inherited_capabilities() {
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return errno_error("cannot clear the ambient capabilities");
    std::unique_ptr<_cap_struct, int (*)(void*)> caps(::cap_get_proc(), ::cap_free);
    if (!caps) return errno_error("cannot read the capabilities");
    if (::cap_clear_flag(caps.get(), CAP_INHERITABLE) < 0 || ::cap_set_proc(caps.get()) < 0)
        return errno_error("cannot clear the inheritable capabilities");
    return {};
}

}  // namespace

Result<Identity> settle_identity() {
    if (::geteuid() == 0 || ::getuid() == 0)
        return make_error("xend does not run as root: svc.startd starts it as xvm (its manifest's "
                          "method_context); see xend(1M)",
                          EPERM);
    if (Status ok = clear_inherited_capabilities(); !ok) return std::move(ok).error();
    Identity id{::getuid(), ::getgid()};
    struct passwd* xvm = ::getpwnam("xvm");
    if (xvm == nullptr || xvm->pw_uid != id.uid) {
        log_warnx(cat("running as uid ", id.uid, ", not xvm: privileges not verified"));
        return id;
    }
    auto table = DaemonCaps::load_installed();
    if (!table) return std::move(table).error();
    auto keep = table->keep_for("xend");
    if (!keep) return std::move(keep).error();
    gid_t groups[] = {xvm->pw_gid};
    CredSpec spec{.uid = xvm->pw_uid, .gid = xvm->pw_gid, .groups = groups, .keep = *keep};
    if (Status ok = verify_credentials(spec); !ok)
        return std::move(ok).error().context(cat("xend's credentials are not what daemon_caps declares (",
                                                 cap_mask_names(*keep), ")"));
    return id;
}

}  // namespace xvm::xend
