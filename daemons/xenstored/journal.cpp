#include "daemons/xenstored/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "lib/base/format.h"

namespace xvm::xs {
namespace {

constexpr char kMagic[8] = {'X', 'S', 'J', 'R', 'N', 'L', '0', '1'};
// Space is reserved this much at a time (and kept across resets).
constexpr std::size_t kReserveChunk = 256 * 1024;

// Slicing-by-8 tables for the Castagnoli polynomial (reflected 0x82f63b78).
using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr Tables make_tables() {
    Tables t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
        t[0][i] = c;
    }
    for (std::uint32_t i = 0; i < 256; ++i)
        for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    return t;
}

constexpr Tables kTables = make_tables();

void put_u32(char* p, std::uint32_t v) { std::memcpy(p, &v, 4); }
void put_u64(char* p, std::uint64_t v) { std::memcpy(p, &v, 8); }
std::uint32_t get_u32(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}
std::uint64_t get_u64(const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

// The header: magic, store id, base, CRC of the 24 bytes before it, pad.
void encode_header(char* h, std::uint64_t store_id, std::uint64_t base) {
    std::memset(h, 0, Journal::kHeaderSize);
    std::memcpy(h, kMagic, 8);
    put_u64(h + 8, store_id);
    put_u64(h + 16, base);
    put_u32(h + 24, crc32c(0, h, 24));
}

Status pwrite_all(int fd, const char* data, std::size_t size, off_t at, const std::string& path) {
    while (size > 0) {
        ssize_t n = ::pwrite(fd, data, size, at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return errno_error(cat("cannot write journal ", path), n < 0 ? errno : EIO);
        data += n;
        size -= n;
        at += n;
    }
    return {};
}

}  // namespace

std::uint32_t crc32c(std::uint32_t crc, const void* data, std::size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    crc = ~crc;
    while (size >= 8) {
        std::uint32_t lo = get_u32(reinterpret_cast<const char*>(p)) ^ crc;
        std::uint32_t hi = get_u32(reinterpret_cast<const char*>(p + 4));
        crc = kTables[7][lo & 0xff] ^ kTables[6][(lo >> 8) & 0xff] ^
              kTables[5][(lo >> 16) & 0xff] ^ kTables[4][lo >> 24] ^ kTables[3][hi & 0xff] ^
              kTables[2][(hi >> 8) & 0xff] ^ kTables[1][(hi >> 16) & 0xff] ^ kTables[0][hi >> 24];
        p += 8;
        size -= 8;
    }
    while (size-- > 0) crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xff];
    return ~crc;
}

Result<Journal::ReadResult> Journal::read(
    const std::string& path, std::uint64_t store_id, std::uint64_t after,
    const std::function<Status(std::uint64_t, std::string_view)>& apply) {
    ReadResult result;
    result.last_seq = after;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return result;
        return errno_error(cat("cannot open journal ", path));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return errno_error(cat("cannot stat journal ", path));
    std::string data(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < data.size()) {
        ssize_t n = ::pread(fd.get(), data.data() + got, data.size() - got, got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error(cat("cannot read journal ", path));
        if (n == 0) break;
        got += n;
    }
    data.resize(got);
    if (data.size() < kHeaderSize || std::memcmp(data.data(), kMagic, 8) != 0 ||
        get_u32(data.data() + 24) != crc32c(0, data.data(), 24))
        return make_error(cat("journal ", path, " has no valid header (not a journal?)"), EIO);
    std::uint64_t id = get_u64(data.data() + 8), base = get_u64(data.data() + 16);
    if (id != store_id)
        return make_error(cat("journal ", path, " belongs to another store (id ", id,
                              ", the tdb's is ", store_id, ")"),
                          EIO);
    if (base > after)
        return make_error(cat("journal ", path, " starts after record ", base,
                              " but the tdb holds only up to ", after,
                              ": records are missing"),
                          EIO);
    std::size_t at = kHeaderSize;
    std::uint64_t seq = base;
    while (true) {
        if (data.size() - at < kRecordHeader) {
            result.torn = at != data.size() && data.find_first_not_of('\0', at) != std::string::npos;
            break;
        }
        const char* h = data.data() + at;
        std::uint32_t len = get_u32(h);
        std::uint64_t rseq = get_u64(h + 8);
        if (rseq != seq + 1 || len > kMaxRecord || len > data.size() - at - kRecordHeader) {
            // Zeros: reserved space never written. Anything else: a torn
            // record, or records older than the base.
            result.torn = !(len == 0 && rseq == 0 && get_u32(h + 4) == 0) && rseq > seq;
            break;
        }
        std::uint32_t crc = crc32c(crc32c(0, h + 8, 8), h + kRecordHeader, len);
        if (crc != get_u32(h + 4)) {
            result.torn = true;
            break;
        }
        seq = rseq;
        if (seq > after) {
            Status s = apply(seq, std::string_view(h + kRecordHeader, len));
            if (!s) return s.error().context(cat("journal ", path, " record ", seq));
            result.last_seq = seq;
            ++result.records;
        }
        at += kRecordHeader + len;
    }
    if (seq < after)
        return make_error(cat("journal ", path, " ends at record ", seq, " but the tdb holds ",
                              after, " (journal from an older store?)"),
                          EIO);
    return result;
}

Result<std::unique_ptr<Journal>> Journal::create(const std::string& path, std::uint64_t store_id,
                                                 std::uint64_t base) {
    auto j = std::unique_ptr<Journal>(new Journal());
    j->path_ = path;
    j->store_id_ = store_id;
    j->fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640));
    if (!j->fd_) return errno_error(cat("cannot create journal ", path));
    if (Status s = j->write_header(base); !s) return std::move(s).error();
    if (Status s = j->reserve(kReserveChunk); !s) return std::move(s).error();
    return j;
}

