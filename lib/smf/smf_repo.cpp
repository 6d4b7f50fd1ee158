// tdb access for the repository. Writers always go through transaction():
// tdb's transactions give atomic multi-record updates with a recovery area,
// which is what makes a crash lose at most the write in progress. Opening
// and the files' modes are repo_files.cpp's; what the public copy withholds
// is smf_auth.cpp's.
#include "lib/smf/smf_repo.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <tdb.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/paths.h"
#include "lib/smf/repo_files.h"
#include "lib/smf/smf_auth.h"

namespace xvm::smf {
namespace {

TDB_DATA as_data(const std::string& s) {
    return TDB_DATA{reinterpret_cast<unsigned char*>(const_cast<char*>(s.data())), s.size()};
}

std::string entity_key(std::string_view entity) { return cat("E|", entity); }
std::string snap_key(std::string_view instance, std::string_view snap) {
    return cat("S|", instance, "|", snap);
}

// Every record, for the copies: key -> value.
Result<std::map<std::string, std::string>> all_records(tdb_context* tdb, const std::string& path) {
    std::map<std::string, std::string> out;
    auto fn = [](tdb_context*, TDB_DATA key, TDB_DATA data, void* p) -> int {
        static_cast<std::map<std::string, std::string>*>(p)->emplace(
            std::string(reinterpret_cast<char*>(key.dptr), key.dsize),
            std::string(reinterpret_cast<char*>(data.dptr), data.dsize));
        return 0;
    };
    if (::tdb_traverse_read(tdb, fn, &out) < 0)
        return make_error(cat("repository ", path, ": ", ::tdb_errorstr(tdb)), EIO);
    return out;
}

// The public copy's version of one record: read-protected groups keep
// their properties' names and types, not their values. Records that do not
// decode are left out (their protection cannot be judged).
std::optional<std::string> public_record(const std::string& key, const std::string& value,
                                         const std::map<std::string, std::string>& all) {
    if (!key.starts_with("E|") && !key.starts_with("S|")) return std::nullopt;
    auto set = decode(value);
    if (!set) return std::nullopt;
    std::optional<PgSet> service;
    if (key.starts_with("E|") && key.find(':') != std::string::npos) {
        auto it = all.find(key.substr(0, key.find(':')));
        if (it != all.end())
            if (auto svc = decode(it->second)) service = std::move(*svc);
    }
    AuthScope scope{&*set, service ? &*service : nullptr};
    std::vector<std::string> hide;
    for (const PropertyGroup& g : set->pgs)
        if (read_protected(scope, g.name)) hide.push_back(g.name);
    for (const std::string& name : hide) {
        PropertyGroup* g = set->find(name);
        g->withheld = true;
        for (Property& p : g->props) p.values.clear();
    }
    return encode(*set);
}

}  // namespace

Result<std::unique_ptr<Repository>> Repository::open(bool writable) {
    std::string path = root_path(kRepositoryPath);
    if (::geteuid() == 0) return open_path(path, writable);
    if (writable)
        return make_error(cat("only root writes the SMF repository ", path,
                              "; other users' changes go through svc.startd"),
                          EACCES);
    return open_public(public_path(path));
}

Result<std::unique_ptr<Repository>> Repository::open_path(const std::string& path, bool writable) {
    if (writable) {
        auto created = create_repository_if_missing(path);
        if (!created) return std::move(created).error();
    } else {
        struct stat st {};
        if (::lstat(path.c_str(), &st) < 0) return errno_error(cat("cannot open repository ", path));
    }
    auto lock = open_lock_file(path + ".lock");
    if (!lock) return std::move(lock).error();
    std::unique_ptr<Repository> r(new Repository(nullptr, path, writable, false, std::move(*lock)));
    // An old installation's world-readable repository gets a private inode
    // before anything else touches it.
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077))) {
        if (auto locked = r->lock(LOCK_EX); !locked) return std::move(locked).error();
        auto secured = secure_repository_file(path);
        (void)::flock(r->lock_fd_.get(), LOCK_UN);
        if (!secured) return std::move(secured).error();
        if (*secured) log_info(cat("repository ", path, " could be opened by others: replaced by a private copy"));
    }
    if (auto locked = r->lock(LOCK_SH); !locked) return std::move(locked).error();
    // Root opens read-write even to read, so tdb can run the recovery of a
    // commit a crash interrupted. Never O_CREAT: tdb would re-initialise a
    // file whose header it does not recognise.
    errno = 0;
    r->tdb_ = ::tdb_open(path.c_str(), 0, TDB_DEFAULT, O_RDWR | O_CLOEXEC, 0600);
    int err = errno;
    (void)::flock(r->lock_fd_.get(), LOCK_UN);
    if (r->tdb_ == nullptr) {
        if (err == EIO || err == 0) return make_error(damaged_message(path, "not a tdb database, or its header is damaged"), EIO);
        return errno_error(cat("cannot open repository ", path), err);
    }
    return r;
}

