#include "daemons/xenconsoled/output_buffer.h"

#include <algorithm>

namespace xvm::console {

void OutputBuffer::compact() {
    data_.erase(0, consumed_);
    consumed_ = 0;
    // A buffer that was full once and drained gives its memory back.
    if (data_.empty() && data_.capacity() > 64 * 1024) std::string().swap(data_);
}

void OutputBuffer::append(std::string_view bytes) {
    if (bytes.empty()) return;
    // Keep the consumed prefix only while it is cheap to keep.
    if (consumed_ > 0 && (consumed_ == data_.size() || consumed_ >= limit_ / 2)) compact();
    if (bytes.size() >= limit_) {
        // One append larger than the whole buffer: only its newest bytes fit.
        std::size_t dropped = size() + bytes.size() - limit_;
        data_.assign(bytes.substr(bytes.size() - limit_));
        consumed_ = 0;
        discarded_total_ += dropped;
        discarded_new_ += dropped;
        return;
    }
    data_.append(bytes);
    std::size_t waiting = size();
    if (waiting <= limit_) return;
    // Drop the middle: [limit - excess, limit) of the waiting bytes.
    std::size_t excess = waiting - limit_;
    std::size_t from = consumed_ + limit_ - excess;
    data_.erase(from, excess);
    discarded_total_ += excess;
    discarded_new_ += excess;
}

void OutputBuffer::consume(std::size_t n) {
    consumed_ += std::min(n, size());
    if (consumed_ == data_.size()) compact();
}

std::uint64_t OutputBuffer::take_discarded() {
    std::uint64_t n = discarded_new_;
    discarded_new_ = 0;
    return n;
}

}  // namespace xvm::console
