#include "daemons/xenstored/watch.h"

#include <algorithm>

#include "lib/base/format.h"
#include "daemons/xenstored/path.h"

namespace xvm::xs {

Status WatchTable::add(Connection* conn, const std::string& path, std::string_view token,
                       std::size_t strip) {
    auto [first, last] = by_path_.equal_range(path);
    for (auto it = first; it != last; ++it)
        if (it->second.conn == conn && it->second.token == token)
            return make_error(cat("watch ", path, " exists"), EEXIST);
    by_path_.emplace(path, Watch{conn, std::string(token), strip, next_seq_++});
    return {};
}

Status WatchTable::remove(Connection* conn, std::string_view path, std::string_view token) {
    auto [first, last] = by_path_.equal_range(path);
    for (auto it = first; it != last; ++it) {
        if (it->second.conn == conn && it->second.token == token) {
            by_path_.erase(it);
            return {};
        }
    }
    return make_error(cat("no watch ", path), ENOENT);
}

void WatchTable::remove_all(Connection* conn,
                            const std::vector<std::pair<std::string, std::string>>& watches) {
    for (const auto& [path, token] : watches) (void)remove(conn, path, token);
}

void WatchTable::fire(std::string_view path, const EventPerms& perms,
                      const Deliver& deliver) const {
    if (by_path_.empty()) return;
    // Special events match only watches on exactly that name. Matches are
    // delivered in registration order, as Xen walks each connection's
    // watch list (a connection watching both /a and /a/b sees them so).
    std::vector<const Watch*> hits;
    std::string_view at = path;
    while (true) {
        auto [first, last] = by_path_.equal_range(at);
        for (auto it = first; it != last; ++it) hits.push_back(&it->second);
        if (at == "/" || is_special(at)) break;
        at = parent_of(at);
    }
    if (hits.size() > 1)
        std::sort(hits.begin(), hits.end(),
                  [](const Watch* a, const Watch* b) { return a->seq < b->seq; });
    for (const Watch* w : hits) deliver(*w, path, perms);
}

void WatchTable::fire_exact(std::string_view path, const EventPerms& perms,
                            const Deliver& deliver) const {
    if (by_path_.empty()) return;
    std::vector<const Watch*> hits;
    auto [first, last] = by_path_.equal_range(path);
    for (auto it = first; it != last; ++it) hits.push_back(&it->second);
    if (hits.size() > 1)
        std::sort(hits.begin(), hits.end(),
                  [](const Watch* a, const Watch* b) { return a->seq < b->seq; });
    for (const Watch* w : hits) deliver(*w, path, perms);
}

}  // namespace xvm::xs
