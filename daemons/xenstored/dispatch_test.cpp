// The dispatcher against a real store, without sockets: exact replies and
// error names for the semantics the end-to-end tests cannot see easily.
#include "daemons/xenstored/dispatch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

namespace xvm::xs {
namespace {

class NoDomains : public Services {
public:
    Status introduce(DomainId, std::uint64_t, std::uint32_t) override {
        return make_error("none", ENOSYS);
    }
    Status release(DomainId) override { return make_error("none", ENOENT); }
    Status resume(DomainId) override { return make_error("none", ENOENT); }
    bool introduced(DomainId) const override { return false; }
    Status set_target(DomainId, DomainId) override { return make_error("none", ENOENT); }
    void set_trace(bool) override {}
    std::string describe() const override { return ""; }
};

class DispatchTest : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = "/tmp/xs-dispatch-test-" + std::to_string(::getpid());
        auto tdb = TdbFile::open(path_, true, 131);
        ASSERT_TRUE(tdb);
        store_ = std::move(*Store::load(std::move(*tdb)));
        guest_.caller = Caller{5, false, 0, false};
        dom0_.caller = Caller{0, true, 0, false};
        ctx_.emplace(Context{*store_, watches_, quotas_, services_,
                             [this](const Watch& w, std::string_view p, const EventPerms&) {
                                 events_.push_back(std::string(p.substr(w.strip)) + " " +
                                                   w.token);
                             }});
    }
    void TearDown() override { ::unlink(path_.c_str()); }

    struct Reply {
        std::uint32_t type;
        std::string payload;
    };
    // Sends one request; returns the first message it produced.
    Reply call(Connection& c, std::uint32_t type, std::string payload, std::uint32_t tx = 0) {
        std::string wire;
        xs_append(wire, type, 9, tx, payload);
        auto msg = xs_parse(std::span<const char>(wire));
        c.out.clear();
        dispatch(*ctx_, c, **msg);
        auto reply = xs_parse(std::span<const char>(c.out));
        EXPECT_TRUE(reply && *reply);
        return {(*reply)->header.type, std::string((*reply)->payload)};
    }
    static std::string z(std::string s) { return s + std::string(1, '\0'); }

    std::string path_;
    std::unique_ptr<Store> store_;
    WatchTable watches_;
    Quotas quotas_;
    NoDomains services_;
    std::vector<std::string> events_;
    std::optional<Context> ctx_;
    Connection dom0_, guest_;
};

TEST_F(DispatchTest, DirectoryPartPagesWholeNamesAndEndsWithEmptyName) {
    for (int i = 0; i < 600; ++i) ASSERT_EQ(call(dom0_, XS_WRITE, z("/d/child" + std::to_string(i))).type, XS_WRITE);
    ASSERT_EQ(call(dom0_, XS_DIRECTORY, z("/d")).payload, "E2BIG" + std::string(1, '\0'));
    std::string all;
    std::string gen;
    std::size_t offset = 0;
    for (int part = 0; part < 10; ++part) {
        Reply r = call(dom0_, XS_DIRECTORY_PART, z("/d") + z(std::to_string(offset)));
        ASSERT_EQ(r.type, XS_DIRECTORY_PART);
        ASSERT_LE(r.payload.size(), XENSTORE_PAYLOAD_MAX);
        std::string g = r.payload.substr(0, r.payload.find('\0'));
        if (part == 0) gen = g;
        EXPECT_EQ(g, gen);
        std::string names = r.payload.substr(g.size() + 1);
        bool last = names.size() >= 1 && names.back() == '\0' &&
                    (names.size() == 1 || names[names.size() - 2] == '\0');
        if (last) names.pop_back();
        all += names;
        offset += names.size();
        if (last) break;
    }
    EXPECT_EQ(std::count(all.begin(), all.end(), '\0'), 600);
    EXPECT_EQ(all.substr(0, 7), "child0" + std::string(1, '\0'));
}

TEST_F(DispatchTest, RelativeWatchReportsRelativePaths) {
    ASSERT_EQ(call(dom0_, XS_WATCH, z("rel") + z("tok")).type, XS_WATCH);
    ASSERT_EQ(call(dom0_, XS_WRITE, z("/local/domain/0/rel/x") + "v").type, XS_WRITE);
    ASSERT_EQ(events_, std::vector<std::string>{"rel/x tok"});
    EXPECT_EQ(call(dom0_, XS_WATCH, z("rel") + z("tok")).payload, z("EEXIST"));
}

