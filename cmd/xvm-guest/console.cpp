#include "cmd/xvm-guest/console.h"

#include <unistd.h>

#include <cstdio>

namespace xvm::guest {

void Console::print(std::string_view text) {
    if (out_.size() + text.size() > kMaxQueued) return;
    out_.append(text);
}

void Console::notify() {
    const std::uint64_t one = 1;
    // EAGAIN only when the counter is saturated: the peer is told already.
    (void)!::write(notify_fd_, &one, sizeof one);
}

// Generated lines of exactly 64 bytes: "spew 00000001 " + 49 'x' + '\n'.
void Console::refill() {
    while (spew_left_ > 0 && out_.size() < 4096) {
        char line[65];
        std::snprintf(line, sizeof line, "spew %08llu %s\n",
                      static_cast<unsigned long long>(++spew_line_ % 100000000),
                      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        std::size_t n = std::min<std::uint64_t>(spew_left_, 64);
        out_.append(line, n);
        spew_left_ -= n;
    }
}

Status Console::pump() {
    // Input first: a command's output joins the queue flushed below.
    Ring in = console_input(page_);
    char buf[sizeof page_->in];
    auto got = in.read(buf);
    if (!got) return std::move(got).error();
    if (*got > 0) notify();
    for (std::size_t i = 0; i < *got; ++i) {
        char c = buf[i];
        if (c == '\r' || c == '\n') {
            if (!discarding_ && on_line_) on_line_(line_);
            line_.clear();
            discarding_ = false;
        } else if (line_.size() >= kMaxLine) {
            discarding_ = true;
        } else {
            line_.push_back(c);
        }
    }
    Ring out = console_output(page_);
    bool produced = false;
    for (;;) {
        refill();
        if (out_.empty()) break;
        auto n = out.write(out_);
        if (!n) return std::move(n).error();
        if (*n == 0) break;
        out_.erase(0, *n);
        produced = true;
    }
    if (produced) notify();
    return {};
}

}  // namespace xvm::guest
