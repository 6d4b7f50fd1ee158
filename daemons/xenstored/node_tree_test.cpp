#include "daemons/xenstored/node_tree.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace xvm::xs {
namespace {

const Perms kOne{Perm{0, kPermRead}};
const Perms kThree{Perm{5, kPermNone}, Perm{7, kPermRead}, Perm{9, kPermWrite}};

std::vector<std::string> kids(const NodeTree& t, NodeId id) {
    std::vector<std::string> out;
    for (NodeId c = t.first_child(id); c != kNoNode; c = t.next_sibling(c))
        out.emplace_back(t.name(c));
    return out;
}

class NodeTreeTest : public ::testing::Test {
protected:
    void SetUp() override { root_ = t_.create_root(kOne, ""); }
    NodeId add(NodeId parent, const std::string& name, const std::string& value = "") {
        return t_.create(parent, name, kOne, value);
    }
    NodeTree t_;
    NodeId root_ = kNoNode;
};

TEST_F(NodeTreeTest, FindsByPathAndBuildsPaths) {
    NodeId a = add(root_, "a");
    NodeId b = add(a, "b", "value");
    EXPECT_EQ(t_.find("/"), root_);
    EXPECT_EQ(t_.find("/a"), a);
    EXPECT_EQ(t_.find("/a/b"), b);
    EXPECT_EQ(t_.find("/a/c"), kNoNode);
    EXPECT_EQ(t_.find("/b"), kNoNode);
    EXPECT_EQ(t_.find("a"), kNoNode);
    EXPECT_EQ(t_.find(""), kNoNode);
    EXPECT_EQ(t_.path(b), "/a/b");
    EXPECT_EQ(t_.path(root_), "/");
    EXPECT_EQ(t_.value(b), "value");
    EXPECT_EQ(t_.size(), 3u);
}

TEST_F(NodeTreeTest, SameNameUnderDifferentParents) {
    NodeId a = add(root_, "x");
    NodeId b = add(a, "x");
    NodeId c = add(b, "x");
    EXPECT_EQ(t_.find("/x/x/x"), c);
    EXPECT_EQ(t_.find("/x/x"), b);
    EXPECT_EQ(t_.child(root_, "x"), a);
}

// Inline (name + value up to 13 bytes, one permission) and heap data,
// switching both ways, values with NULs, many permissions.
TEST_F(NodeTreeTest, DataInlineAndOnTheHeap) {
    NodeId a = add(root_, "state", "4");
    EXPECT_EQ(t_.value(a), "4");
    std::string longv(3000, 'v');
    t_.set(a, kOne, longv);
    EXPECT_EQ(t_.value(a), longv);
    EXPECT_EQ(t_.name(a), "state");
    t_.set(a, kThree, std::string("a\0b", 3));
    EXPECT_EQ(t_.value(a), std::string("a\0b", 3));
    EXPECT_EQ(Perms(t_.perms(a).begin(), t_.perms(a).end()), kThree);
    t_.set(a, kOne, "");
    EXPECT_EQ(t_.value(a), "");
    EXPECT_EQ(t_.name(a), "state");
    EXPECT_EQ(t_.perms(a).size(), 1u);
    NodeId b = add(root_, "thirteen-byte", "");  // 13 + 0: inline
    NodeId c = add(root_, "fourteen-bytes", "");
    EXPECT_EQ(t_.name(b), "thirteen-byte");
    EXPECT_EQ(t_.name(c), "fourteen-bytes");
    EXPECT_EQ(t_.find("/fourteen-bytes"), c);
}

TEST_F(NodeTreeTest, ChildrenStayInCreationOrder) {
    NodeId d = add(root_, "d");
    for (const char* n : {"c", "a", "b"}) add(d, n);
    EXPECT_EQ(kids(t_, d), (std::vector<std::string>{"c", "a", "b"}));
}

// detach() and reattach() restore the exact position: first, middle,
// last and only child.
TEST_F(NodeTreeTest, DetachAndReattachKeepThePosition) {
    NodeId d = add(root_, "d");
    NodeId x = add(d, "x"), y = add(d, "y"), z = add(d, "z");
    add(y, "deep");
    for (NodeId id : {x, y, z}) {
        t_.detach(id);
        EXPECT_EQ(kids(t_, d).size(), 2u);
        EXPECT_EQ(t_.find(t_.path(id)), kNoNode);
        t_.reattach(id);
        EXPECT_EQ(kids(t_, d), (std::vector<std::string>{"x", "y", "z"}));
    }
    EXPECT_EQ(t_.find("/d/y/deep"), t_.first_child(y));
    // Detach several, reattach in reverse order (as a rollback does).
    t_.detach(x);
    t_.detach(z);
    t_.detach(y);
    EXPECT_EQ(t_.first_child(d), kNoNode);
    t_.reattach(y);
    t_.reattach(z);
    t_.reattach(x);
    EXPECT_EQ(kids(t_, d), (std::vector<std::string>{"x", "y", "z"}));
    // A new child after a detached one goes to the end.
    t_.detach(y);
    NodeId w = add(d, "w");
    EXPECT_EQ(kids(t_, d), (std::vector<std::string>{"x", "z", "w"}));
    t_.detach(w);
    t_.destroy(w);
    t_.reattach(y);
    EXPECT_EQ(kids(t_, d), (std::vector<std::string>{"x", "y", "z"}));
}

TEST_F(NodeTreeTest, DestroyFreesTheSubtreeAndSlotsAreReused) {
    NodeId a = add(root_, "a");
    for (int i = 0; i < 100; ++i) add(add(a, "n" + std::to_string(i)), "leaf", "v");
    EXPECT_EQ(t_.size(), 202u);
    NodeId limit = t_.id_limit();
    t_.detach(a);
    EXPECT_EQ(t_.size(), 202u);  // detached nodes live until destroyed
    t_.destroy(a);
    EXPECT_EQ(t_.size(), 1u);
    EXPECT_EQ(t_.find("/a/n5/leaf"), kNoNode);
    for (int i = 0; i < 201; ++i) add(root_, "m" + std::to_string(i));
    EXPECT_EQ(t_.id_limit(), limit);  // the freed slots
    EXPECT_EQ(t_.find("/m200"), t_.child(root_, "m200"));
}

TEST_F(NodeTreeTest, ManyNodesGrowTheIndex) {
    NodeId a = add(root_, "a");
    for (int i = 0; i < 20000; ++i) add(a, std::to_string(i), std::to_string(i));
    for (int i = 0; i < 20000; i += 997) {
        NodeId id = t_.find("/a/" + std::to_string(i));
        ASSERT_NE(id, kNoNode) << i;
        EXPECT_EQ(t_.value(id), std::to_string(i));
    }
    EXPECT_EQ(t_.find("/a/20000"), kNoNode);
}

TEST_F(NodeTreeTest, DeepPaths) {
    NodeId at = root_;
    std::string path;
    for (int i = 0; i < 150; ++i) {
        at = add(at, "p" + std::to_string(i));
        path += "/p" + std::to_string(i);
    }
    EXPECT_EQ(t_.path(at), path);
    EXPECT_EQ(t_.find(path), at);
}

TEST_F(NodeTreeTest, CreatorAndMark) {
    NodeId a = add(root_, "a");
    EXPECT_FALSE(t_.has_creator(a));
    t_.set_creator(a, 0);  // uid 0 is a user too
    EXPECT_TRUE(t_.has_creator(a));
    EXPECT_EQ(t_.creator(a), 0u);
    t_.set_creator(a, 1000);
    EXPECT_EQ(t_.creator(a), 1000u);
    EXPECT_FALSE(t_.marked(a));
    t_.set_marked(a, true);
    EXPECT_TRUE(t_.marked(a));
    t_.set(a, kThree, "x");  // data changes keep the flags
    EXPECT_TRUE(t_.marked(a));
    t_.set_marked(a, false);
    EXPECT_FALSE(t_.marked(a));
}

}  // namespace
}  // namespace xvm::xs
