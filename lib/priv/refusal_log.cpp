#include "lib/priv/refusal_log.h"

#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm {

RefusalLog::~RefusalLog() {
    if (timer_ != 0) loop_.cancel_timer(timer_);
}

void RefusalLog::refused(uid_t uid, const std::string& line) {
    if (timer_ == 0)
        timer_ = loop_.add_timer(kWindow, [this] {
            timer_ = 0;
            close_window();
            return Status();
        });
    auto it = windows_.find(uid);
    if (it != windows_.end()) {
        ++it->second.suppressed;
        return;
    }
    if (windows_.size() >= kMaxTracked) {
        ++others_;
        return;
    }
    windows_.emplace(uid, Window{});
    log_warnx(line);
}

// One line per uid that was refused more than once, then a fresh window.
void RefusalLog::close_window() {
    for (const auto& [uid, w] : windows_)
        if (w.suppressed > 0)
            log_warnx(cat("... ", w.suppressed, " more refusals of ", what_, " for uid ", uid,
                          " in the last ", kWindow.count(), " s"));
    if (others_ > 0)
        log_warnx(cat("... ", others_, " refusals of ", what_, " for other uids in the last ",
                      kWindow.count(), " s"));
    windows_.clear();
    others_ = 0;
}

}  // namespace xvm
