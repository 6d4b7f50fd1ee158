// tdb access for the repository. Writers always go through transaction():
// tdb's transactions give atomic multi-record updates with a recovery area,
// which is what makes a crash lose at most the write in progress.
#include "lib/smf/smf_repo.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <tdb.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "lib/base/format.h"
#include "lib/base/paths.h"

namespace xvm::smf {
namespace {

TDB_DATA as_data(const std::string& s) {
    return TDB_DATA{reinterpret_cast<unsigned char*>(const_cast<char*>(s.data())), s.size()};
}

std::string entity_key(std::string_view entity) { return cat("E|", entity); }
std::string snap_key(std::string_view instance, std::string_view snap) {
    return cat("S|", instance, "|", snap);
}

Status mkdir_p(const std::string& dir) {
    for (std::size_t pos = 1; pos != std::string::npos;) {
        pos = dir.find('/', pos + 1);
        std::string part = dir.substr(0, pos);
        if (::mkdir(part.c_str(), 0755) < 0 && errno != EEXIST)
            return errno_error(cat("cannot create ", part));
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<Repository>> Repository::open(bool writable) {
    return open_path(root_path(kRepositoryPath), writable);
}

Result<std::unique_ptr<Repository>> Repository::open_path(const std::string& path, bool writable) {
    if (writable) {
        if (auto st = mkdir_p(path.substr(0, path.rfind('/'))); !st)
            return std::move(st).error().context("cannot create the repository");
    }
    std::string lock_path = path + ".lock";
    UniqueFd lock(::open(lock_path.c_str(), (writable ? (O_RDWR | O_CREAT) : O_RDONLY) | O_CLOEXEC, 0644));
    if (!lock && writable) return errno_error(cat("cannot open ", lock_path));
    if (lock) (void)::flock(lock.get(), LOCK_SH);  // no opener meets a commit in flight
    int flags = writable ? (O_RDWR | O_CREAT) : O_RDONLY;
    tdb_context* tdb = nullptr;
    // A read-only open fails while a writer's commit is in flight (tdb
    // cannot run recovery without write access); that lasts milliseconds,
    // so retry for a bounded time before reporting it.
    for (int attempt = 0; attempt < 200; ++attempt) {
        errno = 0;
        tdb = ::tdb_open(path.c_str(), 0, TDB_DEFAULT, flags | O_CLOEXEC, 0644);
        if (tdb != nullptr || errno == ENOENT || errno == EACCES) break;
        ::usleep(10 * 1000);
    }
    int err = errno;
    if (lock) (void)::flock(lock.get(), LOCK_UN);
    if (tdb == nullptr)
        return err == 0 ? make_error(cat("cannot open repository ", path, ": busy or damaged"), EIO)
                        : errno_error(cat("cannot open repository ", path), err);
    return std::unique_ptr<Repository>(new Repository(tdb, path, writable, std::move(lock)));
}

Repository::~Repository() {
    if (depth_ > 0) (void)::tdb_transaction_cancel(tdb_);  // an abandoned edit must not land
    ::tdb_close(tdb_);
}

// Every access is bracketed by an flock on <repository>.lock: shared for
// reads (and opens), exclusive for a whole transaction. tdb's own locks
// alone let a reader or a new opener meet a commit half-applied ("Corrupt
// database" under load); with this, readers see a commit entirely or not
// at all.
class Repository::ReadLock {
public:
    explicit ReadLock(Repository& r) : fd_(r.depth_ == 0 ? r.lock_fd_.get() : -1) {
        if (fd_ >= 0) (void)::flock(fd_, LOCK_SH);  // failure: fall back to tdb's own locks
    }
    ~ReadLock() {
        if (fd_ >= 0) (void)::flock(fd_, LOCK_UN);
    }
    ReadLock(const ReadLock&) = delete;
    ReadLock& operator=(const ReadLock&) = delete;

private:
    int fd_;
};

Result<std::string> Repository::fetch(const std::string& key) {
    ReadLock lock(*this);
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
    if (::tdb_traverse_read(tdb_, fn, &ctx) < 0)
        return make_error(cat("repository ", path_, ": ", ::tdb_errorstr(tdb_)), EIO);
    std::sort(ctx.keys.begin(), ctx.keys.end());
    return std::move(ctx.keys);
}

Result<std::vector<std::string>> Repository::entities() { return keys_with_prefix("E|"); }

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
    PgSet out;
    if (snap) {
        out = std::move(*snap);
    } else if (snap.error().code != ENOENT) {
        return snap;
    }
    for (const PropertyGroup& g : inst->pgs)
        if (!g.persistent) out.pgs.push_back(g);
    return out;
}

Status Repository::transaction(const std::function<Status()>& body) {
    if (!writable_) return make_error(cat("repository ", path_, " is open read-only"), EROFS);
    if (depth_ > 0) {
        ++depth_;
        Status st = body();
        --depth_;
        return st;
    }
    if (lock_fd_ && ::flock(lock_fd_.get(), LOCK_EX) != 0) return errno_error(cat("cannot lock ", path_, ".lock"));
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
    }
    if (lock_fd_) (void)::flock(lock_fd_.get(), LOCK_UN);
    return st;
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
