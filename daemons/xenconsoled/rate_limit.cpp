#include "daemons/xenconsoled/rate_limit.h"

namespace xvm::console {

bool RateLimit::count(Clock::time_point now) {
    if (now >= period_end_) {
        period_end_ = now + period_;
        events_ = 0;
    }
    if (++events_ < allowance_) return false;
    masked_ = true;
    ++masks_;
    return true;
}

void RateLimit::unmask(Clock::time_point now) {
    masked_ = false;
    events_ = 0;
    period_end_ = now + period_;
}

}  // namespace xvm::console
