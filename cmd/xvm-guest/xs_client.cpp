#include "cmd/xvm-guest/xs_client.h"

#include <unistd.h>

#include "lib/xen/xs_wire.h"

namespace xvm::guest {

void XsClient::request(std::uint32_t type, std::string_view payload, ReplyFn reply) {
    std::uint32_t id = next_id_++;
    xs_append(out_, type, id, 0, payload);
    pending_.emplace(id, std::move(reply));
}

void XsClient::read(const std::string& path, ReplyFn reply) {
    request(XS_READ, std::string_view(path.c_str(), path.size() + 1), std::move(reply));
}

void XsClient::write(const std::string& path, std::string_view value, ReplyFn reply) {
    std::string payload = path;
    payload.push_back('\0');
    payload.append(value);
    request(XS_WRITE, payload, std::move(reply));
}

void XsClient::watch(const std::string& path, const std::string& token, ReplyFn reply) {
    std::string payload = path;
    payload.push_back('\0');
    payload += token;
    payload.push_back('\0');
    request(XS_WATCH, payload, std::move(reply));
}

void XsClient::notify() {
    const std::uint64_t one = 1;
    // EAGAIN only when the counter is saturated: the peer is told already.
    (void)!::write(notify_fd_, &one, sizeof one);
}

Status XsClient::flush() {
    if (out_.empty()) return {};
    Ring ring = xenstore_requests(page_);
    auto n = ring.write(out_);
    if (!n) return std::move(n).error();
    if (*n > 0) {
        out_.erase(0, *n);
        notify();
    }
    return {};
}

Status XsClient::receive() {
    Ring ring = xenstore_responses(page_);
    char buf[XENSTORE_RING_SIZE];
    auto n = ring.read(buf);
    if (!n) return std::move(n).error();
    if (*n == 0) return {};
    notify();
    in_.append(buf, *n);
    for (;;) {
        auto msg = xs_parse(in_);
        if (!msg) return std::move(msg).error();
        if (!*msg) return {};
        const XsMessage& m = **msg;
        std::string payload(m.payload);
        std::uint32_t type = m.header.type, id = m.header.req_id;
        in_.erase(0, m.wire_size());
        if (type == XS_WATCH_EVENT) {
            auto parts = xs_split(payload);
            if (parts.size() >= 2 && on_watch_) on_watch_(parts[0], parts[1]);
            continue;
        }
        auto it = pending_.find(id);
        if (it == pending_.end()) continue;  // a reply we did not ask for
        ReplyFn fn = std::move(it->second);
        pending_.erase(it);
        if (!fn) continue;
        if (type == XS_ERROR) {
            auto parts = xs_split(payload);
            fn(xs_error_number(parts.empty() ? "EINVAL" : parts[0]), "");
        } else {
            fn(0, payload);
        }
    }
}

Status XsClient::pump() {
    if (Status s = receive(); !s) return s;
    return flush();
}

}  // namespace xvm::guest
