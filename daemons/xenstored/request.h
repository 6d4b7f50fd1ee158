// Internal to the dispatcher: one request being handled, with the helpers
// every handler shares (argument checks, lookups with Xen's errno rules,
// replies). Handlers are grouped by topic in handlers_*.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemons/xenstored/dispatch.h"

namespace xvm::xs {

struct Request {
    Context& ctx;
    Connection& conn;
    const XsMessage& msg;
    Transaction* tx = nullptr;  // the request's transaction, if any

    Tree& tree() { return tx ? static_cast<Tree&>(*tx) : ctx.store; }
    const Caller& caller() const { return conn.caller; }
    // Guests and local users other than root are held to quotas.
    bool quota_applies() const { return !conn.caller.privileged || conn.caller.user; }

    void reply(std::string_view payload) {
        xs_append(conn.out, msg.header.type, msg.header.req_id, msg.header.tx_id, payload);
    }
    void ok() { reply(std::string_view("OK", 3)); }
    void error(int err) { xs_append_error(conn.out, msg.header.req_id, msg.header.tx_id, err); }
};

// A change of `path` by this request: fired now outside a transaction,
// recorded for the commit inside one (Xen's queue_watches).
inline void changed(Request& r, const std::string& path, bool exact = false,
                    const Perms* old = nullptr) {
    if (r.tx) r.tx->queue_event(path, exact);
    else fire_changed(r.ctx, path, old, exact);
}

// The payload's NUL-terminated strings, exactly `n` of them (more when
// `at_least`); EINVAL otherwise. Xen requires every string argument to be
// terminated.
Result<std::vector<std::string_view>> string_args(std::string_view payload, std::size_t n,
                                                  bool at_least = false);
// A canonical path argument for this caller.
Result<std::string> path_arg(Request& r, std::string_view raw, bool allow_special = false);
// The node at `path` if the caller holds `want` on it; ENOENT, or EACCES
// when the caller may not even learn whether it exists.
Result<const Node*> lookup(Request& r, const std::string& path, std::uint8_t want);
// Parses a decimal domain id (0..65535 as Xen accepts them).
Result<DomainId> domid_arg(std::string_view text);
// The request's only argument as a path / a domain id (Xen's onearg()).
Result<std::string> one_path_arg(Request& r, bool allow_special = false);
Result<DomainId> one_domid_arg(Request& r);

// Handlers (the table in dispatch.cpp names them after the wire op).
int do_read(Request& r);
int do_write(Request& r);
int do_mkdir(Request& r);
int do_rm(Request& r);
int do_directory(Request& r);
int do_directory_part(Request& r);
int do_get_perms(Request& r);
int do_set_perms(Request& r);
int do_watch(Request& r);
int do_unwatch(Request& r);
int do_reset_watches(Request& r);
int do_transaction_start(Request& r);
int do_transaction_end(Request& r);
int do_introduce(Request& r);
int do_release(Request& r);
int do_resume(Request& r);
int do_is_domain_introduced(Request& r);
int do_get_domain_path(Request& r);
int do_set_target(Request& r);
int do_control(Request& r);

}  // namespace xvm::xs
