#include "daemons/xenstored/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <sys/wait.h>

#include <cstdlib>

#include "daemons/xenstored/transaction.h"

namespace xvm::xs {
namespace {

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xs-store-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        path_ = dir_ + "/tdb";
    }
    void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
    std::unique_ptr<Store> open(bool fresh) {
        auto store = Store::open(path_, fresh, 131);
        EXPECT_TRUE(store) << store.error().message;
        return store ? std::move(*store) : nullptr;
    }
    std::string dir_, path_;
};

const Perms kP{Perm{0, kPermRead}};

std::vector<std::string> children(const Store& s, std::string_view path) {
    std::vector<std::string> out;
    s.find(path)->for_each_child([&](std::string_view n) { out.emplace_back(n); });
    return out;
}

Perms perms(const std::optional<NodeView>& v) { return Perms(v->perms.begin(), v->perms.end()); }

TEST_F(StoreTest, MissingStoreIsReportedNotCreated) {
    auto tdb = TdbFile::open(path_, false, 131);
    ASSERT_FALSE(tdb);
    EXPECT_EQ(tdb.error().code, ENOENT);
    EXPECT_NE(tdb.error().message.find("--new-store"), std::string::npos);
}

TEST_F(StoreTest, CorruptStoreIsReported) {
    ASSERT_EQ(std::system(("head -c 4096 /dev/urandom > " + path_).c_str()), 0);
    auto tdb = TdbFile::open(path_, false, 131);
    ASSERT_FALSE(tdb);
    EXPECT_NE(tdb.error().message.find(path_), std::string::npos);
}

TEST_F(StoreTest, CommittedNodesSurviveReopen) {
    {
        auto s = open(true);
        ASSERT_TRUE(s->put("/a", "1", kP));
        ASSERT_TRUE(s->put("/a/b", "2", Perms{Perm{5, kPermWrite}, Perm{7, kPermRead}}));
        ASSERT_TRUE(s->commit());
        ASSERT_TRUE(s->put("/uncommitted", "x", kP));
        // Dropped without commit: never written anywhere.
    }
    auto s = open(false);
    ASSERT_TRUE(s->find("/a/b"));
    EXPECT_EQ(s->find("/a/b")->value, "2");
    EXPECT_EQ(s->find("/a/b")->perms.size(), 2u);
    EXPECT_EQ(children(*s, "/a"), std::vector<std::string>{"b"});
    EXPECT_FALSE(s->find("/uncommitted"));
    EXPECT_EQ(s->check(), "");
}

TEST_F(StoreTest, RemoveReportsEveryNode) {
    auto s = open(true);
    ASSERT_TRUE(s->put("/a", "", kP));
    ASSERT_TRUE(s->put("/a/b", "", kP));
    ASSERT_TRUE(s->put("/a/b/c", "", kP));
    std::vector<std::string> removed;
    ASSERT_TRUE(s->remove("/a", [&](const std::string& p, std::span<const Perm>) { removed.push_back(p); }));
    EXPECT_EQ(removed.size(), 3u);
    EXPECT_FALSE(s->find("/a"));
    EXPECT_TRUE(children(*s, "/").empty());
    ASSERT_TRUE(s->commit());
    EXPECT_EQ(s->check(), "");
}

// With `only`, just the named nodes are reported, in the same order
// (children first), whether or not the removal is large.
TEST_F(StoreTest, RemoveReportsOnlyTheNamedNodes) {
    auto s = open(true);
    ASSERT_TRUE(s->put("/a", "", kP));
    for (const char* p : {"/a/b", "/a/b/c", "/a/d", "/a/d/e", "/x"}) ASSERT_TRUE(s->put(p, "", kP));
    std::vector<std::string> only{"/a/d/e", "/a", "/a/b/c", "/x", "/a/none"};
    std::vector<std::string> removed;
    ASSERT_TRUE(s->remove("/a", [&](const std::string& p, std::span<const Perm>) { removed.push_back(p); },
                          &only));
    EXPECT_EQ(removed, (std::vector<std::string>{"/a/b/c", "/a/d/e", "/a"}));
    ASSERT_TRUE(s->commit());
    EXPECT_EQ(s->check(), "");
    Transaction t(*s, 1);
    ASSERT_TRUE(t.put("/x/y", "", kP));
    removed.clear();
    only = {"/x/y"};
    ASSERT_TRUE(t.remove("/x", [&](const std::string& p, std::span<const Perm>) { removed.push_back(p); },
                         &only));
    EXPECT_EQ(removed, std::vector<std::string>{"/x/y"});
}

