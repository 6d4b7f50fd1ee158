// The files of the SMF repository and the rules for touching them - the
// part of the repository that decides who can block, read or destroy it.
//
//   <dir>/repository.tdb         0600 root  the repository itself
//   <dir>/repository.tdb.lock    0600 root  flock: shared for reads,
//                                           exclusive for a whole commit
//   <dir>/repository-public.tdb  0644 root  what users other than root read:
//                                           a copy every root writer rewrites
//                                           after each commit (temporary file,
//                                           then rename), read-protected
//                                           values withheld; nobody locks it
//   <dir>/repository-boot-YYYYMMDD_HHMMSS   the last good repositories (one
//   <dir>/repository-boot -> newest         per svc.startd boot), as illumos
//                                           keeps them in /etc/svc
//
// Only root can open the repository and its lock, so only root's own short
// commits can make anyone wait, and every wait here is bounded anyway.
// Nothing here ever creates over an existing file or follows a symlink:
// a damaged repository stays as it is, for the administrator to restore.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>

#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm::smf {

inline constexpr std::string_view kPublicSuffix = "-public.tdb";
inline constexpr int kBackupsKept = 4;

// <dir>/repository-public.tdb for <dir>/repository.tdb.
std::string public_path(const std::string& repository);
// <dir>/repository-<tag> (the symlink to the newest backup).
std::string backup_link(const std::string& repository, std::string_view tag);

// Opens (creating) the lock file: regular, owned by root, mode 0600. A lock
// file that is not - one an old installation left 0644, which anyone could
// have opened and flock'd - is replaced by a fresh inode, so descriptors
// opened on the old one lock nothing that matters.
Result<UniqueFd> open_lock_file(const std::string& path);

// flock(fd, op) within `budget`; EWOULDBLOCK after it, with a message
// naming `what`. The holders are root's own commits (milliseconds), so the
// bound is reached only when one of them hangs.
Status lock_bounded(int fd, int op, std::chrono::milliseconds budget, std::string_view what,
                    std::chrono::milliseconds max_pause = std::chrono::milliseconds(50));

// Readers first: a commit cannot starve readers. A reader that has to wait
// for the repository lock says so with a shared OFD lock on byte 0 of the
// lock file (independent of the flock itself); a writer about to take the
// lock steps back while anyone says so, for at most `max` - long enough
// for the waiting readers, which poll every few milliseconds, to get in.
void mark_waiting_reader(int fd, bool on);
void let_waiting_readers_in(int fd, std::chrono::milliseconds max);

// Makes sure an existing repository file is one only root can open: a
// symlink or non-regular file is refused; a file others can read or
// write, or owned by someone else, is copied to a fresh 0600 root inode
// that replaces it (descriptors opened on the old one keep only the old
// one). Returns whether it replaced the file; ENOENT when there is none.
// Call with the lock held exclusively.
Result<bool> secure_repository_file(const std::string& path);

// Creates an empty repository at `path` when, and only when, nothing is
// there (a new tdb is built in a temporary file and linked into place, so
// an existing file is never replaced). Returns whether it created one.
Result<bool> create_repository_if_missing(const std::string& path);

// Copies the bytes of `src_fd` into a new file `dst` (mode, root-owned) by
// way of a temporary file in the same directory and rename().
Status copy_file_replacing(int src_fd, const std::string& dst, mode_t mode);

// Takes a backup of the repository open on `src_fd`:
// <dir>/repository-<tag>-YYYYMMDD_HHMMSS, points <dir>/repository-<tag>
// at it, and removes all but the newest kBackupsKept of that tag.
Result<std::string> backup_repository(int src_fd, const std::string& repository, std::string_view tag);

// The message for a repository that cannot be used, naming the file, the
// reason, and how to restore the last good copy.
std::string damaged_message(const std::string& repository, std::string_view why);

}  // namespace xvm::smf
