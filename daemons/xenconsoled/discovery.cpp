// Finding guests, as Xen's xenconsoled does (XENCONSOLED.md section 3):
// watch @introduceDomain and @releaseDomain (token "domlist"); on each
// event walk the hypervisor's domain list from domid 1: a new domain that
// is not dying gets a console, a dying or vanished one loses it. Each
// console watches its domain's console keys (token "dom<id>") and
// reconnects when they change; a domain whose keys are not written yet
// waits for that watch.
//
// xenstored may restart under us: the consoles stay up, and the store is
// reopened every kStoreRetry until it answers, then the watches are set
// again and the domain list is walked once more.
#include <sys/epoll.h>

#include <charconv>

#include "daemons/xenconsoled/server.h"
#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm::console {
namespace {

constexpr const char* kDomList = "domlist";

std::string dom_path(DomId dom) { return cat("/local/domain/", dom); }
std::string console_path(DomId dom) { return cat(dom_path(dom), "/console"); }
std::string dom_token(DomId dom) { return cat("dom", dom); }

std::optional<DomId> token_domain(const std::string& token) {
    if (!token.starts_with("dom") || token == kDomList) return std::nullopt;
    DomId dom = 0;
    auto [end, ec] = std::from_chars(token.data() + 3, token.data() + token.size(), dom);
    if (ec != std::errc() || end != token.data() + token.size()) return std::nullopt;
    return dom;
}

}  // namespace

Status Server::start_discovery() { return open_store(); }

Status Server::open_store() {
    auto store = Store::open(config_.store_socket);
    if (!store) return std::move(store).error();
    store_ = std::move(*store);
    for (const char* special : {"@introduceDomain", "@releaseDomain"})
        if (Status s = store_->watch(special, kDomList); !s) return s;
    for (auto& [dom, c] : consoles_)
        if (Status s = store_->watch(console_path(dom), dom_token(dom)); !s) return s;
    Status s = loop_.add_fd(store_->fd(), EPOLLIN, [this] (std::uint32_t) { return on_store_event(); });
    if (!s) return s;
    arm_store_check();
    rescan();
    return {};
}

Status Server::on_store_event() {
    if (!store_) return {};
    auto events = store_->events();
    if (!events) {
        store_lost(events.error());
        return {};
    }
    bool scan = false;
    for (const WatchEvent& ev : *events) {
        if (ev.token == kDomList) {
            scan = true;
        } else if (auto dom = token_domain(ev.token)) {
            auto it = consoles_.find(*dom);
            if (it != consoles_.end()) connect_domain(*it->second);
        }
    }
    if (scan) rescan();
    return {};
}

// libxenstore's reader thread ends silently when xenstored goes away, so
// the library is asked every kStoreCheck (a local call, no round trip).
void Server::arm_store_check() {
    if (!store_ || store_timer_ != 0) return;
    store_timer_ = loop_.add_timer(kStoreCheck, [this] {
        store_timer_ = 0;
        Status s = on_store_event();
        arm_store_check();
        return s;
    });
}

void Server::store_lost(const Error& why) {
    if (!store_lost_reported_)
        log_warnx(cat(why.message, ": the consoles stay up; reconnecting every ",
                      kStoreRetry.count(), " s"));
    store_lost_reported_ = true;
    if (store_) loop_.remove_fd(store_->fd());
    store_.reset();
    loop_.cancel_timer(store_timer_);
    store_timer_ = loop_.add_timer(kStoreRetry, [this] {
        store_timer_ = 0;
        retry_store();
        return Status();
    });
}

void Server::retry_store() {
    Status s = open_store();
    if (s) {
        log_info(cat("connected to xenstored again at ", config_.store_socket));
        store_lost_reported_ = false;
        return;
    }
    store_lost(s.error());
}

void Server::die(const Error& why) {
    if (fatal_) return;
    fatal_ = why;
    loop_.stop();
}

void Server::rescan() {
    auto list = hv_.domain_list();
    if (!list) return die(list.error().context("cannot list the hypervisor's domains"));
    std::map<DomId, bool> alive;
    for (const DomainInfo& info : *list)
        if (info.domid != kDom0) alive[info.domid] = !info.dying;
    std::vector<DomId> gone;
    for (const auto& [dom, c] : consoles_)
        if (!alive.contains(dom) || !alive[dom]) gone.push_back(dom);
    for (DomId dom : gone) remove_domain(dom);
    for (const auto& [dom, live] : alive)
        if (live && !consoles_.contains(dom)) add_domain(dom);
}

void Server::add_domain(DomId dom) {
    auto c = std::make_unique<GuestConsole>(env_, dom);
    GuestConsole& ref = *c;
    consoles_[dom] = std::move(c);
    log_info(cat("domain ", dom, ": serving its console"));
    if (store_) {
        if (Status s = store_->watch(console_path(dom), dom_token(dom)); !s) log_error(s.error());
    }
    connect_domain(ref);
}

void Server::remove_domain(DomId dom) {
    auto it = consoles_.find(dom);
    if (it == consoles_.end()) return;
    if (store_) {
        // The domain's directory may be gone already; the watch goes anyway.
        (void)store_->unwatch(console_path(dom), dom_token(dom));
    }
    std::uint64_t lost = it->second->discarded();
    log_info(cat("domain ", it->second->label(), ": gone; console closed",
                 lost ? cat(" (", lost, " bytes were discarded on overflow)") : ""));
    it->second->shut_down();
    consoles_.erase(it);
    problems_.erase(dom);
}

// A problem is logged when it first appears and when it changes, not at
// every watch event that finds it again.
void Server::problem(GuestConsole& c, const std::string& text) {
    std::string& last = problems_[c.domid()];
    if (last == text) return;
    last = text;
    log_warnx(cat("domain ", c.label(), ": ", text));
}

void Server::connect_domain(GuestConsole& c) {
    if (!store_) return;
    std::string home = dom_path(c.domid());
    auto read = [&](const std::string& key) -> std::optional<std::string> {
        auto v = store_->read(home + "/" + key);
        if (!v) {
            problem(c, v.error().message);
            return std::nullopt;
        }
        return *v;
    };
    if (auto name = read("name")) c.set_name(name->substr(0, 256));
    RawConsoleKeys raw{read("console/ring-ref"), read("console/port"), read("console/limit"),
                       read("console/type")};
    auto keys = parse_console_keys(raw);
    if (!keys) return problem(c, keys.error().message);
    if (!*keys) return;  // not written yet: the watch fires when they are
    if (!served_type((*keys)->type)) {
        if (c.served()) {
            log_info(cat("domain ", c.label(), ": console/type is ", (*keys)->type,
                         ": left to its device model"));
            c.leave_to((*keys)->type);
        }
        return;
    }
    // Said when the console connects, not at every watch event after.
    if ((*keys)->limit_adjusted && !c.connected())
        log_warnx(cat("domain ", c.label(), ": console/limit '", raw.limit.value_or(""),
                      "' adjusted to ", (*keys)->limit, " bytes (", kMinLimit, "..", kMaxLimit, ")"));
    bool was_connected = c.connected();
    auto tty = c.connect(**keys);
    if (!tty) return problem(c, tty.error().message);
    problems_.erase(c.domid());
    if (*tty) {
        if (Status s = store_->write(home + "/console/tty", **tty); !s) log_error(s.error());
    }
    if (!was_connected)
        log_info(cat("domain ", c.label(), ": console connected (port ", (*keys)->port, ", pty ",
                     tty->value_or("unchanged"), ")"));
}

}  // namespace xvm::console
