#include "daemons/xenstored/journal.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "daemons/xenstored/store_ops.h"

namespace xvm::xs {
namespace {

class JournalTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xs-journal-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        path_ = dir_ + "/journal";
    }
    void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

    // Every record after `after`, as (seq, payload).
    Result<std::vector<std::pair<std::uint64_t, std::string>>> records(std::uint64_t after,
                                                                       std::uint64_t id = 7) {
        std::vector<std::pair<std::uint64_t, std::string>> out;
        auto r = Journal::read(path_, id, after, [&](std::uint64_t seq, std::string_view p) {
            out.emplace_back(seq, std::string(p));
            return Status();
        });
        if (!r) return std::move(r).error();
        torn_ = r->torn;
        return out;
    }
    void append_raw(const std::string& bytes, off_t at) {
        int fd = ::open(path_.c_str(), O_WRONLY);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), at), ssize_t(bytes.size()));
        ::close(fd);
    }
    std::string dir_, path_;
    bool torn_ = false;
};

TEST(Crc32c, KnownValues) {
    EXPECT_EQ(crc32c(0, "123456789", 9), 0xe3069283u);
    EXPECT_EQ(crc32c(0, "", 0), 0u);
    std::string zeros(32, '\0');
    EXPECT_EQ(crc32c(0, zeros.data(), zeros.size()), 0x8a9136aau);
    // In pieces, the same.
    EXPECT_EQ(crc32c(crc32c(0, "12345", 5), "6789", 4), 0xe3069283u);
}

TEST_F(JournalTest, MissingFileHasNoRecords) {
    auto r = records(0);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->empty());
}

TEST_F(JournalTest, RecordsComeBackInOrder) {
    auto j = Journal::create(path_, 7, 10);
    ASSERT_TRUE(j) << j.error().message;
    ASSERT_TRUE((*j)->append(11, "one"));
    ASSERT_TRUE((*j)->append(12, std::string("t\0o", 3)));
    ASSERT_TRUE((*j)->append(13, ""));
    auto r = records(10);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->size(), 3u);
    EXPECT_EQ((*r)[0], std::make_pair(std::uint64_t(11), std::string("one")));
    EXPECT_EQ((*r)[1].second, std::string("t\0o", 3));
    EXPECT_EQ((*r)[2], std::make_pair(std::uint64_t(13), std::string()));
    EXPECT_FALSE(torn_);
    // Those the tdb already has are skipped.
    r = records(12);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(r->front().first, 13u);
}

// A daemon killed inside pwrite(): the partial record and anything after
// it is not read; what came before is.
TEST_F(JournalTest, TornTailIsIgnored) {
    auto j = Journal::create(path_, 7, 0);
    ASSERT_TRUE(j);
    ASSERT_TRUE((*j)->append(1, "kept"));
    std::size_t end = Journal::kHeaderSize + Journal::kRecordHeader + 4;
    ASSERT_TRUE((*j)->append(2, std::string(100, 'x')));
    append_raw(std::string(20, 'y'), static_cast<off_t>(end + 40));  // damage record 2
    auto r = records(0);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(r->front().second, "kept");
    EXPECT_TRUE(torn_);
}

TEST_F(JournalTest, ResetForgetsOldRecords) {
    auto j = Journal::create(path_, 7, 0);
    ASSERT_TRUE(j);
    for (std::uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE((*j)->append(i, "old record"));
    ASSERT_TRUE((*j)->reset(5));
    EXPECT_EQ((*j)->bytes(), 0u);
    auto r = records(5);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->empty());  // records 2..5 are still in the file, never read
    EXPECT_FALSE(torn_);
    ASSERT_TRUE((*j)->append(6, "new"));  // shorter than the record it overwrites
    r = records(5);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(r->front().first, 6u);
}

TEST_F(JournalTest, AnotherStoresJournalIsRefused) {
    auto j = Journal::create(path_, 7, 0);
    ASSERT_TRUE(j);
    ASSERT_TRUE((*j)->append(1, "x"));
    auto r = records(0, 8);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("another store"), std::string::npos) << r.error().message;
}

TEST_F(JournalTest, MissingRecordsAreAnError) {
    auto j = Journal::create(path_, 7, 20);  // records from 21 on
    ASSERT_TRUE(j);
    auto r = records(10);  // but the tdb has only up to 10
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("missing"), std::string::npos) << r.error().message;
}

TEST_F(JournalTest, GarbageIsNotAJournal) {
    ASSERT_EQ(std::system(("head -c 100 /dev/urandom > " + path_).c_str()), 0);
    auto r = records(0);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("no valid header"), std::string::npos) << r.error().message;
}

TEST_F(JournalTest, ApplyErrorsNameTheRecord) {
    auto j = Journal::create(path_, 7, 0);
    ASSERT_TRUE(j);
    ASSERT_TRUE((*j)->append(1, "x"));
    auto r = Journal::read(path_, 7, 0, [](std::uint64_t, std::string_view) -> Status {
        return make_error("bad op", EIO);
    });
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("record 1"), std::string::npos) << r.error().message;
}

TEST(StoreOps, RoundTripAndTruncation) {
    std::string rec;
    ops::put(rec, "/a/b", Perms{Perm{3, kPermRead}, Perm{4, kPermWrite}}, std::string("v\0w", 3));
    ops::remove(rec, "/a");
    ops::special(rec, "@releaseDomain", Perms{Perm{0, kPermNone}});
    ops::domain(rec, 9, "12 3 -");
    ops::remove_domain(rec, 9);
    std::vector<char> kinds;
    ASSERT_TRUE(ops::for_each(rec, [&](const ops::Op& op) {
        kinds.push_back(op.kind);
        if (op.kind == 'P') {
            EXPECT_EQ(op.path, "/a/b");
            EXPECT_EQ(op.perms.size(), 2u);
            EXPECT_EQ(op.value, std::string("v\0w", 3));
        }
        if (op.kind == 'D') {
            EXPECT_EQ(op.value, "12 3 -");
        }
        return Status();
    }));
    EXPECT_EQ(kinds, (std::vector<char>{'P', 'R', 'S', 'D', 'd'}));
    // Every cut is an error, never a read past the end.
    for (std::size_t n = 1; n < rec.size(); ++n) {
        Status s = ops::for_each(std::string_view(rec).substr(0, n),
                                 [](const ops::Op&) { return Status(); });
        bool at_boundary = false;
        std::size_t at = 0;
        while (at < n) {
            auto op = ops::next(rec, at);
            ASSERT_TRUE(op);
            if (at == n) at_boundary = true;
        }
        EXPECT_EQ(bool(s), at_boundary) << n;
    }
    Status bad = ops::for_each("X", [](const ops::Op&) { return Status(); });
    EXPECT_FALSE(bad);
    std::string zero_perms = "S";
    zero_perms.append("\x01\x00@\x00\x00", 5);
    EXPECT_FALSE(ops::for_each(zero_perms, [](const ops::Op&) { return Status(); }));
}

}  // namespace
}  // namespace xvm::xs
