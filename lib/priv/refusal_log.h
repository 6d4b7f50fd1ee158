// Refusal lines, bounded. Every refused peer deserves a log line naming
// its uid and pid - but a connect loop by one user must not write
// megabytes a second into a daemon's SMF log. So per uid and per window
// (10 s): the first refusal is logged in full, the rest are counted and
// summed up in one line when the window closes:
//   refused xenstore socket for uid 1001 pid 4242: needs virt_manage or xvm_control
//   ... 4211 more refusals of xenstore socket for uid 1001 in the last 10 s
// At most kMaxTracked uids are tracked at once; refusals of further uids
// in that window are counted together under "other uids".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "lib/base/event_loop.h"

namespace xvm {

class RefusalLog {
public:
    static constexpr auto kWindow = std::chrono::seconds(10);
    static constexpr std::size_t kMaxTracked = 256;

    RefusalLog(EventLoop& loop, std::string what) : loop_(loop), what_(std::move(what)) {}
    ~RefusalLog();
    RefusalLog(const RefusalLog&) = delete;
    RefusalLog& operator=(const RefusalLog&) = delete;

    // `line` is the full refusal line for this peer.
    void refused(uid_t uid, const std::string& line);

private:
    struct Window {
        std::uint64_t suppressed = 0;
    };
    void close_window();

    EventLoop& loop_;
    std::string what_;
    std::map<uid_t, Window> windows_;
    std::uint64_t others_ = 0;  // refusals of uids beyond kMaxTracked
    EventLoop::TimerId timer_ = 0;
};

}  // namespace xvm
