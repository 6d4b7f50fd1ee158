#include "daemons/xenstored/tdb_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "lib/base/format.h"

namespace xvm::xs {
namespace {

TDB_DATA datum(std::string_view s) {
    return TDB_DATA{reinterpret_cast<unsigned char*>(const_cast<char*>(s.data())), s.size()};
}

void put_u32(std::string& out, std::uint32_t v) { out.append(reinterpret_cast<char*>(&v), 4); }

std::uint32_t get_u32(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

}  // namespace

void encode_node(std::string& out, const Perms& perms, std::string_view value) {
    put_u32(out, static_cast<std::uint32_t>(perms.size()));
    for (const Perm& p : perms) {
        put_u32(out, p.dom);
        out += static_cast<char>(p.mode);
    }
    out.append(value);
}

Result<NodeRecord> decode_node(std::string_view data) {
    if (data.size() < 4) return make_error("node record shorter than its header", EIO);
    std::uint32_t n = get_u32(data.data());
    if (n == 0 || n > 4096 || data.size() < 4 + std::size_t(n) * 5)
        return make_error(cat("node record claims ", n, " permissions in ", data.size(), " bytes"),
                          EIO);
    NodeRecord rec;
    rec.perms.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        const char* p = data.data() + 4 + i * 5;
        rec.perms.push_back(Perm{get_u32(p), static_cast<std::uint8_t>(p[4] & 3)});
    }
    rec.value = data.substr(4 + std::size_t(n) * 5);
    return rec;
}

TdbFile::~TdbFile() {
    if (tdb_ == nullptr) return;
    // An unfinished transaction is dropped: its replies were never sent.
    if (in_transaction_) (void)tdb_transaction_cancel(tdb_);
    tdb_close(tdb_);
}

Result<std::unique_ptr<TdbFile>> TdbFile::open(const std::string& path, bool fresh,
                                               unsigned hash_size) {
    struct stat st {};
    if (!fresh && ::stat(path.c_str(), &st) < 0) {
        if (errno == ENOENT)
            return make_error(cat("store ", path,
                                  " does not exist; start with --new-store to create an "
                                  "empty one"),
                              ENOENT);
        return errno_error(cat("cannot stat store ", path));
    }
    // No fcntl locking: one daemon owns the file (flock below) and tdb's
    // locks would cost a system call per access. Memory-mapped although
    // every commit remaps the file (a single write costs about twice as
    // much as with TDB_NOMMAP): without the mapping each chain step is a
    // pread, and a 100,000-node populate or removal took 4-6 times longer
    // (bench/README.md).
    int flags = TDB_NOSYNC | TDB_NOLOCK;
    // Without O_CREAT tdb refuses a file whose header is not a tdb's,
    // instead of silently re-initialising it.
    int oflags = O_RDWR | (fresh ? O_CREAT | O_TRUNC : 0);
    if (fresh) (void)::unlink(path.c_str());  // stale or corrupt: replaced on purpose
    errno = 0;
    TDB_CONTEXT* tdb = tdb_open(path.c_str(), hash_size, flags, oflags, 0640);
    if (tdb == nullptr)
        return make_error(cat("cannot open store ", path, ": ",
                              errno == EACCES || errno == ENOENT
                                  ? std::strerror(errno)
                                  : "the file is corrupt or not a tdb",
                              "; start with --new-store to replace it with an empty store"),
                          errno ? errno : EIO);
    auto file = std::unique_ptr<TdbFile>(new TdbFile());
    file->tdb_ = tdb;
    file->path_ = path;
    if (::flock(tdb_fd(tdb), LOCK_EX | LOCK_NB) < 0)
        return errno_error(cat("store ", path, " is in use by another xenstored"));
    return file;
}

int TdbFile::fd() const { return tdb_fd(tdb_); }

Status TdbFile::for_each(
    const std::function<Status(std::string_view, std::string_view)>& visit) const {
    struct State {
        const std::function<Status(std::string_view, std::string_view)>* visit;
        Status status;
    } state{&visit, {}};
    auto cb = [](TDB_CONTEXT*, TDB_DATA key, TDB_DATA value, void* p) -> int {
        auto* s = static_cast<State*>(p);
        s->status = (*s->visit)(
            std::string_view(reinterpret_cast<char*>(key.dptr), key.dsize),
            std::string_view(reinterpret_cast<char*>(value.dptr), value.dsize));
        return s->status ? 0 : 1;
    };
    if (tdb_traverse_read(tdb_, cb, &state) < 0 && state.status)
        return make_error(cat("cannot read store ", path_, ": ", tdb_errorstr(tdb_),
                              " (corrupt?)"),
                          EIO);
    return state.status;
}

Status TdbFile::begin() {
    if (in_transaction_) return {};
    if (tdb_transaction_start(tdb_) != 0)
        return make_error(cat("store ", path_, ": cannot start transaction: ",
                              tdb_errorstr(tdb_)), EIO);
    in_transaction_ = true;
    return {};
}

Status TdbFile::store(std::string_view key, std::string_view value) {
    Status s = begin();
    if (!s) return s;
    if (tdb_store(tdb_, datum(key), datum(value), TDB_REPLACE) != 0) {
        failed_ = errno == ENOSPC || file_system_full() ? ENOSPC : EIO;
        return make_error(cat("store ", path_, ": cannot write ", key, ": ", tdb_errorstr(tdb_)),
                          failed_);
    }
    return {};
}

Status TdbFile::remove(std::string_view key) {
    Status s = begin();
    if (!s) return s;
    if (tdb_delete(tdb_, datum(key)) != 0 && tdb_error(tdb_) != TDB_ERR_NOEXIST) {
        failed_ = errno == ENOSPC || file_system_full() ? ENOSPC : EIO;
        return make_error(cat("store ", path_, ": cannot delete ", key, ": ",
                              tdb_errorstr(tdb_)), failed_);
    }
    return {};
}

Status TdbFile::commit() {
    if (!in_transaction_) return {};
    if (failed_) {
        int code = failed_;
        cancel();
        return make_error(cat("store ", path_, ": a change of this batch could not be written: ",
                              std::strerror(code)),
                          code);
    }
    errno = 0;
    if (tdb_transaction_commit(tdb_) != 0) {
        int code = errno == ENOSPC || file_system_full() ? ENOSPC : EIO;
        std::string why = code == ENOSPC ? std::strerror(ENOSPC) : tdb_errorstr(tdb_);
        // tdb cancels a transaction whose commit failed; the file keeps the
        // previous commit.
        in_transaction_ = false;
        return make_error(cat("store ", path_, ": commit failed: ", why), code);
    }
    in_transaction_ = false;
    return {};
}

// tdb reports a failed write as TDB_ERR_IO and its clean-up may have
// replaced errno: ask the file system whether it is out of room.
bool TdbFile::file_system_full() const {
    struct statvfs vfs {};
    if (::fstatvfs(tdb_fd(tdb_), &vfs) < 0) return false;
    return vfs.f_bavail * vfs.f_frsize < (1u << 20) || vfs.f_favail == 0;
}

void TdbFile::cancel() {
    failed_ = 0;
    if (!in_transaction_) return;
    in_transaction_ = false;
    (void)tdb_transaction_cancel(tdb_);  // fails only when there is no transaction
}

}  // namespace xvm::xs
