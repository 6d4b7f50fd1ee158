// The SMF repository: one tdb file, <root>/etc/svc/repository.tdb, the
// only place services, instances and their properties live (svc.configd's
// role; there is no repository daemon - every writer uses tdb
// transactions, so concurrent writers serialise and a crash mid-write
// loses at most that write).
//
// Records (inspectable with tdbdump; values in smf_types.h encoding):
//   E|system/xctl/store            the service's current configuration
//   E|system/xctl/store:default    the instance's current configuration
//   S|system/xctl/store:default|running   a snapshot of the instance:
//                                  composed, persistent groups only
// Non-persistent groups (restarter, general_ovr, restarter_actions) live
// in the E| record with the NP flag; snapshots never copy them.
//
// Who opens what (repo_files.h has the files): root opens the repository
// itself (0600) under repository.tdb.lock; every other user reads the
// public copy, which root's writers regenerate after each commit and in
// which the values of read-protected groups are withheld (smf_auth.h) -
// their changes, and their reads of protected values, go through
// svc.startd (smf_control.h). Opening never creates over an existing file:
// a damaged repository is an error that says how to restore it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lib/base/result.h"
#include "lib/smf/smf_types.h"
#include "lib/base/unique_fd.h"

struct tdb_context;

namespace xvm::smf {

inline constexpr std::string_view kRepositoryPath = "/etc/svc/repository.tdb";

class Repository {
public:
    // Root: opens root_path(kRepositoryPath); a writable open creates it
    // (and its directory) when nothing is there. Other users: a read-only
    // open of the public copy; a writable open is refused (EACCES).
    static Result<std::unique_ptr<Repository>> open(bool writable);
    // The repository at `path` itself (root, and the unit tests).
    static Result<std::unique_ptr<Repository>> open_path(const std::string& path, bool writable);
    // A public copy (read-only, no locks: it is replaced, never changed).
    static Result<std::unique_ptr<Repository>> open_public(const std::string& path);
    ~Repository();
    Repository(const Repository&) = delete;
    Repository& operator=(const Repository&) = delete;

    bool writable() const { return writable_; }
    // True for a public copy: read-protected values are withheld in it.
    bool is_public() const { return public_; }
    const std::string& path() const { return path_; }
    // How long a read or a commit waits for the lock (default 10 s).
    void set_lock_budget(std::chrono::milliseconds budget) { budget_ = budget; }

    // Checks every record (tdb_check, and that each decodes); the error
    // names the repository and how to restore it.
    Status verify();
    // Rewrites the public copy from the repository now (svc.startd does
    // at start; every commit does it too).
    Status publish();
    // Copies the repository to <dir>/repository-<tag>-<stamp> (see
    // repo_files.h); returns the copy's path.
    Result<std::string> backup(std::string_view tag);

    // Every entity, sorted: services and instances as entity strings.
    Result<std::vector<std::string>> entities();
    Result<std::vector<std::string>> instances_of(std::string_view service);
    // The names of an instance's snapshots, sorted.
    Result<std::vector<std::string>> snapshots(std::string_view instance);
    Result<bool> exists(std::string_view entity);

    // The current (editing) configuration of one entity, not composed.
    Result<PgSet> current(std::string_view entity);
    // Instance over service, editing view (svcprop -c).
    Result<PgSet> composed_current(std::string_view instance);
    // A stored snapshot (running, initial, last-import, start, previous).
    Result<PgSet> snapshot(std::string_view instance, std::string_view name);
    // What svcprop and svc.startd read: running snapshot plus the
    // instance's non-persistent groups; an instance never refreshed (no
    // running snapshot) reads its composed editing configuration.
    Result<PgSet> running_view(std::string_view instance);
    // A view by name: "current", "composed", "running" or "snapshot/NAME"
    // (services have only "current").
    Result<PgSet> view(std::string_view entity, std::string_view name);

    // Creates an entity (a service for an instance must exist). No-op when
    // it exists.
    Status create(std::string_view entity);
    // Deletes an entity, its snapshots, and for a service its instances.
    Status remove(std::string_view entity);
    // Read-modify-write of an entity's current configuration in one
    // transaction; nothing is written when `edit` fails.
    Status update(std::string_view entity, const std::function<Status(PgSet&)>& edit);
    // Retakes snapshot `name` of an instance from the composed current
    // configuration (refresh takes "running").
    Status take_snapshot(std::string_view instance, std::string_view name);
    // Empties the non-persistent groups of every instance (svc.startd's
    // fresh start).
    Status clear_nonpersistent();
    // Runs `body` inside one transaction (nesting allowed): all or nothing.
    Status transaction(const std::function<Status()>& body);

private:
    class ReadLock;
    Repository(tdb_context* tdb, std::string path, bool writable, bool is_public, UniqueFd lock)
        : tdb_(tdb), path_(std::move(path)), writable_(writable), public_(is_public), lock_fd_(std::move(lock)) {}
    Status lock(int op);
    // A public copy is replaced by rename after every commit: a reader
    // that lives on (svcadm -s, svcprop -w) moves to the newest file.
    void follow_public();
    Status write_public_copy();
    Result<std::string> fetch(const std::string& key);
    Status store(const std::string& key, const std::string& value);
    Status erase(const std::string& key);
    Result<std::vector<std::string>> keys_with_prefix(std::string_view prefix);

    tdb_context* tdb_;
    std::string path_;
    bool writable_;
    bool public_;
    UniqueFd lock_fd_;  // <path>.lock: flock'd around reads and transactions
    std::chrono::milliseconds budget_{10000};
    int depth_ = 0;     // transaction nesting
};

}  // namespace xvm::smf
