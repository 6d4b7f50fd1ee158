#include "daemons/xenstored/transaction.h"

#include <algorithm>

#include "lib/base/format.h"
#include "daemons/xenstored/path.h"

namespace xvm::xs {

// The first access of a node takes a private copy of it as it is then
// (Xen 4.17's access_node(): not a snapshot of when the transaction
// began), so later reads see the same value whatever happens outside;
// the commit fails with EAGAIN if it changed after that first access.
const Node* Transaction::get(std::string_view path) {
    auto it = overlay_.find(path);
    if (it != overlay_.end()) return it->second.node ? &*it->second.node : nullptr;
    const Node* committed = store_.find(path);
    seen_.emplace(std::string(path), committed ? committed->gen : 0);
    auto [at, inserted] = overlay_.try_emplace(std::string(path));
    Entry& e = at->second;
    order_.push_back(&at->first);
    if (committed) {
        e.node = *committed;
        e.first_perms = committed->perms;
    }
    return e.node ? &*e.node : nullptr;
}

// The overlay entry for `path`, copied from the committed node on first
// write; nullptr if the node does not exist in this view.
Transaction::Entry* Transaction::entry_for_write(const std::string& path) {
    if (!get(path)) return nullptr;
    return &overlay_.find(path)->second;
}

Status Transaction::put(const std::string& path, std::string_view value, const Perms& perms) {
    if (Entry* e = entry_for_write(path)) {
        e->node->value.assign(value);
        e->node->perms = perms;
        e->modified = true;
        return {};
    }
    Entry* parent = path == "/" ? nullptr : entry_for_write(std::string(parent_of(path)));
    if (!parent) return make_error(cat("no parent for ", path), ENOENT);
    parent->node->children.emplace_back(base_name(path));
    auto [at, inserted] = overlay_.try_emplace(path);
    if (inserted) order_.push_back(&at->first);
    Entry& e = at->second;
    e.node = Node{std::string(value), perms, {}, 0};
    e.modified = true;
    if (!e.first_perms) e.first_perms = perms;
    if (!perms.empty()) created_[perms[0].dom]++;
    return {};
}

void Transaction::remove_entry(const std::string& path, const RemovedFn& removed) {
    Entry* e = entry_for_write(path);
    if (!e) return;
    std::vector<std::string> children = e->node->children;
    for (const std::string& name : children) remove_entry(child_path(path, name), removed);
    e = &overlay_[path];
    if (removed) removed(path, e->node->perms);
    e->node.reset();
    e->modified = true;
}

Status Transaction::remove(const std::string& path, const RemovedFn& removed) {
    if (path == "/" || !get(path)) return make_error(cat("cannot remove ", path), EINVAL);
    if (Entry* parent = entry_for_write(std::string(parent_of(path)))) {
        auto& kids = parent->node->children;
        auto k = std::find(kids.begin(), kids.end(), base_name(path));
        if (k != kids.end()) kids.erase(k);
    }
    remove_entry(path, removed);
    return {};
}

std::uint32_t Transaction::created_by(DomainId dom) const {
    auto it = created_.find(dom);
    return it == created_.end() ? 0 : it->second;
}

bool Transaction::conflicts() const {
    if (doomed_) return true;
    for (const auto& [path, gen] : seen_) {
        const Node* now = store_.find(path);
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

Status Transaction::commit(std::vector<Event>& events) {
    if (conflicts()) return make_error("transaction conflict", EAGAIN);
    for (auto& [path, e] : overlay_) {
        if (!e.modified) continue;
        if (!e.node) {
            // Below an already removed node it is gone with its ancestor.
            if (store_.find(path)) {
                Status s = store_.remove(path, nullptr);
                if (!s) return s;
            }
            continue;
        }
        Status s = store_.put(path, e.node->value, e.node->perms);
        if (!s) return s;
    }
    events.clear();
    for (const std::string* path : order_) {
        const Entry& e = overlay_.find(*path)->second;
        if (e.fire) events.push_back(Event{path, e.exact, e.first_perms ? &*e.first_perms : nullptr});
    }
    return {};
}

}  // namespace xvm::xs
