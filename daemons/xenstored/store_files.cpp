// The store's files: loading (tdb, then the journal's newer records),
// commit (one journal record), merge (the journal into the tdb) and the
// consistency check. See store.h for the design.
#include <sys/random.h>
#include <unistd.h>

#include <charconv>

#include "daemons/xenstored/path.h"
#include "daemons/xenstored/store.h"
#include "daemons/xenstored/store_ops.h"
#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm::xs {
namespace {

const Perms kRootPerms{Perm{0, kPermNone}};
const Perms kDefaultSpecialPerms{Perm{0, kPermNone}};
constexpr std::string_view kSpecials[] = {"@introduceDomain", "@releaseDomain"};
// tdb hash table sizes (primes) the store grows through: a rebuild picks
// the first at least as large as the number of records.
constexpr unsigned kHashSizes[] = {4093, 16381, 65521, 262139, 1048573, 4194301, 16777213};

std::string journal_path(const std::string& tdb) { return tdb + ".journal"; }

std::uint64_t random_id() {
    std::uint64_t id = 0;
    while (id == 0)
        if (::getrandom(&id, sizeof id, 0) != sizeof id) id = static_cast<std::uint64_t>(::getpid()) << 32 | ::time(nullptr);
    return id;
}

bool parse_u64(std::string_view text, std::uint64_t& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& tdb_path, bool fresh,
                                           unsigned hash_size) {
    std::string jpath = journal_path(tdb_path);
    if (fresh) (void)::unlink(jpath.c_str());  // belongs to the store being replaced
    (void)::unlink((tdb_path + ".new").c_str());  // a rebuild that did not finish
    auto tdb = TdbFile::open(tdb_path, fresh, hash_size);
    if (!tdb) return std::move(tdb).error();
    auto store = std::unique_ptr<Store>(new Store());
    Store& s = *store;
    if (Status loaded = s.load_tdb(**tdb); !loaded) return std::move(loaded).error();
    s.tdb_ = std::move(*tdb);
    if (s.store_id_ == 0) {
        // A new file, or one written before the journal existed: it gets an
        // id and is written anew with it.
        s.store_id_ = random_id();
        s.rebuild_ = true;
    }
    if (s.tree_.root() == kNoNode) {
        NodeId root = s.tree_.create_root(kRootPerms, "");
        s.tree_.set_gen(root, s.next_gen());
        s.count_owner(kRootPerms, 1);
        s.mark_dirty(root);
    }
    auto read = Journal::read(jpath, s.store_id_, s.applied_, [&s](std::uint64_t, std::string_view p) {
        return s.apply_record(p);
    });
    if (!read)
        return std::move(read).error().context(
            cat("cannot load the store ", tdb_path,
                " (start with --new-store to discard it and its journal)"));
    if (read->torn)
        log_warnx(cat("journal ", jpath, " ends with a partial record after record ",
                      read->last_seq, ": the daemon died writing it, before answering it"));
    s.settle();  // replayed changes count as committed
    s.collect();
    s.seq_ = read->last_seq;
    if (Status m = s.merge(); !m)
        return std::move(m).error().context(cat("cannot write the journal of ", tdb_path,
                                                " into it"));
    auto journal = Journal::create(jpath, s.store_id_, s.seq_);
    if (!journal) return std::move(journal).error();
    s.journal_ = std::move(*journal);
    if (read->records > 0)
        log_info(cat("replayed ", read->records, " journal records into ", tdb_path));
    s.serving_ = true;
    return store;
}

Store::~Store() {
    if (!serving_) return;  // a store that failed to open writes nothing
    // Leave the tdb current on a clean exit (a restart would replay the
    // journal anyway). Unanswered changes are dropped first.
    rollback();
    if (Status m = merge(); !m) log_warnx(m.error().context("at exit").message);
}

Status Store::load_tdb(const TdbFile& tdb) {
    for (std::string_view name : kSpecials) specials_[std::string(name)] = kDefaultSpecialPerms;
    std::vector<NodeId> placeholders;
    Status s = tdb.for_each([&](std::string_view key, std::string_view value) {
        return load_record(key, value, placeholders);
    });
    if (!s) return s;
    for (NodeId id : placeholders)
        if (tree_.marked(id))
            return make_error(cat("store ", tdb.path(), ": node ", tree_.path(id),
                                  " has children but no record of its own (corrupt store)"),
                              EIO);
    for (NodeId id = 0; id < tree_.id_limit(); ++id)
        if (tree_.live(id)) count_owner(tree_.perms(id), 1);
    return {};
}

// Nodes come in the tdb's hash order: a child before its parent gets a
// placeholder parent (marked) that the parent's own record fills later.
Status Store::load_record(std::string_view key, std::string_view value,
                          std::vector<NodeId>& placeholders) {
    if (key == kStoreIdKey || key == kAppliedKey) {
        std::uint64_t n = 0;
        if (!parse_u64(value, n))
            return make_error(cat("store: bad ", key.substr(1), " record '", value, "'"), EIO);
        (key == kStoreIdKey ? store_id_ : applied_) = n;
        return {};
    }
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
    if (key.empty() || key[0] != '/' || (key.size() > 1 && key.back() == '/'))
        return make_error(cat("store: record with invalid key '", key, "'"), EIO);
    // Find or make the node's place, parents first.
    if (tree_.root() == kNoNode) {
        NodeId root = tree_.create_root(kRootPerms, "");
        tree_.set_gen(root, next_gen());
        tree_.set_marked(root, true);
        placeholders.push_back(root);
    }
    NodeId id = tree_.root();
    std::size_t at = 1;
    while (at < key.size()) {
        std::size_t end = key.find('/', at);
        if (end == std::string_view::npos) end = key.size();
        std::string_view name = key.substr(at, end - at);
        if (name.empty()) return make_error(cat("store: record with invalid key '", key, "'"), EIO);
        NodeId next = tree_.child(id, name);
        if (next == kNoNode) {
            next = tree_.create(id, name, kRootPerms, "");
            tree_.set_gen(next, next_gen());
            tree_.set_marked(next, true);
            placeholders.push_back(next);
        }
        id = next;
        at = end + 1;
    }
    if (!tree_.marked(id))
        return make_error(cat("store: two records for node ", key), EIO);
    tree_.set(id, rec->perms, rec->value);
    tree_.set_marked(id, false);
    return {};
}

// Replays one journal record: the same changes, in the same order.
Status Store::apply_record(std::string_view payload) {
    return ops::for_each(payload, [this](const ops::Op& op) -> Status {
        std::string path(op.path);
        switch (op.kind) {
            case 'P': return put(path, op.value, op.perms);
            case 'R':
                if (tree_.find(path) == kNoNode)
                    return make_error(cat("removes ", path, ", which does not exist"), EIO);
                return remove(path, nullptr);
            case 'S': return set_special_perms(path, op.perms);
            case 'D': return put_domain(op.dom, op.value);
            default: return remove_domain(op.dom);
        }
    });
}

Status Store::commit() {
    if (!pending()) return {};
    if (journal_) {
        Status s = journal_->append(seq_ + 1, redo_);
        if (!s) {
            rollback();
            return s;
        }
    }
    ++seq_;
    settle();
    return {};
}

// The pending changes are committed: nothing is left to undo, and the
// removed subtrees wait for collect().
void Store::settle() {
    graveyard_.insert(graveyard_.end(), removed_.begin(), removed_.end());
    removed_.clear();
    undo_.clear();
    redo_.clear();
    deleted_committed_ = deleted_.size();
}

// Frees committed removals: after the replies are out (a 100,000-node
// subtree takes milliseconds), and before any merge.
void Store::collect() {
    for (NodeId id : graveyard_) tree_.destroy(id);
    graveyard_.clear();
}

Status Store::write_meta(TdbFile& tdb) const {
    if (Status s = tdb.store(kStoreIdKey, std::to_string(store_id_)); !s) return s;
    return tdb.store(kAppliedKey, std::to_string(seq_));
}

// Every record, for a new tdb file.
Status Store::write_everything(TdbFile& tdb) const {
    std::string path;
    for (NodeId id = 0; id < tree_.id_limit(); ++id) {
        if (!tree_.live(id)) continue;
        path.clear();
        tree_.append_path(id, path);
        scratch_.clear();
        encode_node(scratch_, tree_.perms(id), tree_.value(id));
        if (Status s = tdb.store(path, scratch_); !s) return s;
    }
    for (const auto& [name, perms] : specials_) {
        scratch_.clear();
        encode_node(scratch_, perms, "");
        if (Status s = tdb.store(name, scratch_); !s) return s;
    }
    for (const auto& [dom, record] : domains_)
        if (Status s = tdb.store(cat(kDomainKeyPrefix, dom), record); !s) return s;
    return write_meta(tdb);
}

// Keeps tdb's hash chains about one record long as the store grows.
unsigned Store::wanted_hash_size() const {
    unsigned now = tdb_->hash_size();
    std::size_t records = tree_.size() + specials_.size() + domains_.size() + 2;
    if (records <= 2 * std::size_t(now)) return now;
    for (unsigned size : kHashSizes)
        if (size >= records) return size;
    return kHashSizes[std::size(kHashSizes) - 1];
}

Status Store::merge() {
    if (pending()) return make_error("store: merge with uncommitted changes", EBUSY);
    collect();  // nothing removed may be written back
    if (!tdb_) return {};
    if (!merge_due() && dirty_.empty() && !rebuild_ && dirty_specials_.empty() &&
        dirty_domains_.empty())
        return {};
    unsigned hash = wanted_hash_size();
    Status s;
    if (rebuild_ || hash != tdb_->hash_size()) {
        s = tdb_->rebuild(hash, [this](TdbFile& t) { return write_everything(t); });
    } else {
        s = tdb_->begin();
        for (std::size_t i = 0; s && i < deleted_.size(); ++i) s = tdb_->remove(deleted_[i]);
        std::string path;
        for (std::size_t i = 0; s && i < dirty_.size(); ++i) {
            NodeId id = dirty_[i];
            if (!tree_.live(id) || !tree_.marked(id)) continue;  // gone since
            path.clear();
            tree_.append_path(id, path);
            scratch_.clear();
            encode_node(scratch_, tree_.perms(id), tree_.value(id));
            s = tdb_->store(path, scratch_);
        }
        for (auto it = dirty_specials_.begin(); s && it != dirty_specials_.end(); ++it) {
            scratch_.clear();
            encode_node(scratch_, specials_.at(*it), "");
            s = tdb_->store(*it, scratch_);
        }
        for (auto it = dirty_domains_.begin(); s && it != dirty_domains_.end(); ++it) {
            auto d = domains_.find(*it);
            std::string key = cat(kDomainKeyPrefix, *it);
            s = d == domains_.end() ? tdb_->remove(key) : tdb_->store(key, d->second);
        }
        if (s) s = write_meta(*tdb_);
        if (s) s = tdb_->commit();
        else tdb_->cancel();
    }
    if (!s) return s;
    applied_ = seq_;
    forget_merged();
    if (journal_)
        if (Status j = journal_->reset(applied_); !j)
            return j.error().context("the tdb holds every change, but the journal was not reset");
    return {};
}

void Store::forget_merged() {
    for (NodeId id : dirty_)
        if (tree_.live(id)) tree_.set_marked(id, false);
    dirty_.clear();
    deleted_.clear();
    if (dirty_.capacity() > 65536) std::vector<NodeId>().swap(dirty_);
    if (deleted_.capacity() > 4096) std::vector<std::string>().swap(deleted_);
    deleted_committed_ = 0;
    removed_since_merge_ = 0;
    rebuild_ = false;
    dirty_specials_.clear();
    dirty_domains_.clear();
}

std::string Store::check() {
    collect();  // committed removals are gone
    if (!tdb_) return "";
    std::vector<std::string> problems;
    auto note = [&](std::string line) {
        if (problems.size() < 20) problems.push_back(std::move(line));
    };
    // What a restart would load: the tdb, then the journal.
    std::unique_ptr<Store> image(new Store());
    Status s = image->load_tdb(*tdb_);
    if (s && image->store_id_ != store_id_)
        note(cat("the tdb's store id is ", image->store_id_, ", memory's ", store_id_));
    if (s && journal_) {
        auto read = Journal::read(journal_->path(), store_id_, image->applied_,
                                  [&](std::uint64_t, std::string_view p) { return image->apply_record(p); });
        image->settle();
        image->collect();
        if (!read) s = std::move(read).error();
        else if (read->last_seq != seq_)
            note(cat("a restart would load up to journal record ", read->last_seq,
                     "; memory has ", seq_));
    }
    if (!s) return s.error().message;
    const NodeTree& other = image->tree_;
    if (other.size() != tree_.size())
        note(cat("memory has ", tree_.size(), " nodes, a restart would load ", other.size()));
    std::string path;
    for (NodeId id = 0; id < tree_.id_limit(); ++id) {
        if (!tree_.live(id)) continue;
        path.clear();
        tree_.append_path(id, path);
        NodeId o = other.find(path);
        if (o == kNoNode) {
            note(cat(path, " is in memory but a restart would not load it"));
            continue;
        }
        auto a = tree_.perms(id), b = other.perms(o);
        if (tree_.value(id) != other.value(o) || !std::equal(a.begin(), a.end(), b.begin(), b.end()))
            note(cat(path, " differs between memory and what a restart would load"));
    }
    if (image->specials_ != specials_) note("the special nodes' permissions differ");
    if (image->domains_ != domains_) note("the introduced domains differ");
    return join(problems, "\n");
}

}  // namespace xvm::xs
