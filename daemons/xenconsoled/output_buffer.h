// Console output waiting for a reader that is slower than the guest: the
// pty (whoever holds its other end, Xen's xenconsole included) and each
// attached client have one. Bounded by the domain's console/limit, and
// full the way Xen 3.x's xenconsoled is (tools/console/daemon/io.c,
// buffer_append, "discard the middle"): when the bytes waiting would
// exceed the limit by `excess`, the oldest (limit - excess) and the newest
// `excess` are kept and the bytes between them are dropped - the start of
// whatever flooded (a panic's first lines) and the latest output survive.
// Cost per overflowing append: moving `excess` bytes, never the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace xvm::console {

class OutputBuffer {
  public:
    explicit OutputBuffer(std::size_t limit) : limit_(limit) {}

    void append(std::string_view bytes);
    // The waiting bytes, oldest first (valid until the next call).
    std::string_view pending() const { return std::string_view(data_).substr(consumed_); }
    void consume(std::size_t n);
    std::size_t size() const { return data_.size() - consumed_; }
    bool empty() const { return size() == 0; }
    std::size_t limit() const { return limit_; }

    // Bytes dropped since the buffer was made / since the last take.
    std::uint64_t discarded_total() const { return discarded_total_; }
    std::uint64_t take_discarded();
    // Memory held (for RSS accounting in tests).
    std::size_t capacity() const { return data_.capacity(); }

  private:
    void compact();

    std::size_t limit_;
    std::string data_;
    std::size_t consumed_ = 0;
    std::uint64_t discarded_total_ = 0;
    std::uint64_t discarded_new_ = 0;
};

}  // namespace xvm::console
