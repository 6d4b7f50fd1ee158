// The newest output of one domain, kept for replay to a client that
// attaches late (so `xm console` still shows the boot messages). A fixed
// ring: the oldest bytes give way, memory never grows past the capacity.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace xvm::console {

class History {
  public:
    explicit History(std::size_t capacity) : capacity_(capacity) {}
    void append(std::string_view bytes);
    // The kept bytes, oldest first.
    std::string contents() const;
    std::size_t size() const { return size_; }

  private:
    std::size_t capacity_;
    std::string ring_;      // grows to capacity_ once, then wraps
    std::size_t head_ = 0;  // where the next byte goes once full
    std::size_t size_ = 0;
};

}  // namespace xvm::console
