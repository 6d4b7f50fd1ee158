#include "daemons/hvsim/pages.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "lib/base/format.h"

namespace xvm::hvsim {
namespace {

Result<UniqueFd> make_file(const std::string& path, std::uint64_t size) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) return errno_error(cat("cannot create ", path));
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) < 0)
        return errno_error(cat("cannot size ", path, " to ", size, " bytes"));
    return fd;
}

std::uint64_t memory_bytes(std::uint64_t kib) {
    return std::max<std::uint64_t>(kib * 1024, kPageSize);
}

}  // namespace

Result<DomainPages> create_pages(const std::string& state_dir, DomId id, std::uint64_t memory_kib) {
    DomainPages pages;
    pages.dir = cat(state_dir, "/dom", id);
    if (::mkdir(pages.dir.c_str(), 0700) < 0) return errno_error(cat("cannot create ", pages.dir));
    auto xs = make_file(pages.dir + "/xenstore", kPageSize);
    auto cons = xs ? make_file(pages.dir + "/console", kPageSize) : Result<UniqueFd>(xs.error());
    auto mem = cons ? make_file(pages.dir + "/memory", memory_bytes(memory_kib))
                    : Result<UniqueFd>(cons.error());
    if (!mem) {
        remove_pages(pages);
        return std::move(mem).error();
    }
    pages.xenstore = std::move(*xs);
    pages.console = std::move(*cons);
    pages.memory = std::move(*mem);
    return pages;
}

Status resize_memory(const DomainPages& pages, std::uint64_t memory_kib) {
    if (::ftruncate(pages.memory.get(), static_cast<off_t>(memory_bytes(memory_kib))) < 0)
        return errno_error(cat("cannot resize ", pages.dir, "/memory to ", memory_kib, " KiB"));
    return {};
}

void remove_pages(const DomainPages& pages) {
    if (pages.dir.empty()) return;
    // Best effort: a leftover file is removed by clean_state_dir() at the
    // next start, and nothing reads these paths (descriptors are passed).
    for (const char* name : {"/xenstore", "/console", "/memory"})
        (void)::unlink((pages.dir + name).c_str());
    (void)::rmdir(pages.dir.c_str());
}

Status clean_state_dir(const std::string& state_dir) {
    DIR* dir = ::opendir(state_dir.c_str());
    if (dir == nullptr) return errno_error(cat("cannot open ", state_dir));
    std::vector<std::string> stale;
    while (dirent* e = ::readdir(dir)) {
        std::string name = e->d_name;
        if (name.rfind("dom", 0) == 0) stale.push_back(name);
    }
    ::closedir(dir);
    for (const auto& name : stale) {
        DomainPages pages;
        pages.dir = cat(state_dir, "/", name);
        remove_pages(pages);
    }
    return {};
}

}  // namespace xvm::hvsim
