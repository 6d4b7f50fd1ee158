#include "daemons/xenconsoled/history.h"

#include <algorithm>

namespace xvm::console {

void History::append(std::string_view bytes) {
    if (capacity_ == 0) return;
    if (bytes.size() >= capacity_) bytes = bytes.substr(bytes.size() - capacity_);
    // Filling: plain append until the ring reaches its capacity.
    std::size_t fill = std::min(bytes.size(), capacity_ - ring_.size());
    ring_.append(bytes.substr(0, fill));
    size_ = ring_.size();
    bytes.remove_prefix(fill);
    while (!bytes.empty()) {
        std::size_t n = std::min(bytes.size(), capacity_ - head_);
        ring_.replace(head_, n, bytes.substr(0, n));
        head_ = (head_ + n) % capacity_;
        bytes.remove_prefix(n);
    }
}

std::string History::contents() const {
    if (ring_.size() < capacity_) return ring_;
    return ring_.substr(head_) + ring_.substr(0, head_);
}

}  // namespace xvm::console
