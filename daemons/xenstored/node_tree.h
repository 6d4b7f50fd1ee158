// The committed store's nodes in memory, packed for large stores (issue
// 14: at most 150 bytes per node at 100,000 nodes, everything counted).
//
// One 64-byte slot per node, in chunked arrays addressed by a 32-bit
// NodeId: the tree links (parent, first child, siblings in creation
// order), the generation, the owner permission, and - when they fit - the
// node's name and value inline; otherwise one heap block holds all
// permissions, the name and the value. Paths are not stored: a node is
// found by walking its path's components through one hash index keyed by
// (parent, name), and its path is rebuilt from the parent links when
// needed. A typical node ("state" = "4") costs its slot plus a bucket:
// about 70 bytes.
//
// detach() unlinks a subtree from its parent and the index in O(1) - the
// subtree becomes unreachable but stays intact - so a removal can be
// rolled back (reattach) until it is committed, and freed (destroy) after.
// Nothing here knows about durability, permissions or watches (store.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemons/xenstored/perms.h"

namespace xvm::xs {

using NodeId = std::uint32_t;
inline constexpr NodeId kNoNode = 0xffffffffu;

class NodeTree {
public:
    NodeTree() = default;
    ~NodeTree();
    NodeTree(const NodeTree&) = delete;
    NodeTree& operator=(const NodeTree&) = delete;

    // The root "/", kNoNode until create_root().
    NodeId root() const { return root_; }
    NodeId create_root(std::span<const Perm> perms, std::string_view value);

    // The node at an absolute path ("/a/b"), kNoNode if there is none.
    NodeId find(std::string_view path) const;
    NodeId child(NodeId parent, std::string_view name) const;

    // A new last child `name` of `parent`, which must not have one of that
    // name. `perms` must not be empty.
    NodeId create(NodeId parent, std::string_view name, std::span<const Perm> perms,
                  std::string_view value);
    void set(NodeId id, std::span<const Perm> perms, std::string_view value);

    // Unlinks `id` (not the root) from its parent and the index; its
    // subtree stays intact and unreachable. reattach() puts it back where
    // it was, valid while its parent's children are as detach() left them.
    void detach(NodeId id);
    void reattach(NodeId id);
    // Frees a detached node and everything below it.
    void destroy(NodeId id);

    std::string_view name(NodeId id) const;
    std::string_view value(NodeId id) const;
    std::span<const Perm> perms(NodeId id) const;
    std::uint64_t gen(NodeId id) const { return slot(id).gen; }
    void set_gen(NodeId id, std::uint64_t gen) { slot(id).gen = gen; }
    NodeId parent(NodeId id) const { return slot(id).parent; }
    NodeId first_child(NodeId id) const { return slot(id).first_child; }
    NodeId next_sibling(NodeId id) const { return slot(id).next; }

    // The children's names, each followed by a NUL (DIRECTORY's reply):
    // its size; and a copy into `out`, which has room for `room` bytes
    // plus kCopySlack (short names are copied in fixed-size moves):
    // the size, or kNoRoom when the list is longer than `room`.
    static constexpr std::size_t kCopySlack = 16;
    static constexpr std::size_t kNoRoom = ~std::size_t(0);
    std::size_t children_bytes(NodeId id) const;
    std::size_t copy_children(NodeId id, char* out, std::size_t room) const;

    // copy_children() for a large directory listed again unchanged: a few
    // lists are kept, each valid while the node's generation is the one it
    // was made at (every change of a children list gives a new one).
    std::size_t copy_children_cached(NodeId id, char* out, std::size_t room) const;

    // The local user (uid) who created the node, if one did (quota-user-nodes).
    bool has_creator(NodeId id) const { return slot(id).creator != 0; }
    std::uint32_t creator(NodeId id) const { return slot(id).creator - 1; }
    void set_creator(NodeId id, std::uint32_t uid) { slot(id).creator = uid + 1; }
    void clear_creator(NodeId id) { slot(id).creator = 0; }

    // One flag per node for the store's bookkeeping (the merge's dirty set).
    bool marked(NodeId id) const { return slot(id).flags & kMarked; }
    void set_marked(NodeId id, bool on);

    // The absolute path of a reachable or detached node.
    std::string path(NodeId id) const;
    void append_path(NodeId id, std::string& out) const;

    std::size_t size() const { return live_; }
    // Every slot id ever handed out is below this; live() tells which are
    // in use (a detached node is live until destroyed).
    NodeId id_limit() const { return used_; }
    bool live(NodeId id) const { return id < used_ && slot(id).nperms != 0; }

private:
    static constexpr unsigned kChunkBits = 12;  // 4,096 slots = 256 KiB per chunk
    static constexpr std::size_t kInline = 13;
    enum : std::uint8_t { kMarked = 1, kIndexed = 2 };

    // Free slots have nperms == 0 and chain through `next`.
    struct Slot {
        std::uint64_t gen;
        NodeId parent, first_child;
        NodeId next;  // next sibling (kNoNode for the last)
        NodeId prev;  // previous sibling; the first child's is the last child
        NodeId hash_next;
        std::uint32_t hash;     // of (parent, name)
        std::uint32_t creator;  // uid + 1, 0 if no local user made it
        Perm perm0;             // the owner entry (perms[0])
        std::uint16_t nperms;
        std::uint16_t name_len;
        std::uint16_t value_len;
        std::uint8_t flags;
        // Inline: name then value (nperms == 1 and they fit); otherwise the
        // address of a heap block [perms][name][value], stored bytewise.
        char data[kInline];
    };
    static_assert(sizeof(Slot) == 64, "one cache line per node");

    Slot& slot(NodeId id) { return chunks_[id >> kChunkBits][id & ((1u << kChunkBits) - 1)]; }
    const Slot& slot(NodeId id) const {
        return chunks_[id >> kChunkBits][id & ((1u << kChunkBits) - 1)];
    }
    static bool is_inline(const Slot& s);
    static char* heap(const Slot& s);
    void store_data(Slot& s, std::string_view name, std::span<const Perm> perms,
                    std::string_view value);
    static void free_data(Slot& s);
    NodeId allocate();
    void link_last(NodeId parent, NodeId id);
    void unlink(NodeId id);
    void index_insert(NodeId id);
    void index_remove(NodeId id);
    void grow_index();
    static std::uint32_t key_hash(NodeId parent, std::string_view name);

    struct CachedList {
        NodeId id = kNoNode;
        std::uint64_t gen = 0;
        std::string list;
    };
    static constexpr std::size_t kCachedLists = 8;
    static constexpr std::size_t kCacheFrom = 64;  // bytes of names worth caching
    mutable CachedList lists_[kCachedLists];
    mutable std::size_t next_list_ = 0;

    std::vector<Slot*> chunks_;
    std::vector<NodeId> buckets_;
    NodeId used_ = 0;  // slots handed out so far (free ones included)
    NodeId free_ = kNoNode;
    std::size_t live_ = 0;
    NodeId root_ = kNoNode;
};

}  // namespace xvm::xs
