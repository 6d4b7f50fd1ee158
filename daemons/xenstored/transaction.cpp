#include "daemons/xenstored/transaction.h"

#include <algorithm>

#include "daemons/xenstored/path.h"
#include "lib/base/format.h"

namespace xvm::xs {

NodeView Transaction::view(const Copy& c) {
    NodeView v;
    v.value = c.value;
    v.perms = c.perms;
    v.gen = c.gen;
    v.names = &c.children;
    return v;
}

// The first access of a node takes a private copy of it as it is then
// (Xen 4.17's access_node(): not a snapshot of when the transaction
// began), so later reads see the same value whatever happens outside;
// the commit fails with EAGAIN if it changed after that first access.
Transaction::Entry& Transaction::access(std::string_view path) {
    auto it = overlay_.find(path);
    if (it != overlay_.end()) return it->second;
    std::optional<NodeView> committed = store_.find(path);
    seen_.emplace(std::string(path), committed ? committed->gen : 0);
    auto [at, inserted] = overlay_.try_emplace(std::string(path));
    Entry& e = at->second;
    order_.push_back(&at->first);
    if (committed) {
        Copy c{std::string(committed->value),
               Perms(committed->perms.begin(), committed->perms.end()), {}, committed->gen};
        committed->for_each_child([&c](std::string_view name) { c.children.emplace_back(name); });
        e.first_perms = c.perms;
        e.node = std::move(c);
    }
    return e;
}

std::optional<NodeView> Transaction::get(std::string_view path) {
    Entry& e = access(path);
    if (!e.node) return std::nullopt;
    return view(*e.node);
}

// The overlay entry for `path`; nullptr if the node does not exist in
// this view.
Transaction::Entry* Transaction::entry_for_write(const std::string& path) {
    Entry& e = access(path);
    return e.node ? &e : nullptr;
}

Status Transaction::put(const std::string& path, std::string_view value,
                        std::span<const Perm> perms) {
    if (Entry* e = entry_for_write(path)) {
        e->node->value.assign(value);
        e->node->perms.assign(perms.begin(), perms.end());
        e->modified = true;
        return {};
    }
    Entry* parent = path == "/" ? nullptr : entry_for_write(std::string(parent_of(path)));
    if (!parent) return make_error(cat("no parent for ", path), ENOENT);
    parent->node->children.emplace_back(base_name(path));
    Entry& e = access(path);
    if (e.modified) e.recreated = true;  // removed earlier in this transaction
    e.node = Copy{std::string(value), Perms(perms.begin(), perms.end()), {}, 0};
    e.modified = true;
    // No first_perms: as in Xen, a node the transaction first saw absent
    // has no recorded permissions (its event needs it to exist at commit).
    created_[perms[0].dom]++;
    return {};
}

void Transaction::remove_entry(const std::string& path, const RemovedFn& removed,
                               const std::vector<std::string>* only) {
    Entry* e = entry_for_write(path);
    if (!e) return;
    std::vector<std::string> children = e->node->children;
    for (const std::string& name : children) remove_entry(child_path(path, name), removed, only);
    e = &overlay_.find(path)->second;
    if (removed && (!only || std::find(only->begin(), only->end(), path) != only->end()))
        removed(path, e->node->perms);
    e->node.reset();
    e->modified = true;
}

Status Transaction::remove(const std::string& path, const RemovedFn& removed,
                           const std::vector<std::string>* only) {
    if (path == "/" || !get(path)) return make_error(cat("cannot remove ", path), EINVAL);
    if (Entry* parent = entry_for_write(std::string(parent_of(path)))) {
        auto& kids = parent->node->children;
        auto k = std::find(kids.begin(), kids.end(), base_name(path));
        if (k != kids.end()) kids.erase(k);
    }
    remove_entry(path, removed, only);
    return {};
}

std::uint32_t Transaction::created_by(DomainId dom) const {
    auto it = created_.find(dom);
    return it == created_.end() ? 0 : it->second;
}

bool Transaction::conflicts() const {
    if (doomed_) return true;
    for (const auto& [path, gen] : seen_) {
        std::optional<NodeView> now = store_.find(path);
        if ((now ? now->gen : 0) != gen) return true;
    }
    return false;
}

void Transaction::queue_event(const std::string& path, bool exact) {
    auto it = overlay_.find(path);
    if (it == overlay_.end()) return;  // never accessed: nothing changed
    Entry& e = it->second;
    e.exact = e.fire ? (e.exact && exact) : exact;
    e.fire = true;
}

// Creates the children of `parent` (already in the store) that exist only
// here, in the transaction's order, and theirs below them.
Status Transaction::apply_creations(const std::string& parent, const Entry& e) {
    for (const std::string& name : e.node->children) {
        std::string path = child_path(parent, name);
        auto it = overlay_.find(path);
        if (it == overlay_.end() || !it->second.node || store_.find(path)) continue;
        const Copy& c = *it->second.node;
        if (Status s = store_.put(path, c.value, c.perms); !s) return s;
        if (Status s = apply_creations(path, it->second); !s) return s;
    }
    return {};
}

Status Transaction::commit(std::vector<Event>& events) {
    if (conflicts()) return make_error("transaction conflict", EAGAIN);
    // Removals first (below an already removed node it is gone with its
    // ancestor), then changes of nodes the store has, then new nodes.
    // A node removed and made again here is made again in the store too,
    // so it takes its new place at the end of its parent's list.
    for (auto& [path, e] : overlay_)
        if (e.modified && (!e.node || e.recreated) && store_.find(path))
            if (Status s = store_.remove(path, nullptr); !s) return s;
    for (auto& [path, e] : overlay_)
        if (e.modified && e.node && !e.recreated && store_.find(path))
            if (Status s = store_.put(path, e.node->value, e.node->perms); !s) return s;
    for (auto& [path, e] : overlay_)
        if (e.node && store_.find(path))
            if (Status s = apply_creations(path, e); !s) return s;
    events.clear();
    for (const std::string* path : order_) {
        const Entry& e = overlay_.find(*path)->second;
        if (e.fire) events.push_back(Event{path, e.exact, e.first_perms ? &*e.first_perms : nullptr});
    }
    return {};
}

}  // namespace xvm::xs
