// The store's changes in memory: each one applied to the tree, recorded
// for undo (rollback) and for redo (the journal record of the commit), and
// noted for the next merge. Loading, commit, merge and check are in
// store_files.cpp.
#include "daemons/xenstored/store.h"

#include <algorithm>
#include <cstring>

#include "daemons/xenstored/path.h"
#include "daemons/xenstored/store_ops.h"
#include "lib/base/format.h"

namespace xvm::xs {

Store::Store() = default;

std::optional<NodeView> Store::find(std::string_view path) const {
    NodeId id = tree_.find(path);
    if (id == kNoNode) return std::nullopt;
    return NodeView{tree_.value(id), tree_.perms(id), tree_.gen(id), &tree_, id, nullptr};
}

void Store::count_owner(std::span<const Perm> perms, int delta) {
    owned_[perms[0].dom] += delta;
}

std::uint32_t Store::owned_by(DomainId dom) const {
    auto it = owned_.find(dom);
    return it == owned_.end() ? 0 : it->second;
}

std::uint32_t Store::created_by_user(std::uint32_t uid) const {
    auto it = user_count_.find(uid);
    return it == user_count_.end() ? 0 : it->second;
}

void Store::mark_dirty(NodeId id) {
    if (tree_.marked(id)) return;
    tree_.set_marked(id, true);
    dirty_.push_back(id);
}

// A child was added or removed: the parent's list changed.
void Store::touch_parent(NodeId parent) {
    undo_.push_back(Undo{Undo::kGen, parent, tree_.gen(parent), {}, {}, 0, {}});
    tree_.set_gen(parent, next_gen());
}

void Store::redo_put(std::string_view path, std::span<const Perm> perms, std::string_view value) {
    ops::put(redo_, path, perms, value);
}

void Store::redo_remove(std::string_view path) { ops::remove(redo_, path); }

Status Store::put(const std::string& path, std::string_view value, std::span<const Perm> perms) {
    if (perms.empty()) return make_error(cat("no permissions for ", path), EINVAL);
    NodeId id = tree_.find(path);
    if (id != kNoNode) {
        std::span<const Perm> old = tree_.perms(id);
        undo_.push_back(Undo{Undo::kChanged, id, tree_.gen(id), std::string(tree_.value(id)),
                             Perms(old.begin(), old.end()), 0, {}});
        if (old[0].dom != perms[0].dom) {
            count_owner(old, -1);
            count_owner(perms, 1);
        }
        tree_.set(id, perms, value);
        tree_.set_gen(id, next_gen());
    } else {
        NodeId parent = tree_.find(parent_of(path));
        if (parent == kNoNode) return make_error(cat("no parent for ", path), ENOENT);
        id = tree_.create(parent, base_name(path), perms, value);
        tree_.set_gen(id, next_gen());
        undo_.push_back(Undo{Undo::kCreated, id, 0, {}, {}, 0, {}});
        touch_parent(parent);
        count_owner(perms, 1);
        if (creator_) {
            tree_.set_creator(id, *creator_);
            ++user_count_[*creator_];
        }
    }
    mark_dirty(id);
    redo_put(path, perms, value);
    return {};
}

// Counts a subtree's nodes in or out of the owner and user tallies;
// returns how many there are. (The owner of most nodes is the owner of
// the one before: counted locally, then added once.)
std::size_t Store::count_subtree(NodeId id, int delta) {
    std::size_t count = 0;
    DomainId dom = tree_.perms(id)[0].dom;
    std::int64_t run = 0;
    std::vector<NodeId> stack{id};
    while (!stack.empty()) {
        NodeId n = stack.back();
        stack.pop_back();
        ++count;
        DomainId owner = tree_.perms(n)[0].dom;
        if (owner != dom) {
            owned_[dom] += static_cast<std::uint32_t>(run);
            dom = owner;
            run = 0;
        }
        run += delta;
        if (tree_.has_creator(n)) {
            std::uint32_t& c = user_count_[tree_.creator(n)];
            c += delta;
            if (c == 0) user_count_.erase(tree_.creator(n));
        }
        for (NodeId c = tree_.first_child(n); c != kNoNode; c = tree_.next_sibling(c))
            stack.push_back(c);
    }
    owned_[dom] += static_cast<std::uint32_t>(run);
    return count;
}

// Children first; `path` is the node's path on entry and on return.
// Reports every node, or with `hits` only those; records every path for
// the merge when `record`.
void Store::remove_walk(NodeId id, std::string& path, const RemovedFn& removed,
                        const std::vector<NodeId>* hits, bool record) {
    for (NodeId c = tree_.first_child(id); c != kNoNode; c = tree_.next_sibling(c)) {
        std::size_t len = path.size();
        if (path != "/") path += '/';
        path.append(tree_.name(c));
        remove_walk(c, path, removed, hits, record);
        path.resize(len);
    }
    if (removed && (!hits || std::find(hits->begin(), hits->end(), id) != hits->end()))
        removed(path, tree_.perms(id));
    if (record) deleted_.push_back(path);
}

// The same order without building paths: for a few reported nodes in a
// subtree too large to spell out.
void Store::report_walk(NodeId id, const RemovedFn& removed, const std::vector<NodeId>& hits) {
    for (NodeId c = tree_.first_child(id); c != kNoNode; c = tree_.next_sibling(c))
        report_walk(c, removed, hits);
    if (std::find(hits.begin(), hits.end(), id) != hits.end()) removed(tree_.path(id), tree_.perms(id));
}

Status Store::remove(const std::string& path, const RemovedFn& removed,
                     const std::vector<std::string>* only) {
    NodeId id = tree_.find(path);
    if (id == kNoNode || id == tree_.root()) return make_error(cat("cannot remove ", path), EINVAL);
    std::size_t before = tree_.size();
    std::size_t count = count_subtree(id, -1);
    // The tdb loses the subtree's records at the next merge: one by one,
    // or by a rebuild when most of the store goes (cheaper than deleting).
    removed_since_merge_ += count;
    if (!rebuild_ && removed_since_merge_ > 4096 && removed_since_merge_ > (before - count) / 2) {
        rebuild_ = true;
        deleted_.clear();
        deleted_.shrink_to_fit();
        deleted_committed_ = 0;
    }
    bool record = !rebuild_;
    std::vector<NodeId> hits;
    if (removed && only)
        for (const std::string& p : *only)
            if (NodeId hit = tree_.find(p); hit != kNoNode && is_child_of(p, path)) hits.push_back(hit);
    if (record || (removed && !only)) {
        std::string at = path;
        remove_walk(id, at, removed, only ? &hits : nullptr, record);
    } else if (removed && !hits.empty()) {
        report_walk(id, removed, hits);
    }
    NodeId parent = tree_.parent(id);
    tree_.detach(id);
    undo_.push_back(Undo{Undo::kRemoved, id, 0, {}, {}, 0, {}});
    removed_.push_back(id);
    touch_parent(parent);
    redo_remove(path);
    return {};
}

void Store::rollback() {
    for (auto u = undo_.rbegin(); u != undo_.rend(); ++u) undo(*u);
    undo_.clear();
    removed_.clear();
    redo_.clear();
    // Records to delete for removals that did not happen.
    if (deleted_.size() > deleted_committed_) deleted_.resize(deleted_committed_);
}

void Store::undo(Undo& u) {
    switch (u.kind) {
        case Undo::kCreated: {
            NodeId id = u.id;
            count_owner(tree_.perms(id), -1);
            if (tree_.has_creator(id)) {
                std::uint32_t& c = user_count_[tree_.creator(id)];
                if (--c == 0) user_count_.erase(tree_.creator(id));
            }
            tree_.detach(id);
            tree_.destroy(id);
            break;
        }
        case Undo::kChanged:
            if (tree_.perms(u.id)[0].dom != u.perms[0].dom) {
                count_owner(tree_.perms(u.id), -1);
                count_owner(u.perms, 1);
            }
            tree_.set(u.id, u.perms, u.value);
            tree_.set_gen(u.id, u.gen);
            break;
        case Undo::kRemoved:
            tree_.reattach(u.id);
            count_subtree(u.id, 1);
            break;
        case Undo::kGen: tree_.set_gen(u.id, u.gen); break;
        case Undo::kSpecial: specials_[u.value] = std::move(u.perms); break;
        case Undo::kDomain:
            if (u.record) domains_[u.dom] = std::move(*u.record);
            else domains_.erase(u.dom);
            break;
    }
}

const Perms* Store::special_perms(std::string_view path) const {
    auto it = specials_.find(path);
    return it == specials_.end() ? nullptr : &it->second;
}

Status Store::set_special_perms(const std::string& path, const Perms& perms) {
    Perms& slot = specials_[path];
    undo_.push_back(Undo{Undo::kSpecial, kNoNode, 0, path, slot, 0, {}});
    slot = perms;
    dirty_specials_.insert(path);
    ops::special(redo_, path, perms);
    return {};
}

void Store::record_domain_undo(DomainId dom) {
    auto it = domains_.find(dom);
    Undo u{Undo::kDomain, kNoNode, 0, {}, {}, dom, {}};
    if (it != domains_.end()) u.record = it->second;
    undo_.push_back(std::move(u));
    dirty_domains_.insert(dom);
}

Status Store::put_domain(DomainId dom, std::string_view record) {
    record_domain_undo(dom);
    domains_[dom] = record;
    ops::domain(redo_, dom, record);
    return {};
}

Status Store::remove_domain(DomainId dom) {
    record_domain_undo(dom);
    domains_.erase(dom);
    ops::remove_domain(redo_, dom);
    return {};
}

}  // namespace xvm::xs
