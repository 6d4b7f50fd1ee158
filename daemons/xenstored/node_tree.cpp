#include "daemons/xenstored/node_tree.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace xvm::xs {
namespace {

// memcpy of a string_view that may be empty (and have no data pointer).
char* copy(char* to, std::string_view from) {
    if (!from.empty()) std::memcpy(to, from.data(), from.size());
    return to + from.size();
}

}  // namespace

NodeTree::~NodeTree() {
    for (NodeId id = 0; id < used_; ++id)
        if (slot(id).nperms != 0) free_data(slot(id));
    for (Slot* chunk : chunks_) std::free(chunk);
}

// ---- data: name, value and permissions ------------------------------------

bool NodeTree::is_inline(const Slot& s) {
    return s.nperms == 1 && std::size_t(s.name_len) + s.value_len <= kInline;
}

char* NodeTree::heap(const Slot& s) {
    char* p;
    std::memcpy(&p, s.data, sizeof p);
    return p;
}

void NodeTree::free_data(Slot& s) {
    if (!is_inline(s)) std::free(heap(s));
}

// `name` may point into the slot's current data: it is copied before the
// old data is released.
void NodeTree::store_data(Slot& s, std::string_view name, std::span<const Perm> perms,
                          std::string_view value) {
    bool was_heap = s.nperms != 0 && !is_inline(s);
    char* old = was_heap ? heap(s) : nullptr;
    std::uint16_t nperms = static_cast<std::uint16_t>(perms.size());
    if (nperms == 1 && name.size() + value.size() <= kInline) {
        char tmp[kInline];
        copy(copy(tmp, name), value);
        std::memcpy(s.data, tmp, name.size() + value.size());
    } else {
        std::size_t pbytes = nperms > 1 ? nperms * sizeof(Perm) : 0;
        auto* block = static_cast<char*>(std::malloc(pbytes + name.size() + value.size()));
        if (!block) throw std::bad_alloc();
        if (pbytes) std::memcpy(block, perms.data(), pbytes);
        copy(copy(block + pbytes, name), value);
        std::memcpy(s.data, &block, sizeof block);
    }
    std::free(old);
    s.perm0 = perms[0];
    s.nperms = nperms;
    s.name_len = static_cast<std::uint16_t>(name.size());
    s.value_len = static_cast<std::uint16_t>(value.size());
}

std::string_view NodeTree::name(NodeId id) const {
    const Slot& s = slot(id);
    if (is_inline(s)) return {s.data, s.name_len};
    std::size_t pbytes = s.nperms > 1 ? s.nperms * sizeof(Perm) : 0;
    return {heap(s) + pbytes, s.name_len};
}

std::string_view NodeTree::value(NodeId id) const {
    const Slot& s = slot(id);
    if (is_inline(s)) return {s.data + s.name_len, s.value_len};
    std::size_t pbytes = s.nperms > 1 ? s.nperms * sizeof(Perm) : 0;
    return {heap(s) + pbytes + s.name_len, s.value_len};
}

std::span<const Perm> NodeTree::perms(NodeId id) const {
    const Slot& s = slot(id);
    if (s.nperms == 1) return {&s.perm0, 1};
    return {reinterpret_cast<const Perm*>(heap(s)), s.nperms};
}

std::size_t NodeTree::children_bytes(NodeId id) const {
    std::size_t size = 0;
    for (NodeId c = slot(id).first_child; c != kNoNode;) {
        const Slot& s = slot(c);
        size += s.name_len + 1;
        c = s.next;
    }
    return size;
}

std::size_t NodeTree::copy_children(NodeId id, char* out, std::size_t room) const {
    char* start = out;
    char* end = out + room;
    for (NodeId c = slot(id).first_child; c != kNoNode;) {
        const Slot& s = slot(c);
        if (std::size_t(end - out) < s.name_len + 1u) return kNoRoom;
        if (is_inline(s)) {
            std::memcpy(out, s.data, kInline);  // a fixed move; the slack takes the excess
        } else {
            std::memcpy(out, heap(s) + (s.nperms > 1 ? s.nperms * sizeof(Perm) : 0), s.name_len);
        }
        out += s.name_len;
        *out++ = '\0';
        c = s.next;
    }
    return static_cast<std::size_t>(out - start);
}

