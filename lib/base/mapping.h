// RAII owner of an mmap()ed region. Regions mapped by a library that must
// also undo its own bookkeeping (a grant mapping of libxengnttab) carry
// that library's release function instead of plain munmap.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <utility>

#include "lib/base/result.h"

namespace xvm {

class Mapping {
public:
    Mapping() = default;
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    Mapping(Mapping&& other) noexcept
        : addr_(std::exchange(other.addr_, nullptr)),
          size_(std::exchange(other.size_, 0)),
          release_(std::exchange(other.release_, nullptr)) {}
    Mapping& operator=(Mapping&& other) noexcept;
    ~Mapping() { reset(); }

    // Maps `size` bytes of `fd` at `offset` with `prot` (PROT_*), shared.
    static Result<Mapping> map_shared(int fd, std::size_t size, int prot, off_t offset = 0);
    // Anonymous private read-write memory.
    static Result<Mapping> anonymous(std::size_t size);
    // Takes ownership of `size` bytes at `addr` that `release` (not
    // munmap) gives back.
    using Release = std::function<void(void* addr, std::size_t size)>;
    static Mapping adopt(void* addr, std::size_t size, Release release) {
        Mapping m(addr, size);
        m.release_ = std::move(release);
        return m;
    }

    void* data() const { return addr_; }
    std::size_t size() const { return size_; }
    std::span<std::byte> bytes() const { return {static_cast<std::byte*>(addr_), size_}; }
    bool valid() const { return addr_ != nullptr; }
    void reset();

private:
    Mapping(void* addr, std::size_t size) : addr_(addr), size_(size) {}
    void* addr_ = nullptr;
    std::size_t size_ = 0;
    Release release_;  // empty: munmap
};

}  // namespace xvm