Result<std::unique_ptr<Repository>> Repository::open_public(const std::string& path) {
    errno = 0;
    tdb_context* tdb = ::tdb_open(path.c_str(), 0, TDB_NOLOCK, O_RDONLY | O_CLOEXEC, 0);
    if (tdb == nullptr) {
        int err = errno == 0 ? EIO : errno;
        return errno_error(cat("cannot open ", path, " (the users' copy of the SMF repository, written by "
                               "svc.startd and by root's SMF commands)"),
                           err);
    }
    return std::unique_ptr<Repository>(new Repository(tdb, path, false, true, UniqueFd()));
}

void Repository::follow_public() {
    struct stat held {}, named {};
    if (::fstat(::tdb_fd(tdb_), &held) != 0 || ::stat(path_.c_str(), &named) != 0) return;
    if (held.st_ino == named.st_ino && held.st_dev == named.st_dev) return;
    tdb_context* fresh = ::tdb_open(path_.c_str(), 0, TDB_NOLOCK, O_RDONLY | O_CLOEXEC, 0);
    if (fresh == nullptr) return;  // keep reading the copy in hand
    ::tdb_close(tdb_);
    tdb_ = fresh;
}

Repository::~Repository() {
    if (tdb_ == nullptr) return;  // a failed open
    if (depth_ > 0) (void)::tdb_transaction_cancel(tdb_);  // an abandoned edit must not land
    ::tdb_close(tdb_);
}

// Every access is bracketed by an flock on <repository>.lock: shared for
// reads (and opens), exclusive for a whole transaction. tdb's own locks
// alone let a reader or a new opener meet a commit half-applied ("Corrupt
// database" under load); with this, readers see a commit entirely or not
// at all. A public copy has no lock: it is replaced, never changed.
class Repository::ReadLock {
public:
    explicit ReadLock(Repository& r) : fd_(r.depth_ == 0 && r.lock_fd_ ? r.lock_fd_.get() : -1) {
        if (r.public_) r.follow_public();
        if (fd_ >= 0) status_ = r.lock(LOCK_SH);
        if (!status_) fd_ = -1;
    }
    ~ReadLock() {
        if (fd_ >= 0) (void)::flock(fd_, LOCK_UN);
    }
    ReadLock(const ReadLock&) = delete;
    ReadLock& operator=(const ReadLock&) = delete;
    const Status& status() const { return status_; }

private:
    int fd_;
    Status status_;
};

// Takes the lock within the budget, on the inode the lock file's name
// names now (an upgrade may have replaced it: repo_files.h).
Status Repository::lock(int op) {
    for (int attempt = 0; attempt < 3; ++attempt) {
        std::string lock_path = path_ + ".lock";
        int fd = lock_fd_.get();
        if (op == LOCK_EX) let_waiting_readers_in(fd, std::chrono::milliseconds(100));
        if (::flock(fd, op | LOCK_NB) != 0) {
            bool reader = op == LOCK_SH;
            if (reader) mark_waiting_reader(fd, true);
            Status st = lock_bounded(fd, op, budget_, cat("repository lock ", lock_path),
                                     std::chrono::milliseconds(reader ? 2 : 50));
            if (reader) mark_waiting_reader(fd, false);
            if (!st) return st;
        }
        struct stat held {}, named {};
        if (::fstat(lock_fd_.get(), &held) == 0 && ::stat(lock_path.c_str(), &named) == 0 &&
            held.st_ino == named.st_ino && held.st_dev == named.st_dev)
            return {};
        (void)::flock(lock_fd_.get(), LOCK_UN);
        auto fresh = open_lock_file(lock_path);
        if (!fresh) return std::move(fresh).error();
        lock_fd_ = std::move(*fresh);
    }
    return make_error(cat("repository lock ", path_, ".lock keeps being replaced"), EAGAIN);
}

