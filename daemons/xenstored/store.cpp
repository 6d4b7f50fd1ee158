#include "daemons/xenstored/store.h"

#include <algorithm>
#include <charconv>

#include "lib/base/format.h"
#include "daemons/xenstored/path.h"

namespace xvm::xs {
namespace {

const Perms kDefaultSpecialPerms{Perm{0, kPermNone}};
constexpr std::string_view kSpecials[] = {"@introduceDomain", "@releaseDomain"};

}  // namespace

Result<std::unique_ptr<Store>> Store::load(std::unique_ptr<TdbFile> tdb) {
    auto store = std::unique_ptr<Store>(new Store(std::move(tdb)));
    for (std::string_view s : kSpecials) store->specials_[std::string(s)] = kDefaultSpecialPerms;
    Status loaded = store->tdb_->for_each([&](std::string_view key, std::string_view value) {
        return store->load_record(key, value);
    });
    if (!loaded) return std::move(loaded).error();
    if (store->nodes_.empty()) {
        Status root = store->put("/", "", Perms{Perm{0, kPermNone}});
        if (!root) return std::move(root).error();
        Status c = store->commit();
        if (!c) return std::move(c).error();
    }
    store->undo_.clear();
    Status linked = store->link_children();
    if (!linked) return std::move(linked).error();
    return store;
}

Status Store::load_record(std::string_view key, std::string_view value) {
    if (key.starts_with(kDomainKeyPrefix)) {
        std::string_view id = key.substr(sizeof kDomainKeyPrefix - 1);
        DomainId dom = 0;
        auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), dom);
        if (ec != std::errc() || end != id.data() + id.size())
            return make_error(cat("store: bad domain record key '", id, "'"), EIO);
        domains_[dom] = value;
        return {};
    }
    Result<NodeRecord> rec = decode_node(value);
    if (!rec) return rec.error().context(cat("store: node ", key));
    if (is_special(key)) {
        specials_[std::string(key)] = rec->perms;
        return {};
    }
    if (key.empty() || key[0] != '/')
        return make_error(cat("store: record with invalid key '", key, "'"), EIO);
    Node& node = nodes_[std::string(key)];
    node.value = rec->value;
    node.perms = std::move(rec->perms);
    node.gen = next_gen();
    count_owner(node.perms, 1);
    return {};
}

// Children are not stored; every node but the root is its parent's child.
Status Store::link_children() {
    if (!nodes_.contains(std::string_view("/"))) return make_error("store: no root node", EIO);
    for (auto& [path, node] : nodes_) {
        if (path == "/") continue;
        auto parent = nodes_.find(parent_of(path));
        if (parent == nodes_.end())
            return make_error(cat("store: node ", path, " has no parent (corrupt store)"), EIO);
        parent->second.children.emplace_back(base_name(path));
    }
    return {};
}

const Node* Store::find(std::string_view path) const {
    auto it = nodes_.find(path);
    return it == nodes_.end() ? nullptr : &it->second;
}

void Store::count_owner(const Perms& perms, int delta) {
    if (perms.empty()) return;
    owned_[perms[0].dom] += delta;
}

std::uint32_t Store::created_by_user(std::uint32_t uid) const {
    auto it = user_count_.find(uid);
    return it == user_count_.end() ? 0 : it->second;
}

void Store::forget_user_node(const std::string& path) {
    if (user_made_.empty()) return;
    auto it = user_made_.find(path);
    if (it == user_made_.end()) return;
    if (--user_count_[it->second] == 0) user_count_.erase(it->second);
    user_made_.erase(it);
}

std::uint32_t Store::owned_by(DomainId dom) const {
    auto it = owned_.find(dom);
    return it == owned_.end() ? 0 : it->second;
}

Status Store::write_record(const std::string& path, const Perms& perms, std::string_view value) {
    scratch_.clear();
    encode_node(scratch_, perms, value);
    return tdb_->store(path, scratch_);
}

