#include "lib/xen/ring.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "lib/base/format.h"

namespace xvm {
namespace {

std::uint32_t load_acquire(std::uint32_t* p) {
    return std::atomic_ref<std::uint32_t>(*p).load(std::memory_order_acquire);
}

void store_release(std::uint32_t* p, std::uint32_t v) {
    std::atomic_ref<std::uint32_t>(*p).store(v, std::memory_order_release);
}

Error corrupt(std::uint32_t cons, std::uint32_t prod, std::uint32_t size) {
    return make_error(cat("ring indices corrupt: producer ", prod, " is ", prod - cons,
                          " bytes ahead of consumer ", cons, " in a ", size, "-byte ring"),
                      EIO);
}

}  // namespace

Result<std::size_t> Ring::readable() const {
    std::uint32_t cons = load_acquire(cons_);
    std::uint32_t prod = load_acquire(prod_);
    if (prod - cons > size_) return corrupt(cons, prod, size_);
    return static_cast<std::size_t>(prod - cons);
}

Result<std::size_t> Ring::writable() const {
    Result<std::size_t> used = readable();
    if (!used) return used;
    return size_ - *used;
}

Result<std::size_t> Ring::read(std::span<char> out) {
    // Our own index: only we write it, but it lives in memory the peer can
    // scribble on, so it is validated together with the producer's.
    std::uint32_t cons = load_acquire(cons_);
    std::uint32_t prod = load_acquire(prod_);
    if (prod - cons > size_) return corrupt(cons, prod, size_);
    std::size_t n = std::min<std::size_t>(prod - cons, out.size());
    std::size_t done = 0;
    while (done < n) {
        std::uint32_t offset = (cons + done) & (size_ - 1);
        std::size_t chunk = std::min<std::size_t>(n - done, size_ - offset);
        std::memcpy(out.data() + done, buf_ + offset, chunk);
        done += chunk;
    }
    store_release(cons_, cons + static_cast<std::uint32_t>(n));
    return n;
}

Result<std::size_t> Ring::write(std::span<const char> in) {
    std::uint32_t cons = load_acquire(cons_);
    std::uint32_t prod = load_acquire(prod_);
    if (prod - cons > size_) return corrupt(cons, prod, size_);
    std::size_t n = std::min<std::size_t>(size_ - (prod - cons), in.size());
    std::size_t done = 0;
    while (done < n) {
        std::uint32_t offset = (prod + done) & (size_ - 1);
        std::size_t chunk = std::min<std::size_t>(n - done, size_ - offset);
        std::memcpy(buf_ + offset, in.data() + done, chunk);
        done += chunk;
    }
    store_release(prod_, prod + static_cast<std::uint32_t>(n));
    return n;
}

}  // namespace xvm
