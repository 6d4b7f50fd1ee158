// A XenStore transaction: a private view of the store with snapshot
// isolation. Reads of committed nodes record the generation seen; changes
// go to a copy-on-write overlay. Commit fails with EAGAIN when any node the
// transaction read or changed has a different generation in the store
// (someone else changed it meanwhile); otherwise the overlay is applied in
// path order, so parents are created before their children, and each
// changed or removed node is reported for watches.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

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

    // EAGAIN on conflict (nothing applied); `changed` reports every node
    // written (perms = its new permissions) and `removed` every node removed.
    // `removing` is told each removal root before it goes.
    Status commit(const RemovedFn& changed, const RemovedFn& removed,
                  const std::function<void(const std::string&)>& removing);

private:
    struct Entry {
        std::optional<Node> node;  // nullopt: removed in this transaction
        bool modified = false;     // value or permissions written here
    };
    Entry* entry_for_write(const std::string& path);
    void remove_entry(const std::string& path, const RemovedFn& removed);
    bool conflicts() const;

    Store& store_;
    std::uint32_t id_;
    std::uint64_t start_gen_;  // the store's generation when we began
    bool doomed_ = false;
    std::map<std::string, Entry, std::less<>> overlay_;
    std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>> seen_;
    std::unordered_map<DomainId, std::uint32_t> created_;
};

}  // namespace xvm::xs
