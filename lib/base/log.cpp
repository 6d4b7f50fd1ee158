#include "lib/base/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

namespace xvm {
namespace {

std::string g_role = "xvm";
bool g_debug = false;
int g_fd = STDERR_FILENO;

std::string timestamp() {
    struct timeval tv {};
    ::gettimeofday(&tv, nullptr);
    struct tm tm {};
    ::gmtime_r(&tv.tv_sec, &tm);
    char buf[40];
    size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03ldZ", static_cast<long>(tv.tv_usec / 1000));
    return buf;
}

// Control characters in a message (a guest's CONTROL print, a peer's
// request) are written escaped, so no one can forge a log line, move the
// cursor of whoever reads the log, or hide text: \n, \t, \\ and \xNN.
void append_escaped(std::string& line, std::string_view message) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char c : message) {
        auto u = static_cast<unsigned char>(c);
        if (c == '\\') line += "\\\\";
        else if (c == '\n') line += "\\n";
        else if (c == '\t') line += "\\t";
        else if (u < 0x20 || u == 0x7f) line += {'\\', 'x', kHex[u >> 4], kHex[u & 15]};
        else line += c;
    }
}

void emit(std::string_view level, std::string_view message) {
    std::string line = timestamp();
    line += ' ';
    line += g_role;
    line += '[';
    line += std::to_string(::getpid());
    line += "]: ";
    line += level;
    append_escaped(line, message);
    line += '\n';
    // A failed or short log write has nowhere better to be reported.
    (void)!::write(g_fd, line.data(), line.size());
}

}  // namespace

void log_init(std::string_view role, bool debug) {
    g_role = role;
    g_debug = debug;
}

void log_set_fd(int fd) { g_fd = fd; }

void log_debug(std::string_view message) {
    if (g_debug) emit("debug: ", message);
}

void log_info(std::string_view message) { emit("", message); }

void log_warn(std::string_view message) {
    int err = errno;
    std::string text(message);
    text += ": ";
    text += std::strerror(err);
    emit("warning: ", text);
}

void log_warnx(std::string_view message) { emit("warning: ", message); }

void log_error(const Error& error) { emit("warning: ", error.message); }

}  // namespace xvm
