// Repository files: creation that never clobbers, locks that only root can
// take and never wait without a bound, copies that replace atomically.
// "Root" below is whoever runs the code (geteuid()), so the unit tests can
// exercise the same paths as an ordinary user.
#include "lib/smf/repo_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <tdb.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "lib/base/format.h"

namespace xvm::smf {
namespace {

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::string temp_name(const std::string& path, std::string_view what) {
    return cat(path, ".", what, ".", ::getpid());
}

// A file only its owner (us) can open.
bool private_file(const struct stat& st) {
    return S_ISREG(st.st_mode) && st.st_uid == ::geteuid() && (st.st_mode & 077) == 0;
}

Status fsync_dir(const std::string& dir) {
    UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!d || ::fsync(d.get()) < 0) return errno_error(cat("cannot sync directory ", dir));
    return {};
}

Status mkdir_p(const std::string& dir) {
    for (std::size_t pos = 1; pos != std::string::npos;) {
        pos = dir.find('/', pos + 1);
        std::string part = dir.substr(0, pos);
        if (::mkdir(part.c_str(), 0755) < 0 && errno != EEXIST) return errno_error(cat("cannot create ", part));
    }
    return {};
}

// A new file only we can write, owned by us (root), at `path`; never an
// existing one (O_EXCL), never through a symlink.
Result<UniqueFd> create_private(const std::string& path, mode_t mode) {
    (void)::unlink(path.c_str());  // a leftover of a writer that died; EEXIST below catches a race
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!fd) return errno_error(cat("cannot create ", path));
    // The umask must not decide who may read the repository.
    if (::fchmod(fd.get(), mode) < 0) return errno_error(cat("cannot set the mode of ", path));
    return fd;
}

}  // namespace

std::string public_path(const std::string& repository) {
    std::string base = repository.ends_with(".tdb") ? repository.substr(0, repository.size() - 4) : repository;
    return base + std::string(kPublicSuffix);
}

std::string backup_link(const std::string& repository, std::string_view tag) {
    return cat(dir_of(repository), "/repository-", tag);
}

Result<UniqueFd> open_lock_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return errno_error(cat("cannot open ", path));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return errno_error(cat("cannot examine ", path));
    if (private_file(st)) return fd;
    // Someone else may hold a descriptor (and a lock) on this inode: retire it.
    std::string tmp = temp_name(path, "new");
    auto fresh = create_private(tmp, 0600);
    if (!fresh) return std::move(fresh).error();
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        Error e = errno_error(cat("cannot replace ", path));
        (void)::unlink(tmp.c_str());
        return e;
    }
    return fresh;
}

Status lock_bounded(int fd, int op, std::chrono::milliseconds budget, std::string_view what,
                    std::chrono::milliseconds max_pause) {
    using Clock = std::chrono::steady_clock;
    auto deadline = Clock::now() + budget;
    auto pause = std::chrono::milliseconds(1);
    while (true) {
        if (::flock(fd, op | LOCK_NB) == 0) return {};
        if (errno == EINTR) continue;
        if (errno != EWOULDBLOCK) return errno_error(cat("cannot lock ", what));
        auto now = Clock::now();
        if (now >= deadline)
            return make_error(cat(what, " has been locked by another process for more than ",
                                  budget.count(), " ms"),
                              EWOULDBLOCK);
        std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
        pause = std::min(pause * 2, max_pause);
    }
}

void mark_waiting_reader(int fd, bool on) {
    struct flock fl {};
    fl.l_type = on ? F_RDLCK : F_UNLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 1;
    (void)::fcntl(fd, F_OFD_SETLK, &fl);  // a hint: failing to give it only costs fairness
}

