#include "daemons/xenstored/dispatch.h"

#include <array>
#include <charconv>

#include "lib/base/log.h"
#include "daemons/xenstored/path.h"
#include "daemons/xenstored/request.h"

namespace xvm::xs {
namespace {

// A handler returns 0 after replying, or an errno for dispatch() to send.
using Handler = int (*)(Request&);

enum Flags : unsigned {
    kNone = 0,
    kModifies = 1,    // refused with EROFS on socket_ro
    kNoTx = 2,        // tx_id is ignored (watches, domain control)
    kPrivileged = 4,  // dom0 only: EACCES for guests
};

struct Op {
    Handler handler = nullptr;
    unsigned flags = kNone;
    bool defined = false;  // (comparing function addresses is not constant under ASan)
};

int do_invalid(Request&) { return EINVAL; }

constexpr std::array<Op, XS_TYPE_COUNT> kOps = [] {
    std::array<Op, XS_TYPE_COUNT> ops{};
    ops[XS_CONTROL] = {do_control, kModifies | kNoTx | kPrivileged, true};
    ops[XS_DIRECTORY] = {do_directory, kNone, true};
    ops[XS_READ] = {do_read, kNone, true};
    ops[XS_GET_PERMS] = {do_get_perms, kNone, true};
    ops[XS_WATCH] = {do_watch, kNoTx, true};
    ops[XS_UNWATCH] = {do_unwatch, kNoTx, true};
    ops[XS_TRANSACTION_START] = {do_transaction_start, kNone, true};
    ops[XS_TRANSACTION_END] = {do_transaction_end, kNone, true};
    ops[XS_INTRODUCE] = {do_introduce, kModifies | kNoTx | kPrivileged, true};
    ops[XS_RELEASE] = {do_release, kModifies | kNoTx | kPrivileged, true};
    ops[XS_GET_DOMAIN_PATH] = {do_get_domain_path, kNoTx, true};
    ops[XS_WRITE] = {do_write, kModifies, true};
    ops[XS_MKDIR] = {do_mkdir, kModifies, true};
    ops[XS_RM] = {do_rm, kModifies, true};
    ops[XS_SET_PERMS] = {do_set_perms, kModifies, true};
    ops[XS_WATCH_EVENT] = {do_invalid, kNoTx, true};  // server-to-client only
    ops[XS_ERROR] = {do_invalid, kNoTx, true};        // server-to-client only
    ops[XS_IS_DOMAIN_INTRODUCED] = {do_is_domain_introduced, kNoTx, true};
    ops[XS_RESUME] = {do_resume, kModifies | kNoTx | kPrivileged, true};
    ops[XS_SET_TARGET] = {do_set_target, kModifies | kNoTx | kPrivileged, true};
    ops[XS_SET_TARGET + 1] = {do_invalid, kNoTx, true};  // RESTRICT, removed from Xen
    ops[XS_RESET_WATCHES] = {do_reset_watches, kNoTx, true};
    ops[XS_DIRECTORY_PART] = {do_directory_part, kNone, true};
    return ops;
}();

static_assert([] {
    for (const Op& op : kOps)
        if (!op.defined) return false;
    return true;
}(), "every xs_wire request type needs a handler");

}  // namespace

void dispatch(Context& ctx, Connection& conn, const XsMessage& msg) {
    Request r{ctx, conn, msg};
    std::uint32_t type = msg.header.type;
    if (type >= kOps.size()) {
        r.error(EINVAL);
        return;
    }
    const Op& op = kOps[type];
    int err = 0;
    if ((op.flags & kModifies) && conn.read_only) {
        err = EROFS;
    } else if ((op.flags & kPrivileged) && !conn.caller.privileged) {
        err = EACCES;
    } else if (!(op.flags & kNoTx) && msg.header.tx_id != 0) {
        auto it = conn.transactions.find(msg.header.tx_id);
        if (it == conn.transactions.end()) err = ENOENT;
        else r.tx = it->second.get();
    }
    if (conn.caller.user) ctx.store.set_creator(conn.caller.uid);
    if (err == 0) err = op.handler(r);
    ctx.store.set_creator(std::nullopt);
    if (err != 0) r.error(err);
}

Result<std::vector<std::string_view>> string_args(std::string_view payload, std::size_t n,
                                                  bool at_least) {
    if (payload.empty() || payload.back() != '\0')
        return make_error("argument without its NUL", EINVAL);
    std::vector<std::string_view> args = xs_split(payload);
    if (args.size() < n || (!at_least && args.size() != n))
        return make_error("wrong number of arguments", EINVAL);
    return args;
}

Result<std::string> path_arg(Request& r, std::string_view raw, bool allow_special) {
    return canonical_path(r.conn.caller.dom, raw, allow_special);
}

Result<std::string> one_path_arg(Request& r, bool allow_special) {
    auto args = string_args(r.msg.payload, 1);
    if (!args) return std::move(args).error();
    return path_arg(r, (*args)[0], allow_special);
}

Result<DomainId> one_domid_arg(Request& r) {
    auto args = string_args(r.msg.payload, 1);
    if (!args) return std::move(args).error();
    return domid_arg((*args)[0]);
}

Result<const Node*> lookup(Request& r, const std::string& path, std::uint8_t want) {
    Tree& tree = r.tree();
    const Node* node = tree.get(path);
    if (node) {
        if ((perms_for(r.caller(), node->perms) & want) != want)
            return make_error("permission denied", EACCES);
        return node;
    }
    // A caller that cannot read the nearest existing ancestor must not
    // learn whether the node exists.
    std::string_view at = path;
    while (at != "/") {
        at = parent_of(at);
        if (const Node* up = tree.get(at)) {
            if (!(perms_for(r.caller(), up->perms) & kPermRead))
                return make_error("permission denied", EACCES);
            break;
        }
    }
    return make_error("no such node", ENOENT);
}

Result<DomainId> domid_arg(std::string_view text) {
    DomainId dom = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), dom);
    if (ec != std::errc() || end != text.data() + text.size() || dom > 0xffff)
        return make_error("bad domain id", EINVAL);
    return dom;
}

void fire_changed(Context& ctx, std::string_view path, const Perms* old, bool exact) {
    EventPerms perms{old, nullptr, nullptr};
    if (const Node* node = ctx.store.find(path)) perms.node = &node->perms;
    if (path != "/")
        if (const Node* parent = ctx.store.find(parent_of(path))) perms.parent = &parent->perms;
    if (exact) ctx.watches.fire_exact(path, perms, ctx.deliver);
    else ctx.watches.fire(path, perms, ctx.deliver);
}

void fire_special(Context& ctx, std::string_view name) {
    EventPerms perms{nullptr, ctx.store.special_perms(name), nullptr};
    ctx.watches.fire(name, perms, ctx.deliver);
}

}  // namespace xvm::xs