Result<std::string> Repository::fetch(const std::string& key) {
    ReadLock lock(*this);
    if (!lock.status()) return lock.status().error();
    TDB_DATA d = ::tdb_fetch(tdb_, as_data(key));
    if (d.dptr == nullptr) {
        if (::tdb_error(tdb_) == TDB_ERR_NOEXIST) return make_error(cat(key, ": not found"), ENOENT);
        return make_error(cat("repository ", path_, ": ", ::tdb_errorstr(tdb_)), EIO);
    }
    std::string out(reinterpret_cast<char*>(d.dptr), d.dsize);
    std::free(d.dptr);
    return out;
}

Status Repository::store(const std::string& key, const std::string& value) {
    if (!writable_) return make_error(cat("repository ", path_, " is open read-only"), EROFS);
    if (::tdb_store(tdb_, as_data(key), as_data(value), TDB_REPLACE) != 0)
        return make_error(cat("repository ", path_, ": ", ::tdb_errorstr(tdb_)), EIO);
    return {};
}

Status Repository::erase(const std::string& key) {
    if (::tdb_delete(tdb_, as_data(key)) != 0 && ::tdb_error(tdb_) != TDB_ERR_NOEXIST)
        return make_error(cat("repository ", path_, ": ", ::tdb_errorstr(tdb_)), EIO);
    return {};
}

Result<std::vector<std::string>> Repository::keys_with_prefix(std::string_view prefix) {
    struct Ctx {
        std::string_view prefix;
        std::vector<std::string> keys;
    } ctx{prefix, {}};
    auto fn = [](tdb_context*, TDB_DATA key, TDB_DATA, void* p) -> int {
        auto* c = static_cast<Ctx*>(p);
        std::string k(reinterpret_cast<char*>(key.dptr), key.dsize);
        if (k.starts_with(c->prefix)) c->keys.push_back(k.substr(c->prefix.size()));
        return 0;
    };
    ReadLock lock(*this);
    if (!lock.status()) return lock.status().error();
    if (::tdb_traverse_read(tdb_, fn, &ctx) < 0)
        return make_error(cat("repository ", path_, ": ", ::tdb_errorstr(tdb_)), EIO);
    std::sort(ctx.keys.begin(), ctx.keys.end());
    return std::move(ctx.keys);
}

Result<std::vector<std::string>> Repository::entities() { return keys_with_prefix("E|"); }

Result<std::vector<std::string>> Repository::snapshots(std::string_view instance) {
    return keys_with_prefix(cat("S|", instance, "|"));
}

Result<std::vector<std::string>> Repository::instances_of(std::string_view service) {
    auto keys = keys_with_prefix(cat("E|", service, ":"));
    if (!keys) return std::move(keys).error();
    for (std::string& k : *keys) k = cat(service, ":", k);
    return keys;
}

Result<bool> Repository::exists(std::string_view entity) {
    auto r = fetch(entity_key(entity));
    if (r) return true;
    if (r.error().code == ENOENT) return false;
    return std::move(r).error();
}

Result<PgSet> Repository::current(std::string_view entity) {
    auto r = fetch(entity_key(entity));
    if (!r) {
        if (r.error().code == ENOENT)
            return make_error(cat("svc:/", entity, " does not exist"), ENOENT);
        return std::move(r).error();
    }
    auto set = decode(*r);
    if (!set) return std::move(set).error().context(cat("repository record of svc:/", entity));
    return set;
}

