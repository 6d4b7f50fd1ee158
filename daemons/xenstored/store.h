// The committed store: the node tree in memory (node_tree.h) for speed,
// made durable by a write-ahead journal (journal.h) that is merged into
// the tdb file (tdb_file.h), the store's truth on disk.
//
// The write path, and why (issue 14; xenstored(1M), DURABILITY):
//  - a change goes to memory at once and is recorded twice: as undo (to
//    roll memory back if its commit fails) and as redo (the journal
//    record being built);
//  - commit() appends that record to the journal with one pwrite(): the
//    change is durable, replies and watch events may go out;
//  - merge() (every ~100 ms, or when the journal grows) writes the final
//    state of every node changed since the last merge into the tdb in one
//    tdb transaction, with the number of the last journal record it
//    covers, and starts the journal again. A node written a thousand
//    times between merges costs one tdb record; a removed subtree is
//    deleted record by record, or - when most of the store went - the tdb
//    is rebuilt from memory, which also grows its hash table with the
//    store;
//  - start-up loads the tdb, replays the journal records after the ones
//    it holds, and merges them.
// A kill -9 anywhere loses nothing that was acknowledged: an acknowledged
// change is in the journal or already in the tdb, and a tdb transaction
// or rebuild interrupted half-way leaves the previous tdb.
//
// Generations: every change to a node (value, permissions, its list of
// children) gives it a new number from one counter, so transactions
// detect conflicts by comparing generations, and DIRECTORY_PART clients
// detect a changing list. They are not persisted.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemons/xenstored/journal.h"
#include "daemons/xenstored/node_tree.h"
#include "daemons/xenstored/perms.h"
#include "daemons/xenstored/tdb_file.h"
#include "lib/base/result.h"

namespace xvm::xs {

// A node as a request handler sees it: of the committed store, or of a
// transaction's private copy. Valid until the store or transaction
// changes.
struct NodeView {
    std::string_view value;
    std::span<const Perm> perms;
    std::uint64_t gen = 0;
    const NodeTree* tree = nullptr;                // committed: tree + id
    NodeId id = kNoNode;
    const std::vector<std::string>* names = nullptr;  // a transaction's copy

    // The children as DIRECTORY lists them ("name\0" each): the size; and
    // a copy into `out` (room for `room` bytes plus NodeTree::kCopySlack):
    // the size, or NodeTree::kNoRoom when longer than `room`.
    std::size_t children_bytes() const {
        if (!names) return tree->children_bytes(id);
        std::size_t size = 0;
        for (const std::string& n : *names) size += n.size() + 1;
        return size;
    }
    std::size_t copy_children(char* out, std::size_t room) const {
        if (!names) return tree->copy_children_cached(id, out, room);
        std::size_t size = children_bytes();
        if (size > room) return NodeTree::kNoRoom;
        for (const std::string& n : *names) {
            out = std::copy(n.begin(), n.end(), out);
            *out++ = '\0';
        }
        return size;
    }

    // Calls f(name) for each child, in creation order.
    template <typename F>
    void for_each_child(F&& f) const {
        if (names) {
            for (const std::string& n : *names) f(std::string_view(n));
            return;
        }
        for (NodeId c = tree->first_child(id); c != kNoNode; c = tree->next_sibling(c))
            f(tree->name(c));
    }
};

// A removed node, reported so watches can fire with the permissions the
// node had.
using RemovedFn = std::function<void(const std::string& path, std::span<const Perm> perms)>;

// What a request handler reads and changes: the committed store, or a
// transaction's private view of it (transaction.h).
class Tree {
public:
    virtual ~Tree() = default;
    virtual std::optional<NodeView> get(std::string_view path) = 0;
    // Creates (the parent must exist) or updates the node.
    virtual Status put(const std::string& path, std::string_view value,
                       std::span<const Perm> perms) = 0;
    // Removes `path` and everything below it, reporting each node
    // (children first, as Xen's delnode_sub) when `removed` is set - or,
    // with `only`, just the nodes at those paths, in the same order.
    virtual Status remove(const std::string& path, const RemovedFn& removed,
                          const std::vector<std::string>* only = nullptr) = 0;
};

class Store : public Tree {
public:
    // Opens the store at `tdb_path` with its journal `<tdb_path>.journal`:
    // loads the tdb, replays the journal, merges. `fresh` starts empty,
    // discarding both files. Errors name the file and what is wrong.
    static Result<std::unique_ptr<Store>> open(const std::string& tdb_path, bool fresh,
                                               unsigned hash_size);
    ~Store() override;

    std::optional<NodeView> get(std::string_view path) override { return find(path); }
    std::optional<NodeView> find(std::string_view path) const;
    Status put(const std::string& path, std::string_view value,
               std::span<const Perm> perms) override;
    Status remove(const std::string& path, const RemovedFn& removed,
                  const std::vector<std::string>* only = nullptr) override;

