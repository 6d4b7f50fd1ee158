// Core dumps, save and restore of simulated domains. One file format for
// all three (documented in hvsim(1M)):
//
//   u32 header length, then the header (hv_proto field codec):
//     "XVMHVDMP", u32 version (1), u32 domid, the DomainConfig, u64 memory
//     KiB now, u8 shutdown, u8 reason, u64 memory image bytes
//   the xenstore page, the console page (4096 bytes each)
//   the memory image (holes preserved where the file system allows)
//
// The descriptor is opened by the client with its own authority, so hvsim
// writes and reads only files its caller may. Restore recreates the
// domain paused from the header; its guest resumes from the memory image
// on unpause. The xenstore ring starts empty after restore, as a resumed
// Xen guest reconnects to xenstored afresh.
#include "daemons/hvsim/dump.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "daemons/hvsim/sim.h"

namespace xvm::hvsim {
namespace {

constexpr char kMagic[8] = {'X', 'V', 'M', 'H', 'V', 'D', 'M', 'P'};
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kMaxHeader = 16 * 1024;

Status write_all(int fd, const void* data, std::size_t size, off_t offset) {
    auto p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::pwrite(fd, p, size, offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error("cannot write the dump file");
        }
        p += n;
        size -= static_cast<std::size_t>(n);
        offset += n;
    }
    return {};
}

Status read_all(int fd, void* data, std::size_t size, off_t offset, std::string_view what) {
    auto p = static_cast<char*>(data);
    while (size > 0) {
        ssize_t n = ::pread(fd, p, size, offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error(cat("cannot read ", what));
        if (n == 0) return make_error(cat("cannot read ", what, ": file ends early"));
        p += n;
        size -= static_cast<std::size_t>(n);
        offset += n;
    }
    return {};
}

// Copies `len` bytes from src@src_off to dst@dst_off, skipping holes of the
// source (the destination reads back zeros there).
Status copy_sparse(int src, off_t src_off, std::uint64_t len, int dst, off_t dst_off,
                   std::string_view what) {
    std::vector<char> buf(64 * 1024);
    off_t end = src_off + static_cast<off_t>(len);
    off_t pos = src_off;
    while (pos < end) {
        off_t data = ::lseek(src, pos, SEEK_DATA);
        if (data < 0 || data >= end) break;  // ENXIO: only holes remain
        off_t hole = ::lseek(src, data, SEEK_HOLE);
        if (hole < 0 || hole > end) hole = end;
        for (off_t at = data; at < hole;) {
            std::size_t chunk =
                std::min<std::size_t>(buf.size(), static_cast<std::size_t>(hole - at));
            if (Status s = read_all(src, buf.data(), chunk, at, what); !s) return s;
            if (Status s = write_all(dst, buf.data(), chunk, dst_off + (at - src_off)); !s)
                return s;
            at += static_cast<off_t>(chunk);
        }
        pos = hole;
    }
    return {};
}

}  // namespace

Result<DumpHeader> read_dump_header(int fd, off_t& offset) {
    std::uint32_t len = 0;
    if (Status s = read_all(fd, &len, 4, 0, "the dump header"); !s) return std::move(s).error();
    if (len > kMaxHeader)
        return make_error(
            cat("dump header is ", len, " bytes, more than the limit of ", kMaxHeader));
    std::string text(len, '\0');
    if (Status s = read_all(fd, text.data(), len, 4, "the dump header"); !s)
        return std::move(s).error();
    WireReader r(text, "dump header");
    char magic[8];
    r.raw(magic, sizeof magic, "magic");
    if (std::memcmp(magic, kMagic, sizeof magic) != 0)
        return make_error("not an hvsim dump file (bad magic)");
    std::uint32_t version = r.u32("version");
    if (version != kVersion)
        return make_error(
            cat("dump file version ", version, " is not supported (only ", kVersion, ")"));
    DumpHeader h;
    h.domid = r.u32("domid");
    h.config = hv_get_config(r);
    h.memory_kib = r.u64("memory_kib");
    h.shutdown = r.u8("shutdown") != 0;
    std::uint8_t reason = r.u8("reason");
    if (reason > static_cast<std::uint8_t>(ShutdownReason::kWatchdog))
        r.fail("bad shutdown reason");
    h.reason = static_cast<ShutdownReason>(reason);
    h.image_bytes = r.u64("image bytes");
    if (Status s = r.finish(); !s) return std::move(s).error();
    constexpr std::uint64_t kMaxKib = 1ull << 40;  // 1 EiB: beyond any host
    if (h.memory_kib > kMaxKib)
        return make_error(cat("dump claims ", h.memory_kib, " KiB of memory, more than ", kMaxKib));
    if (h.image_bytes > h.memory_kib * 1024 + kPageSize)
        return make_error(cat("dump memory image of ", h.image_bytes, " bytes does not fit ",
                              h.memory_kib, " KiB"));
    offset = 4 + static_cast<off_t>(len);
    return h;
}

Status Sim::core_dump(DomId dom, int fd) const {
    auto g = guest(dom);
    if (!g) return g.error().context("cannot dump core");
    const Domain& d = **table_.find(dom);
    off_t image = ::lseek((*g)->pages.memory.get(), 0, SEEK_END);
    if (image < 0) return errno_error(cat("cannot size the memory of domain ", dom));

    WireWriter w;
    w.raw(kMagic, sizeof kMagic);
    w.u32(kVersion);
    w.u32(dom);
    hv_put_config(w, d.config);
    w.u64(d.memory_kib);
    w.u8(d.shutdown ? 1 : 0);
    w.u8(static_cast<std::uint8_t>(d.reason));
    w.u64(static_cast<std::uint64_t>(image));
    std::string header = w.take();
    auto len = static_cast<std::uint32_t>(header.size());
    if (::ftruncate(fd, 0) < 0)
        return errno_error(cat("cannot truncate the dump file of domain ", dom));
    Status s = write_all(fd, &len, 4, 0);
    if (s) s = write_all(fd, header.data(), header.size(), 4);
    off_t at = 4 + static_cast<off_t>(header.size());
    std::vector<char> page(kPageSize);
    for (int src : {(*g)->pages.xenstore.get(), (*g)->pages.console.get()}) {
        if (s) s = read_all(src, page.data(), page.size(), 0, "a shared page");
        if (s) s = write_all(fd, page.data(), page.size(), at);
        at += static_cast<off_t>(kPageSize);
    }
    if (s)
        s = copy_sparse((*g)->pages.memory.get(), 0, static_cast<std::uint64_t>(image), fd, at,
                        "the memory image");
    if (s && ::ftruncate(fd, at + image) < 0) s = errno_error("cannot size the dump file");
    if (!s) return s.error().context(cat("cannot dump domain ", dom));
    log_info(cat("dumped domain ", dom, " (", image, " bytes of memory)"));
    return {};
}

Status Sim::save(DomId dom, int fd) {
    if (dom == kDom0) return make_error("cannot save domain 0", EPERM);
    if (Status s = core_dump(dom, fd); !s) return s;
    return destroy(dom);
}

Result<DomId> Sim::restore(int fd) {
    off_t offset = 0;
    auto h = read_dump_header(fd, offset);
    if (!h) return h.error().context("cannot restore");
    DomainConfig config = h->config;
    config.memory_kib = h->memory_kib;
    auto dom = create_with(config, true);
    if (!dom) return dom.error().context("cannot restore");
    Guest& g = guests_.at(*dom);
    std::vector<char> page(kPageSize);
    offset += static_cast<off_t>(kPageSize);  // the xenstore ring starts afresh
    Status s = read_all(fd, page.data(), page.size(), offset, "the console page");
    if (s) s = write_all(g.pages.console.get(), page.data(), page.size(), 0);
    offset += static_cast<off_t>(kPageSize);
    if (s) s = copy_sparse(fd, offset, h->image_bytes, g.pages.memory.get(), 0, "the memory image");
    if (!s) {
        (void)destroy(*dom);  // cannot fail: just created
        return s.error().context("cannot restore");
    }
    log_info(cat("restored domain ", h->domid, " as domain ", *dom));
    return *dom;
}

}  // namespace xvm::hvsim