Status Journal::write_header(std::uint64_t base) {
    char h[kHeaderSize];
    encode_header(h, store_id_, base);
    return pwrite_all(fd_.get(), h, sizeof h, 0, path_);
}

// Makes sure the file has room up to `upto` without allocating on write.
Status Journal::reserve(std::size_t upto) {
    if (!can_reserve_ || upto <= reserved_) return {};
    std::size_t want = (upto + kReserveChunk - 1) / kReserveChunk * kReserveChunk;
    int r;
    do {
        r = ::fallocate(fd_.get(), 0, 0, static_cast<off_t>(want));
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        reserved_ = want;
        return {};
    }
    if (errno == EOPNOTSUPP) {
        can_reserve_ = false;  // plain writes then; a failed one is cut off below
        return {};
    }
    return errno_error(cat("cannot reserve ", want, " bytes for journal ", path_));
}

Status Journal::append(std::uint64_t seq, std::string_view payload) {
    if (payload.size() > kMaxRecord)
        return make_error(cat("journal record of ", payload.size(), " bytes is too large"), E2BIG);
    std::size_t size = kRecordHeader + payload.size();
    if (Status s = reserve(end_ + size); !s) return s;
    buf_.resize(size);
    char* h = buf_.data();
    put_u32(h, static_cast<std::uint32_t>(payload.size()));
    put_u64(h + 8, seq);
    if (!payload.empty()) std::memcpy(h + kRecordHeader, payload.data(), payload.size());
    put_u32(h + 4, crc32c(crc32c(0, h + 8, 8), h + kRecordHeader, payload.size()));
    Status s = pwrite_all(fd_.get(), buf_.data(), size, static_cast<off_t>(end_), path_);
    if (!s) {
        // Without reserved space a write can stop half-way: make sure the
        // part written can never be read as a record.
        static const char zeros[kRecordHeader] = {};
        (void)::pwrite(fd_.get(), zeros, sizeof zeros, static_cast<off_t>(end_));  // best effort
        return s;
    }
    end_ += size;
    if (buf_.capacity() > (1u << 20)) std::string().swap(buf_);  // after a huge commit
    return {};
}

Status Journal::reset(std::uint64_t base) {
    if (Status s = write_header(base); !s) return s;
    end_ = kHeaderSize;
    // Give back room a burst of records took (the file is memory on tmpfs).
    if (reserved_ > 16 * kReserveChunk && ::ftruncate(fd_.get(), kReserveChunk) == 0)
        reserved_ = kReserveChunk;
    return {};
}

}  // namespace xvm::xs
