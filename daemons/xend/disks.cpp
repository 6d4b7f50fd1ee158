#include "daemons/xend/disks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/base/unique_fd.h"

namespace xvm::xend {
namespace {

Status prepare_file(const DiskSpec& d, const std::optional<PeerCred>& requester, uid_t xvm_uid, gid_t xvm_gid) {
    std::string path = root_path(d.target);
    UniqueFd fd(::open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd && errno == ENOENT) return make_error(cat("Disk image does not exist: ", d.target));
    if (!fd) return errno_error(cat("Disk image ", d.target));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return errno_error(cat("Disk image ", d.target));
    if (S_ISLNK(st.st_mode)) return make_error(cat("Disk image ", d.target, " is a symbolic link: refused"));
    if (!S_ISREG(st.st_mode)) return make_error(cat("Disk image ", d.target, " is not a regular file"));
    if (st.st_uid == xvm_uid) return {};
    if (!requester) return {};  // xend's own rebuild: never give anything away
    if (st.st_nlink != 1) return make_error(cat("Disk image ", d.target, " has ", st.st_nlink, " links: refused"));
    if (st.st_mode & (S_ISUID | S_ISGID))
        return make_error(cat("Disk image ", d.target, " is set-user or set-group-ID: refused"));
    if (requester->uid != 0 && requester->uid != st.st_uid)
        return make_error(cat("Disk image ", d.target, " belongs to uid ", st.st_uid, ", not to the requesting uid ",
                              requester->uid, ": only its owner (or root) may give it to xvm"),
                          EPERM);
    if (::fchownat(fd.get(), "", xvm_uid, xvm_gid, AT_EMPTY_PATH) < 0)
        return errno_error(cat("cannot give disk image ", d.target, " to xvm"));
    return {};
}

}  // namespace

Status prepare_disks(const DomainSpec& spec, const std::optional<PeerCred>& requester, uid_t xvm_uid,
                     gid_t xvm_gid) {
    std::vector<std::string> problems;
    for (const DiskSpec& d : spec.disks) {
        Status ok;
        if (d.type == "phy") {
            struct stat st {};
            std::string path = d.target.starts_with("/") ? d.target : "/dev/" + d.target;
            if (::stat(root_path(path).c_str(), &st) < 0 || !S_ISBLK(st.st_mode))
                ok = make_error(cat("Disk ", d.uname, ": ", path, " is not a block device"));
        } else {
            ok = prepare_file(d, requester, xvm_uid, xvm_gid);
        }
        if (!ok) problems.push_back(ok.error().message);
    }
    if (!problems.empty()) return make_error(join(problems, "; "));
    return {};
}

}  // namespace xvm::xend