Result<PgSet> Repository::composed_current(std::string_view instance) {
    auto inst = current(instance);
    if (!inst) return inst;
    auto svc = current(instance.substr(0, instance.find(':')));
    if (!svc) return svc;
    return compose(*svc, *inst);
}

Result<PgSet> Repository::snapshot(std::string_view instance, std::string_view name) {
    auto r = fetch(snap_key(instance, name));
    if (!r) {
        if (r.error().code == ENOENT)
            return make_error(cat("svc:/", instance, " has no \"", name, "\" snapshot"), ENOENT);
        return std::move(r).error();
    }
    return decode(*r);
}

Result<PgSet> Repository::running_view(std::string_view instance) {
    auto inst = current(instance);
    if (!inst) return inst;
    auto snap = snapshot(instance, "running");
    // Never refreshed: the editing configuration, composed (illumos method.c's
    // "Using editing version to run method", svcprop without -s).
    if (!snap && snap.error().code == ENOENT) return composed_current(instance);
    if (!snap) return snap;
    PgSet out = std::move(*snap);
    for (const PropertyGroup& g : inst->pgs)
        if (!g.persistent) out.pgs.push_back(g);
    return out;
}

Result<PgSet> Repository::view(std::string_view entity, std::string_view name) {
    bool instance = entity.find(':') != std::string_view::npos;
    if (name == "current" || (!instance && (name == "composed" || name == "running"))) return current(entity);
    if (instance && name == "composed") return composed_current(entity);
    if (instance && name == "running") return running_view(entity);
    if (instance && name.starts_with("snapshot/")) return snapshot(entity, name.substr(9));
    return make_error(cat("no view \"", name, "\" of svc:/", entity));
}

Status Repository::transaction(const std::function<Status()>& body) {
    if (!writable_) return make_error(cat("repository ", path_, " is open read-only"), EROFS);
    if (depth_ > 0) {
        ++depth_;
        Status st = body();
        --depth_;
        return st;
    }
    if (auto st = lock(LOCK_EX); !st) return st;
    if (::tdb_transaction_start(tdb_) != 0) {
        (void)::flock(lock_fd_.get(), LOCK_UN);
        return make_error(cat("repository ", path_, ": cannot start transaction: ",
                              ::tdb_errorstr(tdb_)), EIO);
    }
    depth_ = 1;
    Status st = body();
    depth_ = 0;
    if (!st) {
        (void)::tdb_transaction_cancel(tdb_);  // the error being returned is the one that matters
    } else if (::tdb_transaction_commit(tdb_) != 0) {
        st = make_error(cat("repository ", path_, ": commit failed: ", ::tdb_errorstr(tdb_)), EIO);
    } else if (auto pub = write_public_copy(); !pub) {
        // The commit stands; the users' copy is behind until the next one.
        log_error(pub.error().context("the users' copy of the repository is out of date"));
    }
    (void)::flock(lock_fd_.get(), LOCK_UN);
    return st;
}