Status Store::put(const std::string& path, std::string_view value, const Perms& perms) {
    auto it = nodes_.find(path);
    if (it == nodes_.end()) {
        Node* parent = nullptr;
        if (path != "/") {
            auto p = nodes_.find(parent_of(path));
            if (p == nodes_.end()) return make_error(cat("no parent for ", path), ENOENT);
            parent = &p->second;
        }
        Node fresh{std::string(value), perms, {}, next_gen()};
        Status s = write_record(path, fresh.perms, fresh.value);
        if (!s) return s;
        undo_.push_back(Undo{Undo::kCreated, path, std::nullopt, 0, parent ? parent->gen : 0, {}, {}, {}});
        if (parent) {
            parent->children.emplace_back(base_name(path));
            parent->gen = next_gen();
        }
        count_owner(perms, 1);
        if (creator_) {
            user_made_[path] = *creator_;
            ++user_count_[*creator_];
        }
        nodes_.emplace(path, std::move(fresh));
        return {};
    }
    Node& node = it->second;
    Status s = write_record(path, perms, value);
    if (!s) return s;
    Node before{std::move(node.value), node.perms, {}, node.gen};
    undo_.push_back(Undo{Undo::kChanged, path, std::move(before), 0, 0, {}, {}, {}});
    Perms old = node.perms;
    node.value.assign(value);
    node.perms = perms;
    node.gen = next_gen();
    if (!(old.empty() || perms.empty() || old[0].dom == perms[0].dom)) {
        count_owner(old, -1);
        count_owner(perms, 1);
    }
    return {};
}

// Children first, so each node is reported while its parent still exists
// (Xen's delnode_sub order); the nodes move into the undo log.
void Store::remove_below(const std::string& path, const RemovedFn& removed) {
    auto it = nodes_.find(path);
    if (it == nodes_.end()) return;
    std::vector<std::string> children = it->second.children;
    for (const std::string& name : children) remove_below(child_path(path, name), removed);
    it = nodes_.find(path);
    // tdb errors here surface at commit(), which then fails and rolls back.
    (void)tdb_->remove(path);
    count_owner(it->second.perms, -1);
    if (removed) removed(path, it->second.perms);
    Undo u{Undo::kRemoved, path, std::move(it->second), 0, 0, {}, {}, {}};
    if (auto m = user_made_.find(path); m != user_made_.end()) u.user = m->second;
    forget_user_node(path);
    undo_.push_back(std::move(u));
    nodes_.erase(it);
}

Status Store::remove(const std::string& path, const RemovedFn& removed) {
    auto it = nodes_.find(path);
    if (it == nodes_.end() || path == "/") return make_error(cat("cannot remove ", path), EINVAL);
    auto parent = nodes_.find(parent_of(path));
    std::size_t index = 0;
    std::uint64_t parent_gen = 0;
    if (parent != nodes_.end()) {
        auto& kids = parent->second.children;
        auto k = std::find(kids.begin(), kids.end(), base_name(path));
        index = k - kids.begin();
        if (k != kids.end()) kids.erase(k);
        parent_gen = parent->second.gen;
        parent->second.gen = next_gen();
    }
    remove_below(path, removed);
    // The root of the removal went last: record where its name was.
    undo_.back().index = index;
    undo_.back().parent_gen = parent_gen;
    return {};
}

Status Store::commit() {
    Status s = tdb_->commit();
    if (!s) {
        rollback();
        return s;
    }
    undo_.clear();
    return {};
}

void Store::rollback() {
    tdb_->cancel();
    for (auto u = undo_.rbegin(); u != undo_.rend(); ++u) undo(*u);
    undo_.clear();
}

