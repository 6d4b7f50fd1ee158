// The store's write-ahead journal (<tdb>.journal): what makes a change
// durable between two merges into the tdb, at the cost of one pwrite().
//
// File: a 32-byte header - magic "XSJRNL01", the store id (shared with
// the tdb it belongs to), the base sequence number (every record in the
// file is numbered after it), CRC32C of those - then records:
//   u32 payload length, u32 CRC32C of (seq, payload), u64 seq, payload
// numbered base+1, base+2, ... One record is one commit of the store.
//
// Durability: a record counts once pwrite() has returned, because it is
// what recovery replays. The file lives on /var/run (tmpfs): it must
// survive the daemon (kill -9 included), not the machine, so there is no
// fsync. A daemon killed inside pwrite() can leave a torn record at the
// end; its request was never answered, and reading stops at the first
// record whose length, number or checksum is wrong.
//
// Space is reserved ahead with fallocate() in chunks, so a full file
// system fails an append cleanly (ENOSPC, nothing written) instead of
// half-way. reset() starts the file again after a merge: a new header with
// a new base; old records left behind have numbers at or below it and
// are never read again.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm::xs {

// CRC-32C (Castagnoli), continuing from `crc` (0 to start).
std::uint32_t crc32c(std::uint32_t crc, const void* data, std::size_t size);

class Journal {
public:
    static constexpr std::size_t kHeaderSize = 32;
    static constexpr std::size_t kRecordHeader = 16;
    // Larger records are refused (a commit that big cannot be a store's).
    static constexpr std::size_t kMaxRecord = 256u << 20;

    struct ReadResult {
        std::uint64_t last_seq = 0;  // of the last record applied (the base if none)
        std::size_t records = 0;
        bool torn = false;  // reading stopped at a damaged or partial record
    };

    // Calls `apply` for every record numbered after `after`, in order.
    // A missing file has no records. Errors: a file that is not a journal,
    // one of another store, or a gap between `after` and its first record.
    static Result<ReadResult> read(
        const std::string& path, std::uint64_t store_id, std::uint64_t after,
        const std::function<Status(std::uint64_t seq, std::string_view payload)>& apply);

    // Creates (or truncates) the journal with no records after `base`.
    static Result<std::unique_ptr<Journal>> create(const std::string& path,
                                                   std::uint64_t store_id, std::uint64_t base);

    // Appends record `seq` (the last one + 1). ENOSPC when no room could be
    // reserved; nothing is then written.
    Status append(std::uint64_t seq, std::string_view payload);
    // Forgets every record: they are all in the tdb now, up to `base`.
    Status reset(std::uint64_t base);
    // Bytes of records since the last reset.
    std::size_t bytes() const { return end_ - kHeaderSize; }
    const std::string& path() const { return path_; }

private:
    Journal() = default;
    Status write_header(std::uint64_t base);
    Status reserve(std::size_t upto);

    std::string path_;
    UniqueFd fd_;
    std::uint64_t store_id_ = 0;
    std::size_t end_ = kHeaderSize;  // where the next record goes
    std::size_t reserved_ = 0;       // file size allocated so far
    bool can_reserve_ = true;        // fallocate() works on this file system
    std::string buf_;                // record being written
};

}  // namespace xvm::xs