// DIRECTORY's list of a large directory is cached by generation: every
// change of the list, a rollback and a transaction show through.
TEST_F(StoreTest, ListingsFollowEveryChange) {
    auto s = open(true);
    auto listing = [&](std::string_view path) {
        std::optional<NodeView> v = s->find(path);
        std::string buf(4096 + NodeTree::kCopySlack, '\0');
        buf.resize(v->copy_children(buf.data(), 4096));
        return buf;
    };
    ASSERT_TRUE(s->put("/d", "", kP));
    std::string expect;
    for (int i = 0; i < 40; ++i) {
        std::string name = "child-" + std::to_string(i);
        ASSERT_TRUE(s->put("/d/" + name, "", kP));
        expect += name + std::string(1, '\0');
    }
    ASSERT_TRUE(s->commit());
    EXPECT_EQ(listing("/d"), expect);
    EXPECT_EQ(listing("/d"), expect);  // from the cache
    ASSERT_TRUE(s->put("/d/new", "", kP));
    EXPECT_EQ(listing("/d"), expect + "new" + std::string(1, '\0'));
    s->rollback();
    EXPECT_EQ(listing("/d"), expect);
    ASSERT_TRUE(s->put("/d/child-0", "value", kP));  // the node's value: the list stays
    EXPECT_EQ(listing("/d"), expect);
    ASSERT_TRUE(s->remove("/d/child-0", nullptr));
    ASSERT_TRUE(s->commit());
    EXPECT_EQ(listing("/d"), expect.substr(8));
    Transaction t(*s, 1);
    ASSERT_TRUE(t.put("/d/tx", "", kP));
    std::vector<Transaction::Event> events;
    ASSERT_TRUE(t.commit(events));
    EXPECT_EQ(listing("/d"), expect.substr(8) + "tx" + std::string(1, '\0'));
    // Small lists are not cached, and a list longer than the room is refused.
    std::optional<NodeView> v = s->find("/d");
    std::string buf(10 + NodeTree::kCopySlack, '\0');
    EXPECT_EQ(v->copy_children(buf.data(), 10), NodeTree::kNoRoom);
}

TEST_F(StoreTest, TransactionIsolationAndConflict) {
    auto s = open(true);
    ASSERT_TRUE(s->put("/a", "1", kP));
    Transaction t1(*s, 1), t2(*s, 2);
    std::vector<Transaction::Event> events;
    ASSERT_EQ(t1.get("/a")->value, "1");
    ASSERT_TRUE(t1.put("/a", "2", kP));
    ASSERT_TRUE(t1.put("/a/new", "n", kP));
    EXPECT_EQ(s->find("/a")->value, "1");  // invisible outside
    EXPECT_FALSE(s->find("/a/new"));
    ASSERT_TRUE(t2.get("/a"));
    ASSERT_TRUE(t1.commit(events));
    EXPECT_EQ(s->find("/a")->value, "2");
    EXPECT_EQ(s->find("/a/new")->value, "n");
    ASSERT_TRUE(t2.put("/a", "3", kP));
    auto r = t2.commit(events);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EAGAIN);
    EXPECT_EQ(s->find("/a")->value, "2");
}

TEST_F(StoreTest, TransactionRemoveAndRecreate) {
    auto s = open(true);
    ASSERT_TRUE(s->put("/a", "", kP));
    ASSERT_TRUE(s->put("/a/old", "", kP));
    Transaction t(*s, 1);
    std::vector<Transaction::Event> events;
    ASSERT_TRUE(t.remove("/a", nullptr));
    EXPECT_FALSE(t.get("/a"));
    ASSERT_TRUE(t.put("/a", "v", kP));
    ASSERT_TRUE(t.put("/a/x", "", kP));
    ASSERT_TRUE(t.commit(events));
    EXPECT_FALSE(s->find("/a/old"));
    EXPECT_EQ(children(*s, "/a"), std::vector<std::string>{"x"});
    ASSERT_TRUE(s->commit());
    EXPECT_EQ(s->check(), "");
}

