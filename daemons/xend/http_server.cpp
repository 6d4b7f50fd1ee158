#include "daemons/xend/http_server.h"

#include <microhttpd.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/un.h>

#include <cstdarg>
#include <cstdio>
#include <optional>

#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm::xend {

// One request on one connection (MHD's con_cls holds a shared_ptr to it;
// Responders hold more). `gone` once MHD finished with the request.
struct Exchange {
    HttpServer* server = nullptr;
    std::weak_ptr<bool> alive;
    MHD_Connection* conn = nullptr;
    HttpRequest request;
    bool too_large = false;
    bool handed = false;
    bool suspended = false;
    bool gone = false;
    std::optional<HttpResponse> answer;
};

namespace {

// The connection's own state (MHD's socket_context).
struct Peer {
    PeerCred cred;
    bool admitted = false;
};

const std::string* find(const Fields& fields, std::string_view name, bool fold) {
    for (const auto& [k, v] : fields)
        if (fold ? (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) : k == name)
            return &v;
    return nullptr;
}

MHD_Result collect(void* cls, MHD_ValueKind, const char* key, const char* value) {
    static_cast<Fields*>(cls)->emplace_back(key ? key : "", value ? value : "");
    return MHD_YES;
}

MHD_Result collect_form(void* cls, MHD_ValueKind, const char* key, const char*, const char*, const char*,
                        const char* data, uint64_t off, size_t size) {
    auto* form = static_cast<Fields*>(cls);
    std::string_view chunk(data ? data : "", data ? size : 0);
    if (off > 0 && !form->empty() && form->back().first == key) form->back().second.append(chunk);
    else form->emplace_back(key ? key : "", std::string(chunk));
    return MHD_YES;
}

MHD_Result queue(MHD_Connection* c, const HttpResponse& r) {
    MHD_Response* resp = MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()),
                                                         MHD_RESPMEM_MUST_COPY);
    if (resp == nullptr) return MHD_NO;
    if (!r.content_type.empty()) (void)MHD_add_response_header(resp, "Content-Type", r.content_type.c_str());
    // A header with CR or LF is refused by MHD and simply not sent.
    for (const auto& [k, v] : r.headers) (void)MHD_add_response_header(resp, k.c_str(), v.c_str());
    if (r.close) (void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    MHD_Result ok = MHD_queue_response(c, r.status, resp);
    MHD_destroy_response(resp);
    return ok;
}

HttpResponse plain(unsigned status, std::string text) {
    return HttpResponse{.status = status, .content_type = "text/plain", .body = std::move(text) + "\n", .close = true};
}

void mhd_log(void*, const char* fmt, va_list ap) {
    char line[512];
    std::vsnprintf(line, sizeof line, fmt, ap);
    std::string_view s(line);
    while (!s.empty() && s.back() == '\n') s.remove_suffix(1);
    // Malformed requests from clients land here: debug, never a flood.
    log_debug(cat("libmicrohttpd: ", s));
}

}  // namespace

const std::string* HttpRequest::header(std::string_view name) const { return find(headers, name, true); }
const std::string* HttpRequest::arg(std::string_view name) const { return find(args, name, false); }
const std::string* HttpRequest::field(std::string_view name) const { return find(form, name, false); }

void Responder::operator()(HttpResponse response) const {
    if (!ex_ || ex_->gone || ex_->answer) return;
    auto alive = ex_->alive.lock();
    if (!alive || !*alive) return;
    ex_->answer = std::move(response);
    if (ex_->suspended) ex_->server->resumed(*ex_);
}

