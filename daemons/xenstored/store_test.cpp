#include "daemons/xenstored/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

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
        auto tdb = TdbFile::open(path_, fresh, 131);
        EXPECT_TRUE(tdb) << tdb.error().message;
        if (!tdb) return nullptr;
        auto store = Store::load(std::move(*tdb));
        EXPECT_TRUE(store) << store.error().message;
        return store ? std::move(*store) : nullptr;
    }
    std::string dir_, path_;
};

const Perms kP{Perm{0, kPermRead}};

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
        // Dropped without commit: the tdb transaction is cancelled.
    }
    auto s = open(false);
    ASSERT_NE(s->find("/a/b"), nullptr);
    EXPECT_EQ(s->find("/a/b")->value, "2");
    EXPECT_EQ(s->find("/a/b")->perms.size(), 2u);
    EXPECT_EQ(s->find("/a")->children, std::vector<std::string>{"b"});
    EXPECT_EQ(s->find("/uncommitted"), nullptr);
    EXPECT_EQ(s->check(), "");
}

TEST_F(StoreTest, RemoveReportsEveryNode) {
    auto s = open(true);
    ASSERT_TRUE(s->put("/a", "", kP));
    ASSERT_TRUE(s->put("/a/b", "", kP));
    ASSERT_TRUE(s->put("/a/b/c", "", kP));
    std::vector<std::string> removed;
    ASSERT_TRUE(s->remove("/a", [&](const std::string& p, const Perms&) { removed.push_back(p); }));
    EXPECT_EQ(removed.size(), 3u);
    EXPECT_EQ(s->find("/a"), nullptr);
    EXPECT_TRUE(s->find("/")->children.empty());
    ASSERT_TRUE(s->commit());
    EXPECT_EQ(s->check(), "");
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
    EXPECT_EQ(s->find("/a/new"), nullptr);
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
    EXPECT_EQ(t.get("/a"), nullptr);
    ASSERT_TRUE(t.put("/a", "v", kP));
    ASSERT_TRUE(t.put("/a/x", "", kP));
    ASSERT_TRUE(t.commit(events));
    EXPECT_EQ(s->find("/a/old"), nullptr);
    EXPECT_EQ(s->find("/a")->children, std::vector<std::string>{"x"});
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
    EXPECT_EQ(s->find("/a")->perms, kP);
    EXPECT_EQ(s->find("/a")->gen, gen_a);
    EXPECT_EQ(s->find("/a")->children, (std::vector<std::string>{"x", "y", "z"}));
    EXPECT_EQ(s->find("/a/y")->gen, gen_y);
    EXPECT_EQ(s->find("/a/y/deep")->value, "d");
    EXPECT_EQ(s->find("/a/new"), nullptr);
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

}  // namespace
}  // namespace xvm::xs
