// Guest logs: Xen's timestamp format and carriage-return rule, names a
// guest cannot turn into paths, no links followed, a size limit.
#include "daemons/xenconsoled/guest_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace xvm::console {
namespace {

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

class GuestLogTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/guestlog.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(fd_, 0);
    }
    void TearDown() override {
        ::close(fd_);
        std::string cmd = "rm -rf " + dir_;
        (void)!::system(cmd.c_str());
    }
    std::string dir_;
    int fd_ = -1;
};

TEST(GuestLogNames, OnlyPlainNames) {
    for (const char* ok : {"web", "web-1", "a.b", "db_2", "x:y", "c++"})
        EXPECT_TRUE(valid_log_name(ok)) << ok;
    for (const char* bad : {"", ".hidden", "..", "../etc/passwd", "a/b", "a b", "tab\t",
                            "nl\n", "\x1b[31m"})
        EXPECT_FALSE(valid_log_name(bad)) << bad;
    EXPECT_FALSE(valid_log_name(std::string(65, 'a')));
}

TEST(GuestLogStamps, EveryLineStartsWithTheStamp) {
    bool start = true;
    EXPECT_EQ(timestamped("a\nb\n", "[T] ", start), "[T] a\n[T] b\n");
    EXPECT_TRUE(start);
    EXPECT_EQ(timestamped("par", "[T] ", start), "[T] par");
    EXPECT_FALSE(start);
    EXPECT_EQ(timestamped("tial\n", "[U] ", start), "tial\n");  // same line: no new stamp
    // A carriage return right after a newline is dropped.
    EXPECT_EQ(timestamped("x\n\ry\r\n", "[T] ", start), "[T] x\n[T] y\r\n");
    // ... also across chunks.
    EXPECT_EQ(timestamped("\rz", "[T] ", start), "[T] \rz");  // not right after: kept
}

TEST(GuestLogStamps, StampFormatIsXens) {
    std::string s = stamp_for(0);
    ASSERT_EQ(s.size(), std::string("[1970-01-01 00:00:00] ").size()) << s;
    EXPECT_EQ(s.front(), '[');
    EXPECT_EQ(s.substr(s.size() - 2), "] ");
}

TEST_F(GuestLogTest, WritesAppendsAndReopensForRotation) {
    auto log = GuestLog::open(fd_, dir_, "web", {});
    ASSERT_TRUE(log) << log.error().message;
    log->write("boot\n");
    EXPECT_EQ(slurp(dir_ + "/guest-web.log"), "boot\n");
    ASSERT_EQ(::rename((dir_ + "/guest-web.log").c_str(), (dir_ + "/guest-web.log.0").c_str()), 0);
    log->write("more\n");  // still the renamed file until reopened
    ASSERT_TRUE(log->reopen(fd_, {.timestamps = true}));
    log->write("after\n");
    EXPECT_EQ(slurp(dir_ + "/guest-web.log.0"), "boot\nmore\n");
    std::string fresh = slurp(dir_ + "/guest-web.log");
    EXPECT_NE(fresh.find("] Logfile Opened\n["), std::string::npos) << fresh;
    EXPECT_NE(fresh.find("] after\n"), std::string::npos) << fresh;
    struct stat st {};
    ASSERT_EQ(::stat((dir_ + "/guest-web.log").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(GuestLogTest, RefusesLinksAndNonFiles) {
    ASSERT_EQ(::symlink("/etc/passwd", (dir_ + "/guest-evil.log").c_str()), 0);
    auto log = GuestLog::open(fd_, dir_, "evil", {});
    EXPECT_FALSE(log);
    ASSERT_EQ(::mkfifo((dir_ + "/guest-fifo.log").c_str(), 0644), 0);
    log = GuestLog::open(fd_, dir_, "fifo", {});  // never blocks, never writes into it
    ASSERT_FALSE(log);
    EXPECT_NE(log.error().message.find("guest-fifo.log"), std::string::npos);
    log = GuestLog::open(fd_, dir_, "../escape", {});
    ASSERT_FALSE(log);
    EXPECT_NE(log.error().message.find("cannot name a log file"), std::string::npos);
}

TEST_F(GuestLogTest, StopsAtItsLimit) {
    auto log = GuestLog::open(fd_, dir_, "big", {.timestamps = false, .limit_bytes = 10});
    ASSERT_TRUE(log);
    log->write("12345");
    log->write("67890");
    log->write("x");  // would pass the limit: dropped
    EXPECT_EQ(slurp(dir_ + "/guest-big.log"), "1234567890");
}

}  // namespace
}  // namespace xvm::console