// MHD's C callbacks, with access to the server's internals.
struct Callbacks {
    static void on_connection(void* cls, MHD_Connection* c, void** socket_context,
                              MHD_ConnectionNotificationCode code) {
        auto* self = static_cast<HttpServer*>(cls);
        if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
            delete static_cast<Peer*>(*socket_context);
            *socket_context = nullptr;
            return;
        }
        const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        auto peer = std::make_unique<Peer>();
        if (info != nullptr) {
            auto it = self->arriving_.find(info->connect_fd);
            if (it != self->arriving_.end()) {
                peer->cred = it->second.first;
                peer->admitted = it->second.second;
                self->arriving_.erase(it);
            }
        }
        *socket_context = peer.release();  // unknown fd: not admitted
    }

    static void on_completed(void*, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
        auto* holder = static_cast<std::shared_ptr<Exchange>*>(*con_cls);
        if (holder == nullptr) return;
        (*holder)->gone = true;
        (*holder)->server->suspended_.erase(holder->get());
        delete holder;
        *con_cls = nullptr;
    }

    static std::shared_ptr<Exchange>& held(void** con_cls) {
        return *static_cast<std::shared_ptr<Exchange>*>(*con_cls);
    }

    static MHD_Result on_access(void* cls, MHD_Connection* c, const char* url, const char* method,
                                const char* version, const char* upload, size_t* upload_size,
                                void** con_cls) {
        auto* self = static_cast<HttpServer*>(cls);
        if (*con_cls == nullptr) return first_call(self, c, url, method, version, con_cls);
        std::shared_ptr<Exchange> ex = held(con_cls);
        if (*upload_size > 0) {
            // A refused peer's body is read to the end and dropped.
            std::size_t max = self->options_.max_body;
            if (ex->request.admitted) {
                if (ex->too_large || *upload_size > max - std::min(max, ex->request.body.size()))
                    ex->too_large = true;
                else
                    ex->request.body.append(upload, *upload_size);
            }
            *upload_size = 0;  // consumed (or discarded)
            return MHD_YES;
        }
        if (ex->answer) return queue(c, *ex->answer);
        if (ex->handed) return MHD_YES;  // waiting for its operation
        if (ex->too_large)
            return queue(c, plain(413, cat("request body larger than ", self->options_.max_body, " bytes")));
        if (self->options_.parse_form && ex->request.method == "POST") decode_form(c, ex->request);
        return hand_over(self, c, ex);
    }

    static MHD_Result first_call(HttpServer* self, MHD_Connection* c, const char* url, const char* method,
                                 const char* version, void** con_cls) {
        auto ex = std::make_shared<Exchange>();
        ex->server = self;
        ex->alive = self->alive_;
        ex->conn = c;
        HttpRequest& r = ex->request;
        r.method = method ? method : "";
        r.url = url ? url : "";
        r.version = version ? version : "";
        (void)MHD_get_connection_values(c, MHD_HEADER_KIND, collect, &r.headers);
        (void)MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect, &r.args);
        const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        if (info != nullptr && info->socket_context != nullptr) {
            const Peer* peer = static_cast<const Peer*>(info->socket_context);
            r.peer = peer->cred;
            r.admitted = peer->admitted;
        }
        *con_cls = new std::shared_ptr<Exchange>(ex);
        if (const std::string* length = r.header("Content-Length")) {
            unsigned long long n = 0;
            if (std::sscanf(length->c_str(), "%llu", &n) == 1 && n > self->options_.max_body) {
                ex->too_large = true;
                return queue(c, plain(413, cat("request body of ", n, " bytes: at most ",
                                                self->options_.max_body, " are accepted")));
            }
        }
        return MHD_YES;
    }

    static void decode_form(MHD_Connection* c, HttpRequest& r) {
        // NULL for a body that is neither urlencoded nor multipart: no form.
        MHD_PostProcessor* pp = MHD_create_post_processor(c, 4096, collect_form, &r.form);
        if (pp == nullptr) return;
        if (MHD_post_process(pp, r.body.data(), r.body.size()) != MHD_YES) r.form.clear();
        (void)MHD_destroy_post_processor(pp);
    }

    // The handler answers now (the Responder sees the exchange is not
    // suspended and leaves the queueing to us) or later (we suspend).
    static MHD_Result hand_over(HttpServer* self, MHD_Connection* c, const std::shared_ptr<Exchange>& ex) {
        ex->handed = true;
        self->handler_(ex->request, Responder(ex));
        if (!ex->request.admitted) {
            HttpResponse r = ex->answer ? *ex->answer : plain(403, "permission denied");
            r.close = true;
            return queue(c, r);
        }
        if (ex->answer) return queue(c, *ex->answer);
        ex->suspended = true;
        self->suspended_.insert(ex.get());
        MHD_suspend_connection(c);
        return MHD_YES;
    }
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(EventLoop& loop, Options options, Handler handler) {
    std::unique_ptr<HttpServer> s(new HttpServer(loop, std::move(options), std::move(handler)));
    unsigned flags = MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    s->daemon_ = MHD_start_daemon(
        flags, 0, nullptr, nullptr, &Callbacks::on_access, s.get(),
        MHD_OPTION_EXTERNAL_LOGGER, &mhd_log, nullptr,  // first: MHD logs from the next option on
        MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(s->options_.max_connections),
        MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned>(s->options_.idle_timeout.count()),
        MHD_OPTION_NOTIFY_COMPLETED, &Callbacks::on_completed, s.get(),
        MHD_OPTION_NOTIFY_CONNECTION, &Callbacks::on_connection, s.get(), MHD_OPTION_END);
    if (s->daemon_ == nullptr) return make_error(cat(s->options_.what, ": libmicrohttpd did not start"));
    const MHD_DaemonInfo* info = MHD_get_daemon_info(s->daemon_, MHD_DAEMON_INFO_EPOLL_FD);
    if (info == nullptr) return make_error(cat(s->options_.what, ": libmicrohttpd has no epoll descriptor"));
    s->epoll_fd_ = info->epoll_fd;
    HttpServer* self = s.get();
    if (Status ok = loop.add_fd(s->epoll_fd_, EPOLLIN, [self](std::uint32_t) {
            self->run();
            return Status();
        });
        !ok)
        return std::move(ok).error();
    return s;
}

