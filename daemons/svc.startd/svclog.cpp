// Instance log files. Each line is one write() on an O_APPEND descriptor,
// so svc.startd's lines and the methods' output never interleave inside a
// line even though both write the same file.
#include "daemons/svc.startd/svclog.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/paths.h"
#include "lib/smf/smf_fmri.h"

namespace xvm::startd {

std::string log_path(std::string_view instance) {
    return root_path(cat("/var/svc/log/", smf::log_stem(instance)));
}

Result<UniqueFd> open_log(std::string_view instance) {
    std::string path = log_path(instance);
    for (std::string dir : {root_path("/var"), root_path("/var/svc"), root_path("/var/svc/log")})
        if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return errno_error(cat("cannot create ", dir));
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) return errno_error(cat("cannot open log ", path));
    return fd;
}

std::string printable(std::string_view text) {
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (u < 0x20 || u == 0x7f) out += cat("\\x", "0123456789abcdef"[u >> 4], "0123456789abcdef"[u & 15]);
        else out += c;
    }
    return out;
}

std::string log_line(std::string_view message) {
    time_t now = ::time(nullptr);
    struct tm tm {};
    ::localtime_r(&now, &tm);
    char stamp[32];
    ::strftime(stamp, sizeof stamp, "%b %e %T", &tm);
    return cat("[ ", stamp, " ", printable(message), " ]\n");
}

void instance_log(std::string_view instance, std::string_view message) {
    auto fd = open_log(instance);
    if (!fd) {
        log_error(fd.error());
        return;
    }
    std::string line = log_line(message);
    if (::write(fd->get(), line.data(), line.size()) < 0)
        log_warn(cat("cannot write ", log_path(instance)));
}

}  // namespace xvm::startd
