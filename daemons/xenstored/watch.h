// The watch table, with Xen 4.17's firing rules (Xen's tools/xenstore/
// xenstored_watch.c fire_watches, xenstored_core.c delnode_sub):
//  - a change of a node fires every watch on that path or an ancestor of
//    it, with the changed path as the event path (fire);
//  - a removal fires like a change for the removed subtree's root, and
//    for every node removed below it only the watches on exactly that
//    node (fire_exact) - one event per watch, not one per removed node;
//  - a watch below a removed node whose own node never existed does not
//    fire;
//  - implicitly created parents fire nothing of their own: the write fires
//    for the path written, which every ancestor watch sees.
// Watches are found by walking the event path's ancestors, so firing costs
// the path's depth, not the number of watches. Permission filtering and
// queueing are the caller's (the Deliver function), keeping this table
// free of connection details.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemons/xenstored/perms.h"
#include "lib/base/result.h"
#include "daemons/xenstored/store.h"

namespace xvm::xs {

struct Connection;

struct Watch {
    Connection* conn;
    std::string token;
    std::size_t strip;  // leading bytes dropped from event paths (relative watches)
    std::uint64_t seq = 0;  // registration order: a connection's events come in it (Xen's list)
};

// What decides whether a watcher may see an event (Xen's watch_permitted):
// it may when it can read the node's permissions before the change, the
// node as it is now, or its parent - a readable parent lists the name
// anyway. All null: a special event without recorded permissions.
struct EventPerms {
    const Perms* old = nullptr;
    const Perms* node = nullptr;
    const Perms* parent = nullptr;
};

using Deliver = std::function<void(const Watch& w, std::string_view path, const EventPerms& perms)>;

class WatchTable {
public:
    // EEXIST if `conn` already watches `path` with `token`.
    Status add(Connection* conn, const std::string& path, std::string_view token,
               std::size_t strip);
    // ENOENT if there is no such watch.
    Status remove(Connection* conn, std::string_view path, std::string_view token);
    void remove_all(Connection* conn,
                    const std::vector<std::pair<std::string, std::string>>& watches);

    // Fires every watch on `path` or above it.
    void fire(std::string_view path, const EventPerms& perms, const Deliver& deliver) const;
    // Fires only the watches on exactly `path`.
    void fire_exact(std::string_view path, const EventPerms& perms, const Deliver& deliver) const;

    std::size_t size() const { return by_path_.size(); }

private:
    std::unordered_multimap<std::string, Watch, StringHash, std::equal_to<>> by_path_;
    std::uint64_t next_seq_ = 1;
};

}  // namespace xvm::xs
