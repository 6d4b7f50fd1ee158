// HTTP for xend's two sockets, spoken by libmicrohttpd - no HTTP parser of
// our own. Connections are accepted and peer-checked by lib/priv's
// PeerListener and handed over with MHD_add_connection together with the
// peer's credentials; MHD runs without threads of its own, its epoll
// descriptor watched by xend's event loop (MHD_USE_EPOLL), so every
// callback runs on the loop thread.
//
// A handler answers at once or later: it receives a Responder, and until
// the Responder is called the connection is suspended (MHD_suspend_
// connection) - the loop serves everyone else meanwhile. A refused peer's
// request reaches the handler too (request.admitted false), its body read
// and dropped (a client answered before it finished sending would get
// EPIPE instead of the answer), so that it can be told why in the
// socket's own protocol; the connection is closed after the answer.
//
// What libmicrohttpd does with broken framing is final: a request line it
// cannot parse closes the connection without an answer; a client that
// half-closes in the middle of a body is noticed only at the idle timeout
// (MHD's edge-triggered reads do not see an end of file that arrived
// with the data).
//
// Bounds: request headers within MHD's per-connection memory (32 KiB),
// bodies within Options::max_body (413 beyond, the body discarded as it
// arrives), at most Options::max_connections at once (more are closed by
// MHD), an idle connection closed after Options::idle_timeout. A
// suspended connection has no timeout: it waits for its operation.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lib/base/event_loop.h"
#include "lib/base/result.h"
#include "lib/base/unique_fd.h"
#include "lib/priv/ucred.h"

struct MHD_Daemon;
struct MHD_Connection;

namespace xvm::xend {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method;   // "GET", "POST", ...
    std::string url;      // the path, without the query
    std::string version;  // "HTTP/1.1"
    Fields headers;
    Fields args;          // query arguments, decoded
    Fields form;          // POST form fields (Options::parse_form), decoded
    std::string body;     // raw body (empty for a refused peer)
    PeerCred peer;
    bool admitted = false;

    // First header / argument / form field of that name (headers:
    // case-insensitive); nullptr when absent.
    const std::string* header(std::string_view name) const;
    const std::string* arg(std::string_view name) const;
    const std::string* field(std::string_view name) const;
};

struct HttpResponse {
    unsigned status = 200;
    std::string content_type = {};
    std::string body = {};
    Fields headers = {};
    bool close = false;  // Connection: close after this answer
};

class HttpServer;
struct Exchange;

// Answers one request; copyable, effective once. Call only on the loop
// thread. Calling it after the client or the server went away does
// nothing.
class Responder {
public:
    Responder() = default;
    explicit Responder(std::shared_ptr<Exchange> ex) : ex_(std::move(ex)) {}
    void operator()(HttpResponse response) const;

private:
    std::shared_ptr<Exchange> ex_;
};

class HttpServer {
public:
    struct Options {
        std::string what = {};  // "xend XML-RPC socket": named in log lines
        std::size_t max_body = 1 << 20;
        bool parse_form = false;  // decode urlencoded / multipart POST bodies
        unsigned max_connections = 1024;
        std::chrono::seconds idle_timeout{30};
    };
    using Handler = std::function<void(const HttpRequest&, Responder)>;

    static Result<std::unique_ptr<HttpServer>> start(EventLoop& loop, Options options, Handler handler);
    // Answers every suspended request 503 and closes every connection.
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Takes over `fd` (accepted by PeerListener): MHD reads the request.
    void add_connection(UniqueFd fd, const PeerCred& peer, bool admitted);
    std::size_t connections() const;
    const Options& options() const { return options_; }

private:
    friend class Responder;
    friend struct Callbacks;
    HttpServer(EventLoop& loop, Options options, Handler handler)
        : loop_(loop), options_(std::move(options)), handler_(std::move(handler)) {}

    void run();
    void arm_timer();
    void resumed(Exchange& ex);

    EventLoop& loop_;
    Options options_;
    Handler handler_;
    MHD_Daemon* daemon_ = nullptr;
    int epoll_fd_ = -1;
    EventLoop::TimerId timer_ = 0;
    bool in_mhd_ = false;
    // Peers of connections handed to MHD and not yet started, by fd.
    std::unordered_map<int, std::pair<PeerCred, bool>> arriving_;
    std::set<Exchange*> suspended_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace xvm::xend
