// The tdb file that is the store's durable truth: one record per node
// (key = the absolute path, value = permissions + value, see encode_node),
// one per special-watch node ("@introduceDomain"), one per introduced
// domain ("\x01domain/<id>"), and the journal's bookkeeping
// ("\x01journal/store-id", "\x01journal/applied": the last journal record
// the file holds, see journal.h). Children are not stored: every node's
// parent is a node, so the tree is rebuilt from the keys at start-up.
//
// Changes are written in tdb transactions (begin .. commit): a crash, kill
// -9 included, in between leaves the previous commit, which tdb restores
// from its recovery area on the next open. rebuild() instead writes a new
// file and renames it over the old one - equally atomic - to grow the
// hash table or to drop most of the records at once.
//
// Opened TDB_NOSYNC (the file lives on /var/run, tmpfs: it must survive
// the daemon, not the machine), TDB_NOLOCK (one daemon owns it, flock
// below) and TDB_NOMMAP: the daemon touches the file only when it merges
// its journal, a mapping would cost memory for the whole file, and on a
// full tmpfs a write through a mapping is a SIGBUS where pwrite() says
// ENOSPC.
#pragma once

#include <fcntl.h>
#include <sys/types.h>
#include <tdb.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "daemons/xenstored/perms.h"
#include "lib/base/result.h"

namespace xvm::xs {

inline constexpr char kDomainKeyPrefix[] = "\x01" "domain/";
inline constexpr char kStoreIdKey[] = "\x01" "journal/store-id";
inline constexpr char kAppliedKey[] = "\x01" "journal/applied";

struct NodeRecord {
    Perms perms;
    std::string_view value;  // points into the decoded buffer
};

// [u32 nperms][nperms x (u32 dom, u8 mode)][value]
void encode_node(std::string& out, std::span<const Perm> perms, std::string_view value);
Result<NodeRecord> decode_node(std::string_view data);

class TdbFile {
public:
    TdbFile(const TdbFile&) = delete;
    TdbFile& operator=(const TdbFile&) = delete;
    ~TdbFile();

    // Opens an existing store; ENOENT with a clear message when it is
    // missing. `fresh` replaces any existing file with an empty one.
    static Result<std::unique_ptr<TdbFile>> open(const std::string& path, bool fresh,
                                                 unsigned hash_size);

    // Visits every record; stops at the first error `visit` returns.
    Status for_each(const std::function<Status(std::string_view key, std::string_view value)>&
                        visit) const;

    // A transaction: begin, any number of store/remove, then commit (all
    // or nothing; ENOSPC for a full file system) or cancel.
    Status begin();
    Status store(std::string_view key, std::string_view value);
    Status remove(std::string_view key);  // absent keys are fine
    Status commit();
    void cancel();
    bool in_transaction() const { return in_transaction_; }

    // Writes a new file of `hash_size` buckets through `fill` (which
    // stores every record, in one transaction) and renames it over this
    // one; on failure this file is unchanged.
    Status rebuild(unsigned hash_size, const std::function<Status(TdbFile&)>& fill);

    unsigned hash_size() const;
    const std::string& path() const { return path_; }

private:
    TdbFile() = default;
    static Result<TDB_CONTEXT*> open_tdb(const std::string& path, unsigned hash_size, int oflags);
    int classify(int err) const;
    bool file_system_full() const;
    TDB_CONTEXT* tdb_ = nullptr;
    std::string path_;
    bool in_transaction_ = false;
    int failed_ = 0;  // errno of a store/remove that failed in this transaction
};

}  // namespace xvm::xs