TEST_F(DispatchTest, GuestPermissionRules) {
    ASSERT_EQ(call(dom0_, XS_WRITE, z("/local/domain/5")).type, XS_WRITE);
    ASSERT_EQ(call(dom0_, XS_SET_PERMS, z("/local/domain/5") + z("n5")).type, XS_SET_PERMS);
    ASSERT_EQ(call(guest_, XS_WRITE, z("a") + "1").type, XS_WRITE);
    EXPECT_EQ(call(dom0_, XS_GET_PERMS, z("/local/domain/5/a")).payload, z("n5"));
    // Sharing is allowed, giving away is not.
    EXPECT_EQ(call(guest_, XS_SET_PERMS, z("a") + z("n5") + z("r7")).type, XS_SET_PERMS);
    EXPECT_EQ(call(guest_, XS_SET_PERMS, z("a") + z("n7")).payload, z("EPERM"));
    ASSERT_EQ(call(dom0_, XS_WRITE, z("/hidden/x") + "1").type, XS_WRITE);
    // Unreadable parent: the guest may not learn whether a node exists.
    EXPECT_EQ(call(guest_, XS_READ, z("/hidden/nothing")).payload, z("EACCES"));
    EXPECT_EQ(call(guest_, XS_READ, z("/local/domain/5/nothing")).payload, z("ENOENT"));
    EXPECT_EQ(call(guest_, XS_WRITE, z("/hidden/y") + "1").payload, z("EACCES"));
    EXPECT_EQ(call(guest_, XS_INTRODUCE, z("6") + z("1") + z("1")).payload, z("EACCES"));
}

TEST_F(DispatchTest, TransactionConflictIsEagainAndCommitFiresWatches) {
    ASSERT_EQ(call(dom0_, XS_WRITE, z("/t") + "a").type, XS_WRITE);
    ASSERT_EQ(call(dom0_, XS_WATCH, z("/t") + z("w")).type, XS_WATCH);
    events_.clear();
    Reply start = call(dom0_, XS_TRANSACTION_START, z(""));
    std::uint32_t tx = std::stoul(start.payload);
    EXPECT_EQ(call(dom0_, XS_READ, z("/t"), tx).payload, "a");
    EXPECT_EQ(call(dom0_, XS_WRITE, z("/t") + "b", tx).type, XS_WRITE);
    EXPECT_TRUE(events_.empty());  // nothing fires before commit
    EXPECT_EQ(call(dom0_, XS_TRANSACTION_START, z(""), tx).payload, z("EBUSY"));
    EXPECT_EQ(call(dom0_, XS_TRANSACTION_END, z("T"), tx).type, XS_TRANSACTION_END);
    EXPECT_EQ(events_, std::vector<std::string>{"/t w"});
    EXPECT_EQ(call(dom0_, XS_READ, z("/t")).payload, "b");

    tx = std::stoul(call(dom0_, XS_TRANSACTION_START, z("")).payload);
    EXPECT_EQ(call(dom0_, XS_READ, z("/t"), tx).payload, "b");
    ASSERT_EQ(call(dom0_, XS_WRITE, z("/t") + "c").type, XS_WRITE);
    EXPECT_EQ(call(dom0_, XS_READ, z("/t"), tx).payload, "b");  // snapshot
    EXPECT_EQ(call(dom0_, XS_TRANSACTION_END, z("T"), tx).payload, z("EAGAIN"));
    EXPECT_EQ(call(dom0_, XS_READ, z("/t"), tx).payload, z("ENOENT"));  // tx gone
}

TEST_F(DispatchTest, GuestQuotas) {
    quotas_.nodes = 3;
    ASSERT_EQ(call(dom0_, XS_WRITE, z("/local/domain/5")).type, XS_WRITE);
    ASSERT_EQ(call(dom0_, XS_SET_PERMS, z("/local/domain/5") + z("n5")).type, XS_SET_PERMS);
    // The guest owns /local/domain/5 now: one node.
    EXPECT_EQ(call(guest_, XS_WRITE, z("a") + "1").type, XS_WRITE);
    EXPECT_EQ(call(guest_, XS_WRITE, z("b") + "1").type, XS_WRITE);
    EXPECT_EQ(call(guest_, XS_WRITE, z("c") + "1").payload, z("ENOSPC"));
    EXPECT_EQ(call(guest_, XS_WRITE, z("a") + std::string(2049, 'x')).payload, z("ENOSPC"));
    EXPECT_EQ(call(dom0_, XS_WRITE, z("/big") + std::string(3000, 'x')).type, XS_WRITE);
}

}  // namespace
}  // namespace xvm::xs
