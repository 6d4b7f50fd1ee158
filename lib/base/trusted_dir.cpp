#include "lib/base/trusted_dir.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <vector>

#include "lib/base/format.h"

namespace xvm {
namespace {

constexpr int kMaxLinks = 8;

std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < path.size()) {
        std::size_t slash = path.find('/', at);
        if (slash == std::string::npos) slash = path.size();
        if (slash > at) out.push_back(path.substr(at, slash - at));
        at = slash + 1;
    }
    return out;
}

// What a component turned out to be.
struct Opened {
    UniqueFd fd;         // the directory, when it is one
    std::string target;  // a root-owned link's target, when it is one
};

// Opens `name` in `dir` without following a link, creating it when asked.
// A link is refused - unless it belongs to root, as Debian's /var/run ->
// /run does: only root could have made it, and the caller walks its
// target under the same checks.
Result<Opened> open_component(int dir, const std::string& name, const std::string& shown,
                              bool create, mode_t mode) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        UniqueFd fd(::openat(dir, name.c_str(), O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC));
        if (fd) return Opened{std::move(fd), {}};
        if (errno == ELOOP || errno == ENOTDIR) {
            struct stat st {};
            bool link = ::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                        S_ISLNK(st.st_mode);
            if (link && st.st_uid == 0) {
                char target[4096];
                ssize_t n = ::readlinkat(dir, name.c_str(), target, sizeof target - 1);
                if (n > 0) return Opened{UniqueFd(), std::string(target, n)};
            }
            return make_error(cat(shown, link ? " is a symbolic link" : " is not a directory",
                                  ": refused"),
                              ELOOP);
        }
        if (errno != ENOENT || !create || attempt > 0) return errno_error(cat("cannot open ", shown));
        if (::mkdirat(dir, name.c_str(), mode) < 0 && errno != EEXIST)
            return errno_error(cat("cannot create ", shown));
    }
    return make_error(cat("cannot open ", shown));
}

// A parent may also belong to the account the directory is made for (the
// state directory inside /var/run/xvm): everything below is reached by
// descriptor, and directories cannot be hard-linked, so that account
// gains nothing it did not have.
Status check_parent(int fd, const std::string& shown, uid_t owner_uid) {
    struct stat st {};
    if (::fstat(fd, &st) < 0) return errno_error(cat("cannot examine ", shown));
    if (st.st_uid != 0 && st.st_uid != owner_uid)
        return make_error(cat(shown, " belongs to uid ", st.st_uid, ", not root: refused"), EPERM);
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
        return make_error(cat(shown, " is writable by others: refused"), EPERM);
    return {};
}

Status check_final(int fd, const std::string& shown, uid_t owner_uid) {
    struct stat st {};
    if (::fstat(fd, &st) < 0) return errno_error(cat("cannot examine ", shown));
    if (st.st_uid != 0 && st.st_uid != owner_uid)
        return make_error(cat(shown, " belongs to uid ", st.st_uid, ": refused"), EPERM);
    return {};
}

Result<UniqueFd> walk(const std::string& path, bool create, mode_t mode, uid_t owner_uid) {
    if (path.empty() || path[0] != '/') return make_error(cat(path, ": not an absolute path"));
    std::vector<std::string> parts = components(path);
    std::reverse(parts.begin(), parts.end());  // a stack: the next component last
    UniqueFd root(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!root) return errno_error("cannot open /");
    UniqueFd dir = std::move(root);
    std::string shown;
    for (int links = 0; !parts.empty();) {
        std::string name = parts.back();
        parts.pop_back();
        bool last = parts.empty();
        auto next = open_component(dir.get(), name, shown + "/" + name, create, last ? mode : 0755);
        if (!next) return std::move(next).error();
        if (!next->fd) {  // a root-owned link: walk its target instead
            if (++links > kMaxLinks) return make_error(cat(path, ": too many links"), ELOOP);
            std::vector<std::string> more = components(next->target);
            parts.insert(parts.end(), more.rbegin(), more.rend());
            if (next->target[0] == '/') {
                dir.reset(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
                shown.clear();
            }
            if (!dir) return errno_error("cannot open /");
            continue;
        }
        shown += "/" + name;
        Status ok = last ? check_final(next->fd.get(), shown, owner_uid)
                         : check_parent(next->fd.get(), shown, owner_uid);
        if (!ok) return std::move(ok).error();
        dir = std::move(next->fd);
    }
    return dir;
}

}  // namespace

Result<UniqueFd> make_trusted_dir(const std::string& path, const DirOwner& owner) {
    auto dir = walk(path, true, owner.mode, owner.uid);
    if (!dir) return dir;
    if (::fchown(dir->get(), owner.uid, owner.gid) < 0)
        return errno_error(cat("cannot give ", path, " to uid ", owner.uid));
    if (::fchmod(dir->get(), owner.mode) < 0) return errno_error(cat("cannot set the mode of ", path));
    return dir;
}

Result<UniqueFd> open_trusted_dir(const std::string& path, uid_t owner_uid) {
    return walk(path, false, 0, owner_uid);
}

}  // namespace xvm
