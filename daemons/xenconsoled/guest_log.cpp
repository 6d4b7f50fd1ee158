#include "daemons/xenconsoled/guest_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm::console {

bool valid_log_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || name[0] == '.') return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == ':' || c == '+' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string stamp_for(std::time_t when) {
    std::tm tm{};
    ::localtime_r(&when, &tm);
    char buf[32];
    std::size_t n = std::strftime(buf, sizeof buf, "[%Y-%m-%d %H:%M:%S] ", &tm);
    return std::string(buf, n);
}

std::string timestamped(std::string_view bytes, std::string_view stamp, bool& at_line_start) {
    std::string out;
    out.reserve(bytes.size() + stamp.size());
    while (!bytes.empty()) {
        std::size_t nl = bytes.find('\n');
        std::size_t end = nl == std::string_view::npos ? bytes.size() : nl + 1;
        if (at_line_start) out.append(stamp);
        out.append(bytes.substr(0, end));
        at_line_start = nl != std::string_view::npos;
        bytes.remove_prefix(end);
        if (at_line_start && !bytes.empty() && bytes.front() == '\r') bytes.remove_prefix(1);
    }
    return out;
}

Result<GuestLog> GuestLog::open(int dir_fd, const std::string& dir, const std::string& name,
                                const LogOptions& options) {
    if (!valid_log_name(name))
        return make_error(cat("domain name '", name.substr(0, 80),
                              "' cannot name a log file (1..64 of A-Z a-z 0-9 _ . : + -)"));
    GuestLog log;
    log.file_ = cat("guest-", name, ".log");
    log.path_ = cat(dir, "/", log.file_);
    log.options_ = options;
    if (Status s = log.open_file(dir_fd); !s) return std::move(s).error();
    return log;
}

Status GuestLog::open_file(int dir_fd) {
    UniqueFd fd(::openat(dir_fd, file_.c_str(),
                         O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644));
    if (!fd) return errno_error(cat("cannot open guest log ", path_));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return errno_error(cat("cannot examine ", path_));
    // A FIFO or device planted under the name would block or leak output.
    if (!S_ISREG(st.st_mode)) return make_error(cat(path_, " is not a regular file: refused"));
    fd_ = std::move(fd);
    size_ = static_cast<std::uint64_t>(st.st_size);
    at_line_start_ = true;
    full_reported_ = false;
    error_reported_ = false;
    if (options_.timestamps) write_raw(cat(stamp_for(std::time(nullptr)), "Logfile Opened\n"));
    return {};
}

Status GuestLog::reopen(int dir_fd, const LogOptions& options) {
    options_ = options;
    fd_.reset();
    return open_file(dir_fd);
}

void GuestLog::write(std::string_view bytes) {
    if (!options_.timestamps) return write_raw(bytes);
    write_raw(timestamped(bytes, stamp_for(std::time(nullptr)), at_line_start_));
}

void GuestLog::write_raw(std::string_view bytes) {
    if (!fd_ || bytes.empty()) return;
    if (size_ + bytes.size() > options_.limit_bytes) {
        if (!full_reported_)
            log_warnx(cat(path_, " reached its limit of ", options_.limit_bytes,
                          " bytes: further output is not logged until the log is rotated "
                          "(svcadm refresh reopens it)"));
        full_reported_ = true;
        return;
    }
    while (!bytes.empty()) {
        ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (!error_reported_) log_warn(cat("cannot write guest log ", path_, " (reported once)"));
            error_reported_ = true;
            return;
        }
        size_ += static_cast<std::uint64_t>(n);
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace xvm::console