// Still under the exclusive lock, so copies are written in commit order.
Status Repository::write_public_copy() {
    auto records = all_records(tdb_, path_);
    if (!records) return std::move(records).error();
    std::string dst = public_path(path_);
    std::string tmp = cat(dst, ".tmp.", ::getpid());
    (void)::unlink(tmp.c_str());  // a leftover of a writer that died
    tdb_context* out = ::tdb_open(tmp.c_str(), 0, TDB_NOLOCK | TDB_NOSYNC,
                                  O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (out == nullptr) return errno_error(cat("cannot create ", tmp));
    bool ok = ::fchmod(::tdb_fd(out), 0644) == 0;  // not the umask's choice
    for (const auto& [key, value] : *records) {
        auto pub = public_record(key, value, *records);
        if (ok && pub) ok = ::tdb_store(out, as_data(key), as_data(*pub), TDB_REPLACE) == 0;
    }
    std::string why = ok ? "" : ::tdb_errorstr(out);
    ::tdb_close(out);
    if (!ok || ::rename(tmp.c_str(), dst.c_str()) < 0) {
        Error e = ok ? errno_error(cat("cannot replace ", dst)) : make_error(cat("cannot write ", tmp, ": ", why), EIO);
        (void)::unlink(tmp.c_str());
        return e;
    }
    return {};
}

Status Repository::publish() {
    if (public_) return make_error(cat(path_, " is itself a public copy"));
    if (auto st = lock(LOCK_EX); !st) return st;
    Status st = write_public_copy();
    (void)::flock(lock_fd_.get(), LOCK_UN);
    return st;
}

Status Repository::verify() {
    struct Ctx {
        std::vector<std::string> bad;
    } ctx;
    auto check = [](TDB_DATA key, TDB_DATA data, void* p) -> int {
        std::string k(reinterpret_cast<char*>(key.dptr), key.dsize);
        if ((k.starts_with("E|") || k.starts_with("S|")) &&
            !decode(std::string_view(reinterpret_cast<char*>(data.dptr), data.dsize)))
            static_cast<Ctx*>(p)->bad.push_back(k);
        return 0;
    };
    ReadLock lock(*this);
    if (!lock.status()) return lock.status().error();
    if (::tdb_check(tdb_, check, &ctx) != 0)
        return make_error(damaged_message(path_, cat("tdb_check: ", ::tdb_errorstr(tdb_))), EIO);
    if (!ctx.bad.empty())
        return make_error(damaged_message(path_, cat("records that do not decode: ", join(ctx.bad, ", "))), EIO);
    return {};
}

Result<std::string> Repository::backup(std::string_view tag) {
    if (public_) return make_error(cat(path_, " is a public copy, not the repository"));
    ReadLock lock(*this);  // no commit half-copied
    if (!lock.status()) return lock.status().error();
    return backup_repository(::tdb_fd(tdb_), path_, tag);
}

Status Repository::create(std::string_view entity) {
    return transaction([&]() -> Status {
        auto colon = entity.find(':');
        if (colon != std::string_view::npos) {
            auto svc = exists(entity.substr(0, colon));
            if (!svc) return std::move(svc).error();
            if (!*svc)
                return make_error(cat("service svc:/", entity.substr(0, colon), " does not exist"),
                                  ENOENT);
        }
        auto have = exists(entity);
        if (!have) return std::move(have).error();
        if (*have) return {};
        return store(entity_key(entity), "");
    });
}

Status Repository::remove(std::string_view entity) {
    return transaction([&]() -> Status {
        std::vector<std::string> doomed{std::string(entity)};
        if (entity.find(':') == std::string_view::npos) {
            auto insts = instances_of(entity);
            if (!insts) return std::move(insts).error();
            doomed.insert(doomed.end(), insts->begin(), insts->end());
        }
        for (const std::string& e : doomed) {
            if (auto st = erase(entity_key(e)); !st) return st;
            auto snaps = keys_with_prefix(cat("S|", e, "|"));
            if (!snaps) return std::move(snaps).error();
            for (const std::string& s : *snaps)
                if (auto st = erase(snap_key(e, s)); !st) return st;
        }
        return {};
    });
}

Status Repository::update(std::string_view entity, const std::function<Status(PgSet&)>& edit) {
    return transaction([&]() -> Status {
        auto set = current(entity);
        if (!set) return std::move(set).error();
        if (auto st = edit(*set); !st) return st;
        return store(entity_key(entity), encode(*set));
    });
}

Status Repository::take_snapshot(std::string_view instance, std::string_view name) {
    return transaction([&]() -> Status {
        auto set = composed_current(instance);
        if (!set) return std::move(set).error();
        return store(snap_key(instance, name), encode(persistent_only(*set)));
    });
}

Status Repository::clear_nonpersistent() {
    return transaction([&]() -> Status {
        auto ents = entities();
        if (!ents) return std::move(ents).error();
        for (const std::string& e : *ents) {
            auto st = update(e, [](PgSet& set) -> Status {
                std::erase_if(set.pgs, [](const PropertyGroup& g) { return !g.persistent; });
                return {};
            });
            if (!st) return st;
        }
        return {};
    });
}

}  // namespace xvm::smf
