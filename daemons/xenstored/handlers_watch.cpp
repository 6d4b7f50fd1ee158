// Handlers for watches and transactions: WATCH, UNWATCH, RESET_WATCHES,
// TRANSACTION_START, TRANSACTION_END.
#include <algorithm>

#include "lib/base/format.h"
#include "daemons/xenstored/path.h"
#include "daemons/xenstored/request.h"

namespace xvm::xs {
namespace {

// Bytes to strip from event paths of a relative watch: "/local/domain/N/".
std::size_t strip_for(const Request& r, std::string_view raw) {
    if (raw.empty() || raw[0] == '/' || raw[0] == '@') return 0;
    return domain_path(r.conn.caller.dom).size() + 1;
}

}  // namespace

// Xen 4.17 takes exactly two strings (path, token) for WATCH and UNWATCH.
int do_watch(Request& r) {
    auto args = string_args(r.msg.payload, 2);
    if (!args) return EINVAL;
    std::string_view raw = (*args)[0], token = (*args)[1];
    auto path = path_arg(r, raw, true);
    if (!path) return EINVAL;
    if (r.quota_applies() &&
        r.conn.watches.size() >= (r.caller().user ? r.ctx.quotas.user_watches : r.ctx.quotas.watches))
        return E2BIG;
    Status s = r.ctx.watches.add(&r.conn, *path, token, strip_for(r, raw));
    if (!s) return s.error().code;
    r.conn.watches.emplace_back(*path, token);
    r.ok();
    // A new watch fires once at once, with the path as the client gave it.
    std::string ev(raw);
    ev += '\0';
    ev.append(token);
    ev += '\0';
    xs_append(r.conn.out, XS_WATCH_EVENT, 0, 0, ev);
    return 0;
}

int do_unwatch(Request& r) {
    auto args = string_args(r.msg.payload, 2);
    if (!args) return EINVAL;
    auto path = path_arg(r, (*args)[0], true);
    if (!path) return EINVAL;
    std::string_view token = (*args)[1];
    Status s = r.ctx.watches.remove(&r.conn, *path, token);
    if (!s) return s.error().code;
    auto& w = r.conn.watches;
    auto it = std::find_if(w.begin(), w.end(),
                           [&](const auto& e) { return e.first == *path && e.second == token; });
    if (it != w.end()) w.erase(it);
    r.ok();
    return 0;
}

int do_reset_watches(Request& r) {
    r.ctx.watches.remove_all(&r.conn, r.conn.watches);
    r.conn.watches.clear();
    r.conn.transactions.clear();
    r.ok();
    return 0;
}

int do_transaction_start(Request& r) {
    if (r.msg.header.tx_id != 0) return EBUSY;
    if (r.quota_applies() &&
        r.conn.transactions.size() >=
            (r.caller().user ? r.ctx.quotas.user_transactions : r.ctx.quotas.transactions))
        return ENOSPC;
    std::uint32_t id = r.conn.next_tx;
    while (id == 0 || r.conn.transactions.contains(id)) ++id;
    r.conn.next_tx = id + 1;
    r.conn.transactions.emplace(id, std::make_unique<Transaction>(r.ctx.store, id));
    std::string out = std::to_string(id);
    out += '\0';
    r.reply(out);
    return 0;
}

int do_transaction_end(Request& r) {
    // Xen checks the argument first, then whether there is a transaction.
    auto args = string_args(r.msg.payload, 1);
    if (!args || ((*args)[0] != "T" && (*args)[0] != "F")) return EINVAL;
    if (!r.tx) return ENOENT;
    auto owned = std::move(r.conn.transactions[r.tx->id()]);
    r.conn.transactions.erase(r.tx->id());
    if ((*args)[0] == "T") {
        std::vector<Transaction::Event> events;
        Status s = owned->commit(events);
        if (!s) return s.error().code;
        for (const Transaction::Event& e : events) fire_changed(r.ctx, *e.path, e.old, e.exact);
    }
    r.ok();
    return 0;
}

}  // namespace xvm::xs
