// xenconsoled's connection to xenstored through Debian's libxenstore (the
// client library Xen's own xenconsoled uses), opened on the socket under
// XVM_ROOT. Calls block until xenstored answers, as Xen's daemon's do;
// xenstored is local and answers privileged connections first.
//
// libxenstore reads replies and watch events on a thread of its own and
// wakes fd() (a pipe) when events are queued; when xenstored goes away
// that thread ends quietly, so alive() asks the library directly.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/base/result.h"

struct xs_handle;

namespace xvm::console {

struct WatchEvent {
    std::string path;
    std::string token;
};

class Store {
  public:
    // Connects to the xenstored socket at `socket_path`.
    static Result<std::unique_ptr<Store>> open(const std::string& socket_path);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Readable when watch events are waiting.
    int fd() const { return fd_; }

    // The node's value; nullopt when it does not exist.
    Result<std::optional<std::string>> read(const std::string& path);
    Status write(const std::string& path, const std::string& value);
    Result<std::vector<std::string>> directory(const std::string& path);
    Status watch(const std::string& path, const std::string& token);
    Status unwatch(const std::string& path, const std::string& token);
    // Every queued event, without blocking; an error when the connection
    // to xenstored is gone.
    Result<std::vector<WatchEvent>> events();

  private:
    explicit Store(xs_handle* h, int fd) : h_(h), fd_(fd) {}
    xs_handle* h_;
    int fd_;
};

}  // namespace xvm::console