HttpServer::~HttpServer() {
    if (daemon_ == nullptr) return;
    // MHD must not be stopped with suspended connections: answer them.
    for (Exchange* ex : std::set<Exchange*>(suspended_)) {
        ex->answer = plain(503, "xend is stopping");
        ex->suspended = false;
        MHD_resume_connection(ex->conn);
    }
    suspended_.clear();
    (void)MHD_run(daemon_);  // best effort: send what fits now
    *alive_ = false;
    loop_.remove_fd(epoll_fd_);
    if (timer_ != 0) loop_.cancel_timer(timer_);
    MHD_stop_daemon(daemon_);
}

void HttpServer::add_connection(UniqueFd fd, const PeerCred& peer, bool admitted) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    int raw = fd.release();  // MHD owns (and closes) it from here, even on failure
    arriving_[raw] = {peer, admitted};
    in_mhd_ = true;
    MHD_Result ok = MHD_add_connection(daemon_, raw, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    in_mhd_ = false;
    if (ok != MHD_YES) {
        arriving_.erase(raw);
        log_warn(cat(options_.what, ": connection of pid ", peer.pid, " uid ", peer.uid, " dropped"));
    }
    run();
}

std::size_t HttpServer::connections() const {
    const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return info ? info->num_connections : 0;
}

void HttpServer::run() {
    if (in_mhd_) return;  // called back from inside MHD: its own loop continues
    in_mhd_ = true;
    (void)MHD_run(daemon_);  // MHD_NO only for a daemon in the wrong mode
    in_mhd_ = false;
    arm_timer();
}

void HttpServer::arm_timer() {
    if (timer_ != 0) loop_.cancel_timer(timer_);
    timer_ = 0;
    MHD_UNSIGNED_LONG_LONG ms = 0;
    if (MHD_get_timeout(daemon_, &ms) != MHD_YES) return;
    timer_ = loop_.add_timer(std::chrono::milliseconds(ms), [this] {
        timer_ = 0;
        run();
        return Status();
    });
}

void HttpServer::resumed(Exchange& ex) {
    suspended_.erase(&ex);
    ex.suspended = false;
    MHD_resume_connection(ex.conn);
    run();
}

}  // namespace xvm::xend
