#include "cmd/xm/xend_client.h"

#include <curl/curl.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/rpc/pystr.h"

namespace xvm::xm {

namespace {

constexpr std::string_view kDefaultSocket = "/var/run/xend/xmlrpc.sock";

void init_curl() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The reply as it arrives, cut off (and flagged) at kMaxReply.
struct Reply {
    std::string body;
    std::string status_line;  // "HTTP/1.1 403 Forbidden"
    bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* reply = static_cast<Reply*>(user);
    std::size_t len = size * n;
    if (reply->body.size() + len > kMaxReply) {
        reply->too_large = true;
        return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    reply->body.append(data, len);
    return len;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto* reply = static_cast<Reply*>(user);
    std::string_view line(data, size * n);
    // Each response (a "100 Continue" included) starts with a status line.
    if (line.starts_with("HTTP/")) {
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        reply->status_line = std::string(line.substr(0, 200));
    }
    return size * n;
}

// "Forbidden" from "HTTP/1.1 403 Forbidden".
std::string reason_phrase(const std::string& status_line) {
    std::size_t first = status_line.find(' ');
    std::size_t second = first == std::string::npos ? first : status_line.find(' ', first + 1);
    return second == std::string::npos ? std::string() : status_line.substr(second + 1);
}

// The first line of a server's explanation, printable and short.
std::string first_line(std::string_view body) {
    std::size_t a = body.find_first_not_of(" \t\r\n");
    if (a == std::string_view::npos) return {};
    body.remove_prefix(a);
    body = body.substr(0, body.find_first_of("\r\n"));
    std::string out;
    for (char c : body.substr(0, 300)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out;
}

Failure connect_failure(const std::string& socket, long os_errno) {
    int err = static_cast<int>(os_errno);
    std::string reason = err ? std::strerror(err) : "connection failed";
    if (err == EACCES || err == EPERM)
        return {Failure::Kind::kNoXend, 0,
                cat("Unable to connect to xend: ", reason, " (", socket,
                    "). xm needs the xvm_control or virt_manage privilege (group xvm or xvmadm).")};
    return {Failure::Kind::kNoXend, 0, cat("Unable to connect to xend: ", reason, ". Is xend running?")};
}

}  // namespace

struct XendClient::Curl {
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    ~Curl() {
        curl_slist_free_all(headers);
        if (easy) curl_easy_cleanup(easy);
    }
};

Expected<std::string> XendClient::socket_from_environment() {
    const char* env = std::getenv("XM_SERVER");
    if (!env || !*env) return root_path(kDefaultSocket);
    std::string_view server = env;
    if (server.starts_with("httpu://")) server.remove_prefix(8);
    if (!server.starts_with("/"))
        return Failure::plain(cat("XM_SERVER ", rpc::python_repr(env),
                                  " is not supported: use httpu:///path/to/xmlrpc.sock"));
    return std::string(server);
}

XendClient::XendClient(std::string socket_path) : socket_(std::move(socket_path)), curl_(new Curl) {}

XendClient::~XendClient() = default;

Expected<std::string> XendClient::post(const std::string& body) {
    init_curl();
    if (!curl_->easy) {
        curl_->easy = curl_easy_init();
        curl_->headers = curl_slist_append(curl_->headers, "Content-Type: text/xml");
        // No "Expect: 100-continue" round trip for larger bodies.
        curl_->headers = curl_slist_append(curl_->headers, "Expect:");
        if (!curl_->easy || !curl_->headers)
            return Failure{Failure::Kind::kNoXend, 0, "Unable to connect to xend: out of memory."};
        CURL* e = curl_->easy;
        curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, socket_.c_str());
        curl_easy_setopt(e, CURLOPT_URL, "http://localhost/RPC2");
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
        curl_easy_setopt(e, CURLOPT_PROXY, "");  // never a proxy from the environment
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "xm (xVM)");
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, curl_->headers);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    }
    CURL* e = curl_->easy;
    Reply reply;
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &reply);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));

    CURLcode rc = curl_easy_perform(e);
    if (rc == CURLE_COULDNT_CONNECT) {
        long os_errno = 0;
        curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
        return connect_failure(socket_, os_errno);
    }
    if (reply.too_large)
        return Failure{Failure::Kind::kBadReply, 0,
                       cat("Error: xend's reply is over the limit of ", kMaxReply / (1024 * 1024), " MiB.")};
    if (rc == CURLE_GOT_NOTHING || rc == CURLE_WEIRD_SERVER_REPLY || rc == CURLE_RECV_ERROR ||
        rc == CURLE_SEND_ERROR || rc == CURLE_PARTIAL_FILE)
        return Failure{Failure::Kind::kBadReply, 0,
                       "Xend has probably crashed!  Invalid or missing HTTP status code."};
    if (rc != CURLE_OK)
        return Failure{Failure::Kind::kBadReply, 0, cat("Error: talking to xend failed: ", curl_easy_strerror(rc), ".")};

    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (status == 403) {
        std::string why = first_line(reply.body);
        return Failure{Failure::Kind::kBadReply, 0,
                       cat("Error: xend refused the request: ", why.empty() ? reason_phrase(reply.status_line) : why)};
    }
    if (status != 200)
        return Failure{Failure::Kind::kBadReply, 0,
                       cat("Xend has probably crashed!  ProtocolError(", status, ", ", reason_phrase(reply.status_line),
                           ").")};
    return std::move(reply.body);
}

Expected<rpc::Value> XendClient::call(std::string_view method, std::vector<rpc::Value> params) {
    auto body = rpc::encode_call({std::string(method), std::move(params)});
    if (!body) return Failure::plain(body.error().message);
    auto reply = post(*body);
    if (!reply) return std::move(reply).failure();
    auto response = rpc::decode_response(*reply, {.max_body = kMaxReply});
    if (!response)
        return Failure{Failure::Kind::kBadReply, 0, cat("Error: xend's reply to ", method, " is not valid: ",
                                                        response.error().message)};
    if (response->is_fault()) return Failure::fault(response->fault().code, response->fault().message);
    const rpc::Value& v = response->value();
    // The legacy server answers an unknown method with Xen-API's failure
    // struct instead of a fault (XEND.md 1.2).
    if (const rpc::Value* status = v.find("Status");
        status && status->type() == rpc::Value::Type::kString && status->as_string() == "Failure")
        return Failure::plain(cat("xend does not support the method ", method, "."));
    auto unescaped = rpc::unrepr_string_result(v);
    if (!unescaped)
        return Failure{Failure::Kind::kBadReply, 0,
                       cat("Error: xend's reply to ", method, " is not valid: ", unescaped.error().message)};
    return std::move(*unescaped);
}

Expected<rpc::Sexpr> XendClient::call_sexpr(std::string_view method, std::vector<rpc::Value> params) {
    auto v = call(method, std::move(params));
    if (!v) return std::move(v).failure();
    auto s = rpc::value_to_sexpr(*v);
    if (!s)
        return Failure{Failure::Kind::kBadReply, 0,
                       cat("Error: xend's reply to ", method, " is not an S-expression: ", s.error().message)};
    return std::move(*s);
}

}  // namespace xvm::xm