void Store::undo(Undo& u) {
    auto parent = u.path == "/" || u.kind >= Undo::kSpecial ? nodes_.end()
                                                             : nodes_.find(parent_of(u.path));
    switch (u.kind) {
        case Undo::kCreated: {
            forget_user_node(u.path);
            auto it = nodes_.find(u.path);
            if (it != nodes_.end()) {
                count_owner(it->second.perms, -1);
                nodes_.erase(it);
            }
            if (parent != nodes_.end()) {
                auto& kids = parent->second.children;
                auto k = std::find(kids.begin(), kids.end(), base_name(u.path));
                if (k != kids.end()) kids.erase(k);
                parent->second.gen = u.parent_gen;
            }
            break;
        }
        case Undo::kChanged: {
            Node& node = nodes_.at(u.path);
            count_owner(node.perms, -1);
            node.value = std::move(u.node->value);
            node.perms = std::move(u.node->perms);
            node.gen = u.node->gen;
            count_owner(node.perms, 1);
            break;
        }
        case Undo::kRemoved: {
            count_owner(u.node->perms, 1);
            if (u.user) {
                user_made_[u.path] = *u.user;
                ++user_count_[*u.user];
            }
            nodes_.emplace(u.path, std::move(*u.node));
            // Only a removal's root was unlinked from a surviving parent.
            if (parent != nodes_.end() && u.parent_gen != 0) {
                auto& kids = parent->second.children;
                std::string name(base_name(u.path));
                if (std::find(kids.begin(), kids.end(), name) == kids.end())
                    kids.insert(kids.begin() + std::min(u.index, kids.size()), name);
                parent->second.gen = u.parent_gen;
            }
            break;
        }
        case Undo::kSpecial: specials_[u.path] = std::move(u.perms); break;
        case Undo::kDomain: {
            DomainId dom = static_cast<DomainId>(u.index);
            if (u.record) domains_[dom] = std::move(*u.record);
            else domains_.erase(dom);
            break;
        }
    }
}

const Perms* Store::special_perms(std::string_view path) const {
    auto it = specials_.find(std::string(path));
    return it == specials_.end() ? nullptr : &it->second;
}

Status Store::set_special_perms(const std::string& path, const Perms& perms) {
    Perms& slot = specials_[path];
    undo_.push_back(Undo{Undo::kSpecial, path, std::nullopt, 0, 0, {}, slot, {}});
    slot = perms;
    scratch_.clear();
    encode_node(scratch_, perms, "");
    return tdb_->store(path, scratch_);
}

void Store::record_domain_undo(DomainId dom) {
    auto it = domains_.find(dom);
    Undo u{Undo::kDomain, "", std::nullopt, dom, 0, {}, {}, {}};
    if (it != domains_.end()) u.record = it->second;
    undo_.push_back(std::move(u));
}

Status Store::put_domain(DomainId dom, std::string_view record) {
    record_domain_undo(dom);
    domains_[dom] = record;
    return tdb_->store(cat(kDomainKeyPrefix, dom), record);
}

Status Store::remove_domain(DomainId dom) {
    record_domain_undo(dom);
    domains_.erase(dom);
    return tdb_->remove(cat(kDomainKeyPrefix, dom));
}

std::string Store::check() const {
    std::vector<std::string> problems;
    std::size_t records = 0;
    Status s = tdb_->for_each([&](std::string_view key, std::string_view value) -> Status {
        if (key.empty() || key[0] != '/') return {};
        ++records;
        const Node* node = find(key);
        Result<NodeRecord> rec = decode_node(value);
        if (!node) problems.push_back(cat(key, " is in the tdb but not in memory"));
        else if (!rec || rec->value != node->value || rec->perms != node->perms)
            problems.push_back(cat(key, " differs between tdb and memory"));
        return {};
    });
    if (!s) problems.push_back(s.error().message);
    if (records != nodes_.size())
        problems.push_back(cat("tdb has ", records, " nodes, memory ", nodes_.size()));
    for (const auto& [path, node] : nodes_)
        for (const std::string& name : node.children)
            if (!nodes_.contains(child_path(path, name)))
                problems.push_back(cat(path, " lists missing child ", name));
    return join(problems, "\n");
}

}  // namespace xvm::xs