// A failed commit (here: rolled back by hand, as Store::commit does on a
// tdb failure) restores memory to exactly the committed state: values,
// permissions, generations, children lists in their order, owner counts.
TEST_F(StoreTest, RollbackRestoresTheCommittedState) {
    auto s = open(true);
    ASSERT_TRUE(s->put("/a", "1", kP));
    ASSERT_TRUE(s->put("/a/x", "x", kP));
    ASSERT_TRUE(s->put("/a/y", "y", Perms{Perm{7, kPermRead}}));
    ASSERT_TRUE(s->put("/a/z", "z", kP));
    ASSERT_TRUE(s->put("/a/y/deep", "d", kP));
    ASSERT_TRUE(s->put_domain(3, "1 2 -"));
    ASSERT_TRUE(s->commit());
    const std::uint64_t gen_a = s->find("/a")->gen, gen_y = s->find("/a/y")->gen;
    const std::uint32_t owned7 = s->owned_by(7);

    ASSERT_TRUE(s->put("/a", "changed", Perms{Perm{9, kPermNone}}));
    ASSERT_TRUE(s->remove("/a/y", nullptr));
    ASSERT_TRUE(s->put("/a/new", "n", kP));
    ASSERT_TRUE(s->put("/a/new/kid", "k", kP));
    ASSERT_TRUE(s->remove("/a/x", nullptr));
    ASSERT_TRUE(s->put_domain(4, "5 6 -"));
    ASSERT_TRUE(s->remove_domain(3));
    ASSERT_TRUE(s->set_special_perms("@releaseDomain", Perms{Perm{4, kPermRead}}));
    EXPECT_TRUE(s->pending());
    s->rollback();
    EXPECT_FALSE(s->pending());

    EXPECT_EQ(s->find("/a")->value, "1");
    EXPECT_EQ(perms(s->find("/a")), kP);
    EXPECT_EQ(s->find("/a")->gen, gen_a);
    EXPECT_EQ(children(*s, "/a"), (std::vector<std::string>{"x", "y", "z"}));
    EXPECT_EQ(s->find("/a/y")->gen, gen_y);
    EXPECT_EQ(s->find("/a/y/deep")->value, "d");
    EXPECT_FALSE(s->find("/a/new"));
    EXPECT_EQ(s->owned_by(7), owned7);
    EXPECT_EQ(s->owned_by(9), 0u);
    EXPECT_EQ(s->domains().size(), 1u);
    EXPECT_EQ(s->domains().at(3), "1 2 -");
    EXPECT_EQ(*s->special_perms("@releaseDomain"), (Perms{Perm{0, kPermNone}}));
    EXPECT_EQ(s->check(), "");  // memory and tdb agree
    // And the store goes on working.
    ASSERT_TRUE(s->put("/a/w", "w", kP));
    ASSERT_TRUE(s->commit());
    EXPECT_EQ(s->check(), "");
}

// A daemon killed after its commits (no merge, no clean exit): the next
// open replays the journal; a torn last record is dropped.
TEST_F(StoreTest, KilledDaemonsCommitsComeBackFromTheJournal) {
    { auto s = open(true); }  // an empty store on disk
    pid_t pid = ::fork();
    if (pid == 0) {
        auto s = Store::open(path_, false, 131);
        if (!s) ::_exit(1);
        (void)(*s)->put("/a", "1", kP);
        (void)(*s)->put("/a/b", "2", kP);
        (void)(*s)->commit();
        (void)(*s)->put("/a/c", "3", kP);
        (void)(*s)->remove("/a/b", nullptr);
        (void)(*s)->set_special_perms("@introduceDomain", Perms{Perm{3, kPermRead}});
        (void)(*s)->put_domain(4, "1 2 -");
        (void)(*s)->commit();
        (void)(*s)->put("/never", "x", kP);  // not committed
        ::_exit(0);  // no destructor: nothing merged
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    // A torn record after them (the daemon died writing it).
    ASSERT_EQ(std::system(("printf 'garbage-garbage-garbage' >> " + path_ + ".journal").c_str()), 0);
    auto s = open(false);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->find("/a")->value, "1");
    EXPECT_FALSE(s->find("/a/b"));
    EXPECT_EQ(s->find("/a/c")->value, "3");
    EXPECT_FALSE(s->find("/never"));
    EXPECT_EQ(*s->special_perms("@introduceDomain"), (Perms{Perm{3, kPermRead}}));
    EXPECT_EQ(s->domains().at(4), "1 2 -");
    EXPECT_EQ(s->check(), "");
    EXPECT_FALSE(s->merge_due());  // the open merged them into the tdb
}

