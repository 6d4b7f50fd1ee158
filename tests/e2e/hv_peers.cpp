#include "tests/e2e/hv_peers.h"

#include "lib/base/format.h"

namespace xvm::test {

Result<ConsolePeer> ConsolePeer::attach(Hypervisor& hv, DomId dom) {
    auto info = hv.domain_info(dom);
    if (!info) return std::move(info).error();
    auto page = hv.map_console_page(dom);
    if (!page) return std::move(page).error();
    auto ch = hv.evtchn_bind_interdomain(dom, info->console_port);
    if (!ch) return std::move(ch).error();
    ConsolePeer peer;
    peer.page_ = std::move(*page);
    peer.channel_ = std::move(*ch);
    return peer;
}

bool ConsolePeer::pump() {
    (void)channel_->ack();
    Ring out = console_output(static_cast<xencons_interface*>(page_.data()));
    char buf[2048];
    bool any = false;
    for (;;) {
        auto n = out.read(buf);
        if (!n || *n == 0) break;
        any = true;
        bytes_ += *n;
        if (keep_text_) text_.append(buf, *n);
    }
    if (any) (void)channel_->notify();  // room again: the guest may go on
    return any;
}

void ConsolePeer::type(const std::string& text) {
    Ring in = console_input(static_cast<xencons_interface*>(page_.data()));
    (void)in.write(text);
    (void)channel_->notify();
}

Result<XenstorePeer> XenstorePeer::attach(Hypervisor& hv, DomId dom) {
    auto info = hv.domain_info(dom);
    if (!info) return std::move(info).error();
    auto page = hv.map_xenstore_page(dom);
    if (!page) return std::move(page).error();
    auto ch = hv.evtchn_bind_interdomain(dom, info->store_port);
    if (!ch) return std::move(ch).error();
    XenstorePeer peer;
    peer.dom_ = dom;
    peer.page_ = std::move(*page);
    peer.channel_ = std::move(*ch);
    return peer;
}

void XenstorePeer::reply(std::uint32_t type, std::uint32_t req_id, const std::string& payload) {
    xs_append(out_, type, req_id, 0, payload);
}

void XenstorePeer::set(const std::string& path, const std::string& value) {
    store_[path] = value;
    for (const auto& [watched, token] : watches_)
        if (watched == path) reply(XS_WATCH_EVENT, 0, path + '\0' + token + '\0');
    (void)pump();
}

void XenstorePeer::handle(const XsMessage& m) {
    seen_.emplace_back(xs_type_name(m.header.type));
    auto parts = xs_split(m.payload);
    std::uint32_t id = m.header.req_id;
    switch (m.header.type) {
        case XS_GET_DOMAIN_PATH:
            reply(XS_GET_DOMAIN_PATH, id, cat("/local/domain/", dom_) + '\0');
            break;
        case XS_WRITE: {
            std::string path(parts.empty() ? "" : parts[0]);
            std::string value(parts.size() > 1 ? parts[1] : "");
            store_[path] = value;
            reply(XS_WRITE, id, std::string("OK") + '\0');
            break;
        }
        case XS_READ: {
            auto it = store_.find(std::string(parts.empty() ? "" : parts[0]));
            if (it == store_.end())
                xs_append_error(out_, id, 0, ENOENT);
            else
                reply(XS_READ, id, it->second);
            break;
        }
        case XS_WATCH: {
            std::string path(parts.empty() ? "" : parts[0]);
            std::string token(parts.size() > 1 ? parts[1] : "");
            watches_.emplace_back(path, token);
            reply(XS_WATCH, id, std::string("OK") + '\0');
            reply(XS_WATCH_EVENT, 0, path + '\0' + token + '\0');  // fires on registration
            break;
        }
        default:
            xs_append_error(out_, id, 0, EINVAL);
    }
}

bool XenstorePeer::pump() {
    (void)channel_->ack();
    auto* intf = static_cast<xenstore_domain_interface*>(page_.data());
    Ring req = xenstore_requests(intf);
    char buf[XENSTORE_RING_SIZE];
    auto n = req.read(buf);
    if (!n) return false;
    if (*n > 0) in_.append(buf, *n);
    for (;;) {
        auto msg = xs_parse(in_);
        if (!msg) return false;
        if (!*msg) break;
        handle(**msg);
        in_.erase(0, (*msg)->wire_size());
    }
    Ring rsp = xenstore_responses(intf);
    auto w = rsp.write(out_);
    if (!w) return false;
    out_.erase(0, *w);
    if (*n > 0 || *w > 0) (void)channel_->notify();
    return true;
}

}  // namespace xvm::test
