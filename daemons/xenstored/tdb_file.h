// The tdb file that is the store's truth: one record per node (key = the
// absolute path, value = permissions + value, see encode_node), one per
// special-watch node ("@introduceDomain"), and one per introduced domain
// (key "\x01domain/<id>"). Children are not stored: every node's parent is
// a node, so the tree is rebuilt from the keys at start-up.
//
// Changes are grouped: the first change after commit() opens a tdb
// transaction, commit() closes it. A crash (even kill -9) in between leaves
// the previous committed state, which tdb restores from its recovery area
// on the next open. The file is opened TDB_NOSYNC: it lives on
// /var/run (tmpfs), so it must survive the daemon, not the machine, and an
// fsync would buy nothing (see xenstored.1m, DURABILITY).
#pragma once

#include <fcntl.h>
#include <sys/types.h>
#include <tdb.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "daemons/xenstored/perms.h"
#include "lib/base/result.h"

namespace xvm::xs {

inline constexpr char kDomainKeyPrefix[] = "\x01" "domain/";

struct NodeRecord {
    Perms perms;
    std::string_view value;  // points into the decoded buffer
};

// [u32 nperms][nperms x (u32 dom, u8 mode)][value]
void encode_node(std::string& out, const Perms& perms, std::string_view value);
Result<NodeRecord> decode_node(std::string_view data);

class TdbFile {
public:
    TdbFile() = default;
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

    Status store(std::string_view key, std::string_view value);
    Status remove(std::string_view key);
    // Makes every change since the last commit durable (atomically). Fails
    // - with nothing of the batch in the file - when the batch cannot be
    // written (ENOSPC for a full file system) or an earlier store/remove of
    // the batch failed.
    Status commit();
    // Drops every change since the last commit.
    void cancel();
    bool pending() const { return in_transaction_; }
    int fd() const;

private:
    Status begin();
    bool file_system_full() const;
    TDB_CONTEXT* tdb_ = nullptr;
    std::string path_;
    bool in_transaction_ = false;
    int failed_ = 0;  // errno of a store/remove that failed in this batch
};

}  // namespace xvm::xs
