// The committed store: the node tree in memory for speed, written through
// to the tdb file (tdb_file.h), which is the truth. Every change goes to
// both; replies may be sent only after commit(). Generations: every change
// to a node (value, permissions, its list of children) gives it a new
// number from one counter, so transactions detect conflicts by comparing
// generations, and DIRECTORY_PART clients detect a changing list.
//
// Every change since the last commit is also recorded in an undo log, so
// a commit that fails (a full disk) rolls memory back to exactly the
// committed state instead of leaving memory and tdb apart.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemons/xenstored/perms.h"
#include "lib/base/result.h"
#include "daemons/xenstored/tdb_file.h"

namespace xvm::xs {

struct Node {
    std::string value;
    Perms perms;
    std::vector<std::string> children;  // leaf names, in creation order
    std::uint64_t gen = 0;
};

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

using NodeMap = std::unordered_map<std::string, Node, StringHash, std::equal_to<>>;

// A removed node, reported so watches can fire with the permissions the
// node had.
using RemovedFn = std::function<void(const std::string& path, const Perms& perms)>;

// What a request handler reads and changes: the committed store, or a
// transaction's private view of it (transaction.h).
class Tree {
public:
    virtual ~Tree() = default;
    virtual const Node* get(std::string_view path) = 0;
    // Creates (the parent must exist) or updates the node.
    virtual Status put(const std::string& path, std::string_view value, const Perms& perms) = 0;
    // Removes `path` and everything below it, reporting each node.
    virtual Status remove(const std::string& path, const RemovedFn& removed) = 0;
};

class Store : public Tree {
public:
    // Loads the tree from `tdb`; an empty file gets a root node. Errors
    // name what is inconsistent.
    static Result<std::unique_ptr<Store>> load(std::unique_ptr<TdbFile> tdb);

    const Node* get(std::string_view path) override { return find(path); }
    const Node* find(std::string_view path) const;
    Status put(const std::string& path, std::string_view value, const Perms& perms) override;
    Status remove(const std::string& path, const RemovedFn& removed) override;
    // Makes every change so far durable; only then may replies go out. On
    // failure nothing of it is in the tdb and memory is rolled back to the
    // last commit (the error's code is ENOSPC for a full file system).
    Status commit();
    // Discards every change since the last commit, in memory and tdb.
    void rollback();
    // Changes since the last commit.
    bool pending() const { return !undo_.empty(); }

    std::uint64_t next_gen() { return ++gen_; }
    std::uint64_t current_gen() const { return gen_; }
    std::uint32_t owned_by(DomainId dom) const;
    // Nodes created by local user `uid` (quota-user-nodes), and the user
    // whose request is changing the store now (none: root or a guest).
    std::uint32_t created_by_user(std::uint32_t uid) const;
    void set_creator(std::optional<std::uint32_t> uid) { creator_ = uid; }
    std::size_t node_count() const { return nodes_.size(); }

    // The special watch nodes' permissions (@introduceDomain, ...).
    const Perms* special_perms(std::string_view path) const;
    Status set_special_perms(const std::string& path, const Perms& perms);

    // Introduced domains, persisted so a restart reconnects them.
    Status put_domain(DomainId dom, std::string_view record);
    Status remove_domain(DomainId dom);
    const std::map<DomainId, std::string>& domains() const { return domains_; }

    // Cross-checks the memory tree against the tdb; "" when consistent.
    std::string check() const;

private:
    explicit Store(std::unique_ptr<TdbFile> tdb) : tdb_(std::move(tdb)) {}
    Status load_record(std::string_view key, std::string_view value);
    Status link_children();
    Status write_record(const std::string& path, const Perms& perms, std::string_view value);
    void count_owner(const Perms& perms, int delta);
    void remove_below(const std::string& path, const RemovedFn& removed);

    // One change, as it is undone: kCreated erases `path` (and its name from
    // the parent), kChanged and kRemoved put `node` back (kRemoved also
    // re-links the name into the parent at `index`); the parent's old
    // generation is restored for both link changes.
    struct Undo {
        enum Kind : std::uint8_t { kCreated, kChanged, kRemoved, kSpecial, kDomain } kind;
        std::string path;
        std::optional<Node> node;
        std::size_t index = 0;
        std::uint64_t parent_gen = 0;
        std::optional<std::string> record;  // kDomain: the old record, if any
        Perms perms;                        // kSpecial: the old permissions
        std::optional<std::uint32_t> user;  // kRemoved: the user who created it
    };
    void undo(Undo& u);
    void record_domain_undo(DomainId dom);

    std::unique_ptr<TdbFile> tdb_;
    NodeMap nodes_;
    std::map<std::string, Perms> specials_;
    std::map<DomainId, std::string> domains_;
    std::unordered_map<DomainId, std::uint32_t> owned_;
    std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> user_made_;
    std::unordered_map<std::uint32_t, std::uint32_t> user_count_;
    std::optional<std::uint32_t> creator_;
    void forget_user_node(const std::string& path);
    std::uint64_t gen_ = 0;
    std::string scratch_;  // record encoding buffer, reused
    std::vector<Undo> undo_;  // changes since the last commit, oldest first
};

}  // namespace xvm::xs
