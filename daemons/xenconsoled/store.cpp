#include "daemons/xenconsoled/store.h"

// <xenstore.h> has no C++ linkage block of its own.
extern "C" {
#include <xenstore.h>
}

#include <cstdlib>

#include "lib/base/format.h"

namespace xvm::console {
namespace {

struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};
template <typename T>
using Malloced = std::unique_ptr<T, FreeDeleter>;

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& socket_path) {
    // libxenstore finds the daemon through XENSTORED_PATH (xs_daemon_socket()).
    if (::setenv("XENSTORED_PATH", socket_path.c_str(), 1) < 0)
        return errno_error("cannot set XENSTORED_PATH");
    xs_handle* h = ::xs_open(0);
    if (h == nullptr) return errno_error(cat("cannot connect to xenstored at ", socket_path));
    int fd = ::xs_fileno(h);
    if (fd < 0) {
        int err = errno;
        ::xs_close(h);
        return errno_error("cannot get the xenstore watch descriptor", err);
    }
    return std::unique_ptr<Store>(new Store(h, fd));
}

Store::~Store() { ::xs_close(h_); }

Result<std::optional<std::string>> Store::read(const std::string& path) {
    unsigned int len = 0;
    Malloced<char> value(static_cast<char*>(::xs_read(h_, XBT_NULL, path.c_str(), &len)));
    if (!value) {
        if (errno == ENOENT) return std::optional<std::string>();
        return errno_error(cat("xenstore read ", path));
    }
    return std::optional<std::string>(std::string(value.get(), len));
}

Status Store::write(const std::string& path, const std::string& value) {
    if (!::xs_write(h_, XBT_NULL, path.c_str(), value.data(),
                    static_cast<unsigned int>(value.size())))
        return errno_error(cat("xenstore write ", path));
    return {};
}

Result<std::vector<std::string>> Store::directory(const std::string& path) {
    unsigned int n = 0;
    Malloced<char*> names(::xs_directory(h_, XBT_NULL, path.c_str(), &n));
    if (!names) {
        if (errno == ENOENT) return std::vector<std::string>();
        return errno_error(cat("xenstore directory ", path));
    }
    std::vector<std::string> out;
    for (unsigned int i = 0; i < n; ++i) out.emplace_back(names.get()[i]);
    return out;
}

Status Store::watch(const std::string& path, const std::string& token) {
    if (!::xs_watch(h_, path.c_str(), token.c_str()))
        return errno_error(cat("xenstore watch ", path));
    return {};
}

Status Store::unwatch(const std::string& path, const std::string& token) {
    if (!::xs_unwatch(h_, path.c_str(), token.c_str()))
        return errno_error(cat("xenstore unwatch ", path));
    return {};
}

Result<std::vector<WatchEvent>> Store::events() {
    std::vector<WatchEvent> out;
    for (;;) {
        Malloced<char*> ev(::xs_check_watch(h_));
        if (!ev) {
            // EAGAIN: nothing queued. Anything else: the library's reader
            // found the connection closed (it then reports EINVAL).
            if (errno == EAGAIN) return out;
            return make_error("the connection to xenstored is gone", ECONNRESET);
        }
        out.push_back({ev.get()[XS_WATCH_PATH], ev.get()[XS_WATCH_TOKEN]});
    }
}

}  // namespace xvm::console