std::size_t NodeTree::copy_children_cached(NodeId id, char* out, std::size_t room) const {
    std::uint64_t gen = slot(id).gen;
    for (const CachedList& c : lists_) {
        if (c.id != id || c.gen != gen) continue;
        if (c.list.size() > room) return kNoRoom;
        copy(out, c.list);
        return c.list.size();
    }
    std::size_t size = copy_children(id, out, room);
    if (size != kNoRoom && size >= kCacheFrom) {
        CachedList& c = lists_[next_list_++ % kCachedLists];
        c.id = id;
        c.gen = gen;
        c.list.assign(out, size);
    }
    return size;
}

void NodeTree::set_marked(NodeId id, bool on) {
    Slot& s = slot(id);
    s.flags = on ? (s.flags | kMarked) : (s.flags & ~kMarked);
}

// ---- slots ----------------------------------------------------------------

NodeId NodeTree::allocate() {
    NodeId id;
    if (free_ != kNoNode) {
        id = free_;
        free_ = slot(id).next;
    } else {
        if ((used_ >> kChunkBits) >= chunks_.size()) {
            // Raw memory: pages are touched (and counted in RSS) only as
            // slots are used.
            void* chunk = std::malloc(sizeof(Slot) << kChunkBits);
            if (!chunk) throw std::bad_alloc();
            chunks_.push_back(static_cast<Slot*>(chunk));
        }
        id = used_++;
    }
    Slot* s = new (&slot(id)) Slot{};
    s->parent = s->first_child = s->next = s->prev = s->hash_next = kNoNode;
    ++live_;
    return id;
}

NodeId NodeTree::create_root(std::span<const Perm> perms, std::string_view value) {
    NodeId id = allocate();
    store_data(slot(id), "", perms, value);
    root_ = id;
    return id;
}

NodeId NodeTree::create(NodeId parent, std::string_view name, std::span<const Perm> perms,
                        std::string_view value) {
    NodeId id = allocate();
    Slot& s = slot(id);
    store_data(s, name, perms, value);
    s.parent = parent;
    s.hash = key_hash(parent, name);
    link_last(parent, id);
    index_insert(id);
    return id;
}

void NodeTree::set(NodeId id, std::span<const Perm> perms, std::string_view value) {
    Slot& s = slot(id);
    store_data(s, name(id), perms, value);
}

// ---- children lists -------------------------------------------------------

void NodeTree::link_last(NodeId parent, NodeId id) {
    Slot& p = slot(parent);
    Slot& s = slot(id);
    s.next = kNoNode;
    if (p.first_child == kNoNode) {
        p.first_child = id;
        s.prev = id;
        return;
    }
    Slot& first = slot(p.first_child);
    NodeId last = first.prev;
    slot(last).next = id;
    s.prev = last;
    first.prev = id;
}

// Leaves the node's own next/prev as they were, for reattach().
void NodeTree::unlink(NodeId id) {
    Slot& s = slot(id);
    Slot& p = slot(s.parent);
    if (p.first_child == id) {
        p.first_child = s.next;
        if (s.next != kNoNode) slot(s.next).prev = s.prev;  // the last child
        return;
    }
    slot(s.prev).next = s.next;
    if (s.next != kNoNode) slot(s.next).prev = s.prev;
    else slot(p.first_child).prev = s.prev;  // it was the last
}

void NodeTree::detach(NodeId id) {
    unlink(id);
    index_remove(id);
}

