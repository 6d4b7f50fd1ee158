#include "lib/base/mapping.h"

#include <sys/mman.h>

#include "lib/base/format.h"

namespace xvm {

Mapping& Mapping::operator=(Mapping&& other) noexcept {
    if (this != &other) {
        reset();
        addr_ = std::exchange(other.addr_, nullptr);
        size_ = std::exchange(other.size_, 0);
        release_ = std::exchange(other.release_, nullptr);
    }
    return *this;
}

Result<Mapping> Mapping::map_shared(int fd, std::size_t size, int prot, off_t offset) {
    void* addr = ::mmap(nullptr, size, prot, MAP_SHARED, fd, offset);
    if (addr == MAP_FAILED) return errno_error(cat("cannot map ", size, " bytes of fd ", fd));
    return Mapping(addr, size);
}

Result<Mapping> Mapping::anonymous(std::size_t size) {
    void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (addr == MAP_FAILED) return errno_error(cat("cannot map ", size, " anonymous bytes"));
    return Mapping(addr, size);
}

void Mapping::reset() {
    // munmap of a region we mapped can only fail on a bug (bad address).
    if (addr_ != nullptr && release_) release_(addr_, size_);
    else if (addr_ != nullptr) (void)::munmap(addr_, size_);
    release_ = nullptr;
    addr_ = nullptr;
    size_ = 0;
}

}  // namespace xvm
