#include "daemons/xend/store.h"

extern "C" {
#include <xenstore.h>
}

#include <cerrno>
#include <cstdlib>

#include "lib/base/format.h"

namespace xvm::xend {
namespace {

struct Freer {
    void operator()(void* p) const { std::free(p); }
};
template <typename T>
using Malloced = std::unique_ptr<T, Freer>;

Error fail(std::string_view op, const std::string& path) {
    return errno_error(cat("xenstore ", op, " ", path));
}

unsigned int access_bits(char c) {
    switch (c) {
        case 'r': return XS_PERM_READ;
        case 'w': return XS_PERM_WRITE;
        case 'b': return XS_PERM_READ | XS_PERM_WRITE;
        default: return XS_PERM_NONE;
    }
}

}  // namespace

Result<std::unique_ptr<XsClient>> XsClient::open() {
    xs_handle* h = ::xs_open(XS_OPEN_SOCKETONLY);
    if (h == nullptr) {
        const char* path = std::getenv("XENSTORED_PATH");
        return errno_error(cat("cannot connect to xenstored at ", path ? path : "/var/run/xenstored/socket"));
    }
    return std::unique_ptr<XsClient>(new XsClient(h));
}

XsClient::~XsClient() { ::xs_close(h_); }

Result<std::string> XsClient::read(const std::string& path) {
    unsigned int len = 0;
    Malloced<char> v(static_cast<char*>(::xs_read(h_, tx_, path.c_str(), &len)));
    if (!v) return fail("read", path);
    return std::string(v.get(), len);
}

Result<std::optional<std::string>> XsClient::read_optional(const std::string& path) {
    auto v = read(path);
    if (v) return std::optional<std::string>(std::move(*v));
    if (v.error().code == ENOENT) return std::optional<std::string>();
    return std::move(v).error();
}

Status XsClient::write(const std::string& path, const std::string& value) {
    if (!::xs_write(h_, tx_, path.c_str(), value.data(), static_cast<unsigned>(value.size())))
        return fail("write", path);
    return {};
}

Status XsClient::mkdir(const std::string& path) {
    if (!::xs_mkdir(h_, tx_, path.c_str())) return fail("mkdir", path);
    return {};
}

Status XsClient::remove(const std::string& path) {
    if (!::xs_rm(h_, tx_, path.c_str()) && errno != ENOENT) return fail("rm", path);
    return {};
}

Result<std::vector<std::string>> XsClient::directory(const std::string& path) {
    unsigned int n = 0;
    Malloced<char*> list(::xs_directory(h_, tx_, path.c_str(), &n));
    if (!list) return fail("directory", path);
    return std::vector<std::string>(list.get(), list.get() + n);
}

Status XsClient::set_perms(const std::string& path, const std::vector<XsPerm>& perms) {
    std::vector<xs_permissions> raw;
    for (const XsPerm& p : perms) raw.push_back({p.dom, access_bits(p.access)});
    if (!::xs_set_permissions(h_, tx_, path.c_str(), raw.data(), static_cast<unsigned>(raw.size())))
        return fail("set-perms", path);
    return {};
}

Status XsClient::introduce(std::uint32_t dom, std::uint64_t mfn, std::uint32_t port) {
    if (!::xs_introduce_domain(h_, dom, static_cast<unsigned long>(mfn), port))
        return errno_error(cat("xenstore introduce of domain ", dom, " (port ", port, ")"));
    return {};
}

Status XsClient::release(std::uint32_t dom) {
    if (!::xs_release_domain(h_, dom) && errno != ENOENT && errno != EINVAL)
        return errno_error(cat("xenstore release of domain ", dom));
    return {};
}

Status XsClient::begin() {
    tx_ = ::xs_transaction_start(h_);
    if (tx_ == XBT_NULL) return errno_error("xenstore transaction start");
    return {};
}

Status XsClient::end(bool abort) {
    bool ok = ::xs_transaction_end(h_, tx_, abort);
    tx_ = XBT_NULL;
    if (!ok) return errno_error("xenstore transaction end");
    return {};
}

Status XsClient::watch(const std::string& path, const std::string& token) {
    if (!::xs_watch(h_, path.c_str(), token.c_str())) return fail("watch", path);
    return {};
}

int XsClient::fileno() { return ::xs_fileno(h_); }

Result<std::vector<std::pair<std::string, std::string>>> XsClient::take_events() {
    std::vector<std::pair<std::string, std::string>> out;
    for (;;) {
        Malloced<char*> ev(::xs_check_watch(h_));
        if (!ev) {
            if (errno == EAGAIN) return out;
            return errno_error("xenstore watch connection");
        }
        out.emplace_back(ev.get()[XS_WATCH_PATH], ev.get()[XS_WATCH_TOKEN]);
    }
}

}  // namespace xvm::xend