void NodeTree::reattach(NodeId id) {
    Slot& s = slot(id);
    Slot& p = slot(s.parent);
    if (s.next == kNoNode) {
        link_last(s.parent, id);
    } else if (p.first_child == s.next) {
        Slot& next = slot(s.next);
        s.prev = next.prev;  // the last child
        next.prev = id;
        p.first_child = id;
    } else {
        Slot& next = slot(s.next);
        s.prev = next.prev;
        slot(next.prev).next = id;
        next.prev = id;
    }
    index_insert(id);
}

void NodeTree::destroy(NodeId id) {
    std::vector<NodeId> stack{id};
    while (!stack.empty()) {
        NodeId n = stack.back();
        stack.pop_back();
        Slot& s = slot(n);
        for (NodeId c = s.first_child; c != kNoNode; c = slot(c).next) stack.push_back(c);
        if (s.flags & kIndexed) index_remove(n);
        free_data(s);
        s.nperms = 0;
        s.flags = 0;
        s.next = free_;
        free_ = n;
        --live_;
    }
}

// ---- the (parent, name) index ---------------------------------------------

std::uint32_t NodeTree::key_hash(NodeId parent, std::string_view name) {
    std::uint64_t h = std::hash<std::string_view>{}(name);
    h ^= (std::uint64_t(parent) + 1) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    return static_cast<std::uint32_t>(h ^ (h >> 32));
}

void NodeTree::index_insert(NodeId id) {
    if (live_ > buckets_.size()) grow_index();
    Slot& s = slot(id);
    NodeId& head = buckets_[s.hash & (buckets_.size() - 1)];
    s.hash_next = head;
    head = id;
    s.flags |= kIndexed;
}

void NodeTree::index_remove(NodeId id) {
    Slot& s = slot(id);
    NodeId* at = &buckets_[s.hash & (buckets_.size() - 1)];
    while (*at != id) at = &slot(*at).hash_next;
    *at = s.hash_next;
    s.flags &= ~kIndexed;
}

// Load factor at most 1: chains stay about one long.
void NodeTree::grow_index() {
    std::size_t n = buckets_.empty() ? 1024 : buckets_.size() * 2;
    buckets_.assign(n, kNoNode);
    for (NodeId id = 0; id < used_; ++id) {
        Slot& s = slot(id);
        if (s.nperms == 0 || !(s.flags & kIndexed)) continue;
        NodeId& head = buckets_[s.hash & (n - 1)];
        s.hash_next = head;
        head = id;
    }
}

NodeId NodeTree::child(NodeId parent, std::string_view name) const {
    if (buckets_.empty()) return kNoNode;
    std::uint32_t h = key_hash(parent, name);
    for (NodeId id = buckets_[h & (buckets_.size() - 1)]; id != kNoNode;
         id = slot(id).hash_next) {
        const Slot& s = slot(id);
        if (s.hash == h && s.parent == parent && this->name(id) == name) return id;
    }
    return kNoNode;
}

NodeId NodeTree::find(std::string_view path) const {
    if (path.empty() || path[0] != '/') return kNoNode;
    NodeId id = root_;
    std::size_t at = 1;
    while (id != kNoNode && at < path.size()) {
        std::size_t end = path.find('/', at);
        if (end == std::string_view::npos) end = path.size();
        id = child(id, path.substr(at, end - at));
        at = end + 1;
    }
    return id;
}

void NodeTree::append_path(NodeId id, std::string& out) const {
    if (id == root_) {
        out += '/';
        return;
    }
    NodeId chain[64];
    std::size_t depth = 0;
    std::vector<NodeId> deep;  // only for paths deeper than 64 components
    for (NodeId n = id; n != root_ && n != kNoNode; n = slot(n).parent) {
        if (depth < 64) chain[depth++] = n;
        else deep.push_back(n);
    }
    for (auto it = deep.rbegin(); it != deep.rend(); ++it) {
        out += '/';
        out.append(name(*it));
    }
    while (depth > 0) {
        out += '/';
        out.append(name(chain[--depth]));
    }
}

std::string NodeTree::path(NodeId id) const {
    std::string out;
    append_path(id, out);
    return out;
}

}  // namespace xvm::xs