void let_waiting_readers_in(int fd, std::chrono::milliseconds max) {
    using Clock = std::chrono::steady_clock;
    auto deadline = Clock::now() + max;
    while (Clock::now() < deadline) {
        struct flock fl {};
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        fl.l_start = 0;
        fl.l_len = 1;
        if (::fcntl(fd, F_OFD_GETLK, &fl) < 0 || fl.l_type == F_UNLCK) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

Result<bool> secure_repository_file(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) return errno_error(cat("cannot examine ", path));
    if (S_ISLNK(st.st_mode))
        return make_error(cat("repository ", path, " is a symbolic link; refusing to follow it"), ELOOP);
    if (!S_ISREG(st.st_mode)) return make_error(cat("repository ", path, " is not a regular file"), EINVAL);
    if (private_file(st)) return false;
    UniqueFd src(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!src) return errno_error(cat("cannot open ", path));
    if (auto s = copy_file_replacing(src.get(), path, 0600); !s) return std::move(s).error();
    return true;
}

Result<bool> create_repository_if_missing(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) return false;
    if (errno != ENOENT) return errno_error(cat("cannot examine ", path));
    if (auto s = mkdir_p(dir_of(path)); !s) return std::move(s).error().context("cannot create the repository");
    std::string tmp = temp_name(path, "new");
    (void)::unlink(tmp.c_str());  // see create_private
    tdb_context* t = ::tdb_open(tmp.c_str(), 0, TDB_DEFAULT, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (t == nullptr) return errno_error(cat("cannot create ", tmp));
    int ok = ::fchmod(::tdb_fd(t), 0600) == 0 && ::fsync(::tdb_fd(t)) == 0;
    Error err = ok ? Error{} : errno_error(cat("cannot prepare ", tmp));
    ::tdb_close(t);
    // link() fails with EEXIST instead of replacing: another creator won.
    bool linked = ok && ::link(tmp.c_str(), path.c_str()) == 0;
    int link_errno = errno;
    (void)::unlink(tmp.c_str());
    if (!ok) return err;
    if (!linked) {
        if (link_errno == EEXIST) return false;
        return errno_error(cat("cannot create ", path), link_errno);
    }
    if (auto s = fsync_dir(dir_of(path)); !s) return std::move(s).error();
    return true;
}

Status copy_file_replacing(int src_fd, const std::string& dst, mode_t mode) {
    std::string tmp = temp_name(dst, "tmp");
    auto out = create_private(tmp, mode);
    if (!out) return std::move(out).error();
    auto fail = [&](Error e) -> Status {
        (void)::unlink(tmp.c_str());
        return e;
    };
    char buf[64 * 1024];
    for (off_t off = 0;;) {
        ssize_t n = ::pread(src_fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(errno_error(cat("cannot read the file copied to ", dst)));
        if (n == 0) break;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = ::write(out->get(), buf + done, static_cast<std::size_t>(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return fail(errno_error(cat("cannot write ", tmp)));
            done += w;
        }
        off += n;
    }
    if (::fsync(out->get()) < 0) return fail(errno_error(cat("cannot sync ", tmp)));
    if (::rename(tmp.c_str(), dst.c_str()) < 0) return fail(errno_error(cat("cannot replace ", dst)));
    return fsync_dir(dir_of(dst));
}

Result<std::string> backup_repository(int src_fd, const std::string& repository, std::string_view tag) {
    std::string dir = dir_of(repository);
    std::string prefix = cat("repository-", tag, "-");
    time_t now = ::time(nullptr);
    struct tm tm {};
    ::localtime_r(&now, &tm);
    char stamp[32];
    ::strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &tm);
    std::string name = prefix + stamp;
    std::string path = cat(dir, "/", name);
    if (auto s = copy_file_replacing(src_fd, path, 0600); !s) return std::move(s).error();
    // The link moves to the new copy in one rename().
    std::string link = backup_link(repository, tag);
    std::string tmp = temp_name(link, "new");
    (void)::unlink(tmp.c_str());
    if (::symlink(name.c_str(), tmp.c_str()) < 0 || ::rename(tmp.c_str(), link.c_str()) < 0) {
        Error e = errno_error(cat("cannot point ", link, " at ", name));
        (void)::unlink(tmp.c_str());
        return e;
    }
    std::vector<std::string> old;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (struct dirent* e = ::readdir(d)) {
            std::string_view n = e->d_name;
            // Only finished copies: "repository-boot-20261122_175001".
            if (n.starts_with(prefix) && n.find('.') == std::string_view::npos) old.emplace_back(n);
        }
        ::closedir(d);
    }
    std::sort(old.begin(), old.end());  // the stamps sort by time
    for (std::size_t i = 0; i + kBackupsKept < old.size(); ++i)
        (void)::unlink(cat(dir, "/", old[i]).c_str());  // a copy that stays is harmless
    return path;
}

std::string damaged_message(const std::string& repository, std::string_view why) {
    std::string dir = dir_of(repository);
    return cat("repository ", repository, " cannot be used (", why,
               "); it was left as it is. To restore the last good copy (one is taken at each start of "
               "svc.startd), as root: cp ", backup_link(repository, "boot"), " ", repository,
               " (older copies: ", dir, "/repository-boot-*). To start from an empty repository instead, "
               "move ", repository, " aside and import the manifests again.");
}

}  // namespace xvm::smf
