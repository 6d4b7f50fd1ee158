// A guest's console log, guest-<name>.log in the log directory, as Xen's
// xenconsoled writes it (tools/console/daemon/io.c): opened for append,
// mode 0644; written the moment output arrives, before any reader sees
// it; with timestamps, "[YYYY-MM-DD HH:MM:SS] " (local time) starts each
// line, a carriage return right after a newline is dropped, and a newly
// opened file begins with a "Logfile Opened" line.
//
// What this must never do: follow a link or write outside the log
// directory (files are opened with openat(O_NOFOLLOW) below the directory
// descriptor, and the name a guest shows is checked first: guests can
// rewrite their own store keys); grow without bound (a file stops at its
// limit, once logged, until it is rotated and reopened); stop the daemon
// (a write error is logged once and the output still reaches readers).
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm::console {

// True for a name that may become a file name: 1..64 bytes of
// [A-Za-z0-9_.:+-], not starting with '.'.
bool valid_log_name(std::string_view name);

// Xen's timestamp rule on one chunk: `at_line_start` carries across chunks.
std::string timestamped(std::string_view bytes, std::string_view stamp, bool& at_line_start);
// "[2026-11-22 17:50:01] " for `when`, local time.
std::string stamp_for(std::time_t when);

struct LogOptions {
    bool timestamps = false;
    std::uint64_t limit_bytes = 64u << 20;
};

class GuestLog {
  public:
    // Opens (creating) guest-<name>.log below `dir_fd`; `dir` is its path
    // for messages.
    static Result<GuestLog> open(int dir_fd, const std::string& dir, const std::string& name,
                                 const LogOptions& options);

    void write(std::string_view bytes);
    // Log rotation: a new file under the same name, new options.
    Status reopen(int dir_fd, const LogOptions& options);
    const std::string& path() const { return path_; }

  private:
    GuestLog() = default;
    Status open_file(int dir_fd);
    void write_raw(std::string_view bytes);

    std::string file_;  // guest-<name>.log
    std::string path_;  // dir/file, for messages
    LogOptions options_;
    UniqueFd fd_;
    std::uint64_t size_ = 0;
    bool at_line_start_ = true;
    bool full_reported_ = false;
    bool error_reported_ = false;
};

}  // namespace xvm::console
