// A XenStore transaction: a private view of the store with snapshot
// isolation. Reads of committed nodes record the generation seen; changes
// go to a copy-on-write overlay. Commit fails with EAGAIN when any node the
// transaction read or changed has a different generation in the store
// (someone else changed it meanwhile); otherwise the overlay is applied in
// path order, so parents are created before their children. Watch events
// are not fired inside a transaction: like Xen's queue_watches() they are
// recorded per node (once, "exact" unless any change of the node was a
// plain one) and fired at commit in the order the nodes were first
// accessed, with the permissions each node had when first accessed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemons/xenstored/store.h"

namespace xvm::xs {

class Transaction : public Tree {
public:
    Transaction(Store& store, std::uint32_t id)
        : store_(store), id_(id), start_gen_(store.current_gen()) {}

    std::uint32_t id() const { return id_; }
    const Node* get(std::string_view path) override;
    Status put(const std::string& path, std::string_view value, const Perms& perms) override;
    Status remove(const std::string& path, const RemovedFn& removed) override;

    // Nodes this transaction has touched (the transaction-size quota).
    std::size_t size() const { return overlay_.size(); }
    // Nodes created here, per owner (the node quota counts them).
    std::uint32_t created_by(DomainId dom) const;

    // Records a watch event for `path` (which this transaction accessed),
    // to be fired at commit.
    void queue_event(const std::string& path, bool exact);

    // One recorded event: fired by the caller once commit() succeeded.
    struct Event {
        const std::string* path;
        bool exact;
        const Perms* old;  // the node's permissions when first accessed, or null
    };
    // EAGAIN on conflict (nothing applied). On success `events` lists the
    // recorded watch events (pointing into this transaction).
    Status commit(std::vector<Event>& events);

private:
    struct Entry {
        std::optional<Node> node;  // nullopt: removed in this transaction
        bool modified = false;     // value or permissions written here
        bool fire = false;         // a watch event is recorded for it
        bool exact = true;
        std::optional<Perms> first_perms;  // when first accessed (or created)
    };
    Entry* entry_for_write(const std::string& path);
    void remove_entry(const std::string& path, const RemovedFn& removed);
    bool conflicts() const;

    Store& store_;
    std::uint32_t id_;
    std::uint64_t start_gen_;  // the store's generation when we began
    bool doomed_ = false;
    std::map<std::string, Entry, std::less<>> overlay_;
    std::vector<const std::string*> order_;  // overlay keys, first access first
    std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>> seen_;
    std::unordered_map<DomainId, std::uint32_t> created_;
};

}  // namespace xvm::xs
