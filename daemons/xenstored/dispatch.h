// The request dispatcher: one handler per xs_wire request type, chosen
// from a table that is checked complete at compile time. A handler gets a
// well-framed message and appends exactly one reply (or an XS_ERROR with
// Xen's errno name) to the connection's output; watch events it causes are
// queued through Context::deliver. Nothing here does I/O: the caller
// commits the store and flushes output after a batch of requests.
#pragma once

#include <cstdint>
#include <string>

#include "daemons/xenstored/config.h"
#include "daemons/xenstored/connection.h"
#include "daemons/xenstored/store.h"
#include "daemons/xenstored/watch.h"
#include "lib/xen/xs_wire.h"

namespace xvm::xs {

// What handlers reach beyond the store: the domain table and the daemon.
class Services {
public:
    virtual ~Services() = default;
    virtual Status introduce(DomainId dom, std::uint64_t mfn, std::uint32_t port) = 0;
    virtual Status release(DomainId dom) = 0;
    virtual Status resume(DomainId dom) = 0;
    virtual bool introduced(DomainId dom) const = 0;
    virtual Status set_target(DomainId dom, DomainId target) = 0;
    virtual void set_trace(bool on) = 0;
    virtual std::string describe() const = 0;  // CONTROL "quota"/"check" detail
};

struct Context {
    Store& store;
    WatchTable& watches;
    const Quotas& quotas;
    Services& services;
    Deliver deliver;  // queue one watch event
};

void dispatch(Context& ctx, Connection& conn, const XsMessage& msg);

// Fires the watches for a committed change of `path` (exact: only those on
// the path itself, for nodes removed below a removal's root). `old` are the
// node's permissions before the change where they matter (SET_PERMS, a
// transaction's nodes); the node's and its parent's come from the store.
void fire_changed(Context& ctx, std::string_view path, const Perms* old, bool exact = false);
void fire_special(Context& ctx, std::string_view name);

}  // namespace xvm::xs
