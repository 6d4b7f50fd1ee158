// The watch table. A watch fires for a change of its path or any path
// below it, with the changed path as the event path; when a removal takes
// away an ancestor of a watched path, the watch fires with its own path.
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

#include "daemons/xenstored/perms.h"
#include "lib/base/result.h"
#include "daemons/xenstored/store.h"

namespace xvm::xs {

struct Connection;

struct Watch {
    Connection* conn;
    std::string token;
    std::size_t strip;  // leading bytes dropped from event paths (relative watches)
};

// `perms` are the changed node's; nullptr when the node is unknown (a
// watched path below a removed node).
using Deliver = std::function<void(const Watch& w, std::string_view path, const Perms* perms)>;

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
    void fire(std::string_view path, const Perms* perms, const Deliver& deliver) const;
    // After removing `root`: fires watches strictly below it whose own node
    // did not exist (existing ones fired through fire() as they went).
    void fire_below(std::string_view root, const std::function<bool(std::string_view)>& existed,
                    const Deliver& deliver) const;

    std::size_t size() const { return by_path_.size(); }

private:
    std::unordered_multimap<std::string, Watch, StringHash, std::equal_to<>> by_path_;
};

}  // namespace xvm::xs
