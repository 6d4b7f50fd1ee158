// The committed store: the node tree in memory for speed, written through
// to the tdb file (tdb_file.h), which is the truth. Every change goes to
// both; replies may be sent only after commit(). Generations: every change
// to a node (value, permissions, its list of children) gives it a new
// number from one counter, so transactions detect conflicts by comparing
// generations, and DIRECTORY_PART clients detect a changing list.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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
    // Makes every change so far durable; only then may replies go out.
    Status commit() { return tdb_->commit(); }

    std::uint64_t next_gen() { return ++gen_; }
    std::uint64_t current_gen() const { return gen_; }
    std::uint32_t owned_by(DomainId dom) const;
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
    Status write_record(const std::string& path, const Node& node);
    void count_owner(const Perms& perms, int delta);
    void remove_below(const std::string& path, Node& node, const RemovedFn& removed);

    std::unique_ptr<TdbFile> tdb_;
    NodeMap nodes_;
    std::map<std::string, Perms> specials_;
    std::map<DomainId, std::string> domains_;
    std::unordered_map<DomainId, std::uint32_t> owned_;
    std::uint64_t gen_ = 0;
    std::string scratch_;  // record encoding buffer, reused
};

}  // namespace xvm::xs