    // Makes every change so far durable (one journal record); only then may
    // replies go out. On failure nothing of it is durable and memory is
    // rolled back to the last commit (the error's code is ENOSPC for a full
    // file system).
    Status commit();
    // Discards every change since the last commit.
    void rollback();
    // Frees the memory of committed removals (deferred so their replies
    // are not delayed by it). Cheap when there is nothing to free.
    void collect();
    // Changes since the last commit.
    bool pending() const { return !undo_.empty(); }

    // Writes everything committed since the last merge into the tdb and
    // starts the journal again. Only between commits (nothing pending).
    // On failure the journal keeps it all and a later merge tries again.
    Status merge();
    // Committed changes that are not in the tdb yet.
    bool merge_due() const { return seq_ != applied_; }
    std::size_t journal_bytes() const { return journal_ ? journal_->bytes() : 0; }

    std::uint64_t next_gen() { return ++gen_; }
    std::uint64_t current_gen() const { return gen_; }
    std::uint32_t owned_by(DomainId dom) const;
    // Nodes created by local user `uid` (quota-user-nodes), and the user
    // whose request is changing the store now (none: root or a guest).
    std::uint32_t created_by_user(std::uint32_t uid) const;
    void set_creator(std::optional<std::uint32_t> uid) { creator_ = uid; }
    std::size_t node_count() const { return tree_.size(); }

    // The special watch nodes' permissions (@introduceDomain, ...).
    const Perms* special_perms(std::string_view path) const;
    Status set_special_perms(const std::string& path, const Perms& perms);

    // Introduced domains, persisted so a restart reconnects them.
    Status put_domain(DomainId dom, std::string_view record);
    Status remove_domain(DomainId dom);
    const std::map<DomainId, std::string>& domains() const { return domains_; }

    // Compares memory with what a restart would load (the tdb plus the
    // journal); "" when they agree, else one line per difference.
    std::string check();

private:
    Store();
    // Loading (store_files.cpp).
    Status load_tdb(const TdbFile& tdb);
    Status load_record(std::string_view key, std::string_view value,
                       std::vector<NodeId>& placeholders);
    Status apply_record(std::string_view payload);
    Status write_meta(TdbFile& tdb) const;
    Status write_everything(TdbFile& tdb) const;
    unsigned wanted_hash_size() const;
    void forget_merged();
    void settle();

    // Changes and their undo (store.cpp).
    struct Undo {
        enum Kind : std::uint8_t { kCreated, kChanged, kRemoved, kGen, kSpecial, kDomain } kind;
        NodeId id = kNoNode;        // the node (kRemoved: the detached root)
        std::uint64_t gen = 0;      // kChanged/kGen: the old generation
        std::string value;          // kChanged: the old value; kSpecial: the name
        Perms perms;                // kChanged, kSpecial: the old permissions
        DomainId dom = 0;           // kDomain
        std::optional<std::string> record;  // kDomain: the old record, if any
    };
    void undo(Undo& u);
    void touch_parent(NodeId parent);
    void count_owner(std::span<const Perm> perms, int delta);
    std::size_t count_subtree(NodeId id, int delta);
    void remove_walk(NodeId id, std::string& path, const RemovedFn& removed,
                     const std::vector<NodeId>* hits, bool record);
    void report_walk(NodeId id, const RemovedFn& removed, const std::vector<NodeId>& hits);
    void mark_dirty(NodeId id);
    void record_domain_undo(DomainId dom);
    // Redo: the journal record of the pending commit.
    void redo_put(std::string_view path, std::span<const Perm> perms, std::string_view value);
    void redo_remove(std::string_view path);

    NodeTree tree_;
    std::map<std::string, Perms, std::less<>> specials_;
    std::map<DomainId, std::string> domains_;
    std::unordered_map<DomainId, std::uint32_t> owned_;
    std::unordered_map<std::uint32_t, std::uint32_t> user_count_;
    std::optional<std::uint32_t> creator_;
    std::uint64_t gen_ = 0;

    std::vector<Undo> undo_;       // changes since the last commit, oldest first
    std::vector<NodeId> removed_;    // detached roots, pending commit
    std::vector<NodeId> graveyard_;  // committed removals, freed by collect()
    std::string redo_;             // their journal record

    // Durability: the files, and what the tdb does not have yet.
    std::unique_ptr<TdbFile> tdb_;
    std::unique_ptr<Journal> journal_;
    std::uint64_t store_id_ = 0;
    std::uint64_t seq_ = 0;      // last journal record written
    std::uint64_t applied_ = 0;  // last journal record in the tdb
    std::vector<NodeId> dirty_;         // nodes to write (marked in the tree)
    std::vector<std::string> deleted_;  // tdb records to delete
    std::size_t deleted_committed_ = 0;  // deleted_ entries of committed changes
    std::size_t removed_since_merge_ = 0;
    bool rebuild_ = false;  // write the tdb anew instead
    std::set<std::string, std::less<>> dirty_specials_;
    std::set<DomainId> dirty_domains_;
    bool serving_ = false;  // opened completely: merge at exit
    mutable std::string scratch_;  // record encoding buffer, reused
};

}  // namespace xvm::xs
