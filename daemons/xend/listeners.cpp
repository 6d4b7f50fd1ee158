#include "daemons/xend/listeners.h"

#include <unistd.h>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/paths.h"
#include "lib/base/unix_socket.h"

namespace xvm::xend {

Socket::~Socket() {
    if (path_) (void)::unlink(root_path(*path_).c_str());  // a stale socket is replaced at the next bind anyway
}

Status Socket::bind(const std::optional<std::string>& path) {
    if (path == path_) return {};
    std::unique_ptr<PeerListener> fresh;
    if (path) {
        auto fd = listen_unix(root_path(*path), 0666);
        if (!fd) return std::move(fd).error().context(cat("cannot serve ", http_.options().what));
        auto set = db_.names().set_of({"xvm_control", "virt_manage"});
        if (!set) return std::move(set).error();
        PeerListener::Policy policy{.what = http_.options().what, .any_of = *set};
        auto on = [this](bool admitted) {
            return [this, admitted](UniqueFd fd, PeerCred peer) { http_.add_connection(std::move(fd), peer, admitted); };
        };
        auto l = PeerListener::start(loop_, std::move(*fd), db_, policy, on(true), on(false));
        if (!l) return std::move(l).error();
        fresh = std::move(*l);
    }
    listener_ = std::move(fresh);
    if (path_ && path_ != path) (void)::unlink(root_path(*path_).c_str());  // gone already is fine
    if (path) log_info(cat(http_.options().what, " on ", root_path(*path)));
    else if (path_) log_info(cat(http_.options().what, " closed"));
    path_ = path;
    return {};
}

}  // namespace xvm::xend