// The merge writes each node's final state once, and a rolled-back removal
// deletes nothing from the tdb.
TEST_F(StoreTest, MergeAfterRolledBackRemoval) {
    auto s = open(true);
    ASSERT_TRUE(s->put("/a", "", kP));
    ASSERT_TRUE(s->put("/a/b", "x", kP));
    ASSERT_TRUE(s->commit());
    ASSERT_TRUE(s->merge());
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(s->put("/a/b", std::to_string(i), kP));
        ASSERT_TRUE(s->commit());
    }
    ASSERT_TRUE(s->remove("/a", nullptr));
    s->rollback();
    EXPECT_TRUE(s->merge_due());
    ASSERT_TRUE(s->merge());
    EXPECT_FALSE(s->merge_due());
    EXPECT_EQ(s->journal_bytes(), 0u);
    EXPECT_EQ(s->check(), "");
    s.reset();
    s = open(false);
    EXPECT_EQ(s->find("/a/b")->value, "99");
}

// Removing most of a large store rebuilds the tdb instead of deleting
// record by record; growing it rebuilds with a larger hash table.
TEST_F(StoreTest, RebuildsOnMassRemovalAndGrowth) {
    auto s = open(true);
    ASSERT_TRUE(s->put("/keep", "k", kP));
    ASSERT_TRUE(s->put("/big", "", kP));
    for (int i = 0; i < 6000; ++i) {
        std::string dir = "/big/" + std::to_string(i / 100);
        if (i % 100 == 0) {
            ASSERT_TRUE(s->put(dir, "", kP));
        }
        ASSERT_TRUE(s->put(dir + "/" + std::to_string(i), "v", kP));
    }
    ASSERT_TRUE(s->commit());
    ASSERT_TRUE(s->merge());
    EXPECT_EQ(s->check(), "");
    ASSERT_TRUE(s->remove("/big", nullptr));
    ASSERT_TRUE(s->commit());
    ASSERT_TRUE(s->merge());
    EXPECT_EQ(s->check(), "");
    EXPECT_EQ(s->node_count(), 2u);
    s.reset();
    auto tdb = TdbFile::open(path_, false, 131);
    ASSERT_TRUE(tdb);
    EXPECT_GE((*tdb)->hash_size(), 4093u);  // grew from 131 with the 6,000 nodes
    std::size_t records = 0;
    ASSERT_TRUE((*tdb)->for_each([&](std::string_view, std::string_view) {
        ++records;
        return Status();
    }));
    EXPECT_EQ(records, 2u + 2u + 2u);  // "/", "/keep", two specials, two journal records
}

TEST_F(StoreTest, AnotherStoresJournalIsRefused) {
    { auto s = open(true); }
    std::string other = dir_ + "/other";
    {
        auto s = Store::open(other, true, 131);
        ASSERT_TRUE(s);
    }
    ASSERT_EQ(std::system(("cp " + other + ".journal " + path_ + ".journal").c_str()), 0);
    auto s = Store::open(path_, false, 131);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("another store"), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find("--new-store"), std::string::npos) << s.error().message;
    // --new-store discards both.
    s = Store::open(path_, true, 131);
    ASSERT_TRUE(s) << s.error().message;
}

}  // namespace
}  // namespace xvm::xs
