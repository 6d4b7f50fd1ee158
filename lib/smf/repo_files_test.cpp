// The repository's files (repo_files.h) and what Repository does with
// them: nothing is ever created over an existing file, locks only their
// owner can take, bounded waits, the users' copy, backups.
#include "lib/smf/repo_files.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <tdb.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "lib/smf/smf_repo.h"

namespace xvm::smf {
namespace {

class RepoFiles : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xvm-repofiles-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        path_ = dir_ + "/etc/svc/repository.tdb";
    }
    void TearDown() override { (void)::system(("rm -rf " + dir_).c_str()); }
    static std::string slurp(const std::string& p) {
        std::ifstream in(p);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
    static mode_t mode_of(const std::string& p) {
        struct stat st {};
        return ::lstat(p.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
    }
    static ino_t inode_of(const std::string& p) {
        struct stat st {};
        return ::lstat(p.c_str(), &st) == 0 ? st.st_ino : 0;
    }
    void populate() {
        auto r = Repository::open_path(path_, true);
        ASSERT_TRUE(r) << r.error().message;
        ASSERT_TRUE((*r)->create("site/demo"));
        ASSERT_TRUE((*r)->create("site/demo:default"));
        ASSERT_TRUE((*r)->update("site/demo", [](PgSet& s) -> Status {
            auto& c = s.get_or_add("secret", "application");
            c.set(Property{"read_authorization", PropType::Astring, {"solaris.smf.read.demo"}});
            c.set(Property{"password", PropType::Astring, {"hunter2"}});
            s.get_or_add("config", "application").set(Property{"port", PropType::Integer, {"80"}});
            return {};
        }));
        ASSERT_TRUE((*r)->take_snapshot("site/demo:default", "running"));
    }
    std::string dir_, path_;
};

TEST_F(RepoFiles, NewRepositoryIsPrivateAndItsCopyPublic) {
    populate();
    EXPECT_EQ(mode_of(path_), 0600u);
    EXPECT_EQ(mode_of(path_ + ".lock"), 0600u);
    EXPECT_EQ(mode_of(dir_ + "/etc/svc/repository-public.tdb"), 0644u);
}

TEST_F(RepoFiles, PublicCopyWithholdsProtectedValuesOnly) {
    populate();
    auto pub = Repository::open_public(public_path(path_));
    ASSERT_TRUE(pub) << pub.error().message;
    EXPECT_TRUE((*pub)->is_public());
    auto svc = (*pub)->current("site/demo");
    ASSERT_TRUE(svc);
    const PropertyGroup* secret = svc->find("secret");
    ASSERT_NE(secret, nullptr);
    EXPECT_TRUE(secret->withheld);
    ASSERT_NE(secret->find("password"), nullptr) << "names and types stay";
    EXPECT_TRUE(secret->find("password")->values.empty());
    EXPECT_EQ(svc->first("config", "port"), "80");
    // Snapshots are filtered too, and the composed view says withheld.
    auto run = (*pub)->running_view("site/demo:default");
    ASSERT_TRUE(run);
    EXPECT_TRUE(run->find("secret")->withheld);
    EXPECT_EQ(slurp(public_path(path_)).find("hunter2"), std::string::npos);
    EXPECT_NE(slurp(path_).find("hunter2"), std::string::npos) << "the repository itself keeps it";
    // Nothing can be written through a copy.
    EXPECT_FALSE((*pub)->create("site/other"));
}

TEST_F(RepoFiles, DamagedRepositoryIsNeverRecreated) {
    populate();
    {
        // A damaged header, as the audit found it: tdb would have wiped it.
        int fd = ::open(path_.c_str(), O_WRONLY);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::pwrite(fd, "XXXXXXXXXXXXXXXXXXXXXXXX", 24, 0), 24);
        ::close(fd);
    }
    std::string before = slurp(path_);
    auto r = Repository::open_path(path_, true);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, EIO);
    EXPECT_NE(r.error().message.find("repository " + path_ + " cannot be used"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("cp " + dir_ + "/etc/svc/repository-boot " + path_), std::string::npos)
        << r.error().message;
    EXPECT_EQ(slurp(path_), before) << "left as it is";
    EXPECT_FALSE(Repository::open_path(path_, false));
    // An empty file is no repository either.
    ASSERT_EQ(::truncate(path_.c_str(), 0), 0);
    EXPECT_FALSE(Repository::open_path(path_, true));
    struct stat st {};
    ASSERT_EQ(::stat(path_.c_str(), &st), 0);
    EXPECT_EQ(st.st_size, 0);
    EXPECT_FALSE(*create_repository_if_missing(path_));
}

TEST_F(RepoFiles, VerifyFindsRecordsThatDoNotDecode) {
    populate();
    {
        auto r = Repository::open_path(path_, true);
        ASSERT_TRUE(r);
        EXPECT_TRUE((*r)->verify());
    }
    // A record written behind the API's back, as a bad disk or an old bug
    // might leave one.
    tdb_context* t = ::tdb_open(path_.c_str(), 0, TDB_DEFAULT, O_RDWR, 0);
    ASSERT_NE(t, nullptr);
    std::string key = "E|site/bad", value = "pg without the rest";
    ASSERT_EQ(::tdb_store(t, TDB_DATA{reinterpret_cast<unsigned char*>(key.data()), key.size()},
                          TDB_DATA{reinterpret_cast<unsigned char*>(value.data()), value.size()}, TDB_REPLACE),
              0);
    ::tdb_close(t);
    auto r = Repository::open_path(path_, true);
    ASSERT_TRUE(r);
    auto st = (*r)->verify();
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("records that do not decode: E|site/bad"), std::string::npos)
        << st.error().message;
}

TEST_F(RepoFiles, WorldReadableRepositoryGetsAFreshPrivateInode) {
    populate();
    ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
    // An attacker opened it while it was readable, and keeps it open.
    int old = ::open(path_.c_str(), O_RDONLY);
    ASSERT_GE(old, 0);
    ino_t before = inode_of(path_);
    auto r = Repository::open_path(path_, false);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(mode_of(path_), 0600u);
    EXPECT_NE(inode_of(path_), before) << "the old descriptor keeps only the old inode";
    EXPECT_EQ((*r)->current("site/demo")->first("config", "port"), "80");
    ::close(old);
}

TEST_F(RepoFiles, ForeignLockFileIsReplaced) {
    populate();
    std::string lock = path_ + ".lock";
    ASSERT_EQ(::chmod(lock.c_str(), 0666), 0);
    int held = ::open(lock.c_str(), O_RDONLY);
    ASSERT_GE(held, 0);
    ASSERT_EQ(::flock(held, LOCK_EX), 0);  // would have frozen every reader and writer
    auto r = Repository::open_path(path_, true);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(mode_of(lock), 0600u);
    EXPECT_TRUE((*r)->update("site/demo", [](PgSet&) -> Status { return {}; }));
    ::close(held);
}

TEST_F(RepoFiles, LockWaitsAreBounded) {
    populate();
    auto r = Repository::open_path(path_, true);
    ASSERT_TRUE(r);
    (*r)->set_lock_budget(std::chrono::milliseconds(100));
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t holder = ::fork();
    if (holder == 0) {
        int fd = ::open((path_ + ".lock").c_str(), O_RDWR);
        if (fd < 0 || ::flock(fd, LOCK_EX) != 0) ::_exit(1);
        (void)!::write(ready[1], "x", 1);
        ::pause();
        ::_exit(0);
    }
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    auto st = (*r)->update("site/demo", [](PgSet&) -> Status { return {}; });
    EXPECT_FALSE(st);
    EXPECT_EQ(st.error().code, EWOULDBLOCK);
    EXPECT_NE(st.error().message.find("has been locked by another process for more than 100 ms"), std::string::npos)
        << st.error().message;
    EXPECT_FALSE((*r)->current("site/demo"));
    ::kill(holder, SIGKILL);
    ::waitpid(holder, nullptr, 0);
    EXPECT_TRUE((*r)->current("site/demo"));
    ::close(ready[0]);
    ::close(ready[1]);
}

TEST_F(RepoFiles, BackupsAreRotatedAndLinked) {
    populate();
    auto r = Repository::open_path(path_, true);
    ASSERT_TRUE(r);
    std::string newest;
    for (int i = 0; i < kBackupsKept + 2; ++i) {
        // Distinct names without waiting a second: stamp collisions replace.
        auto b = (*r)->backup(std::string("t") + std::to_string(i % 2));
        ASSERT_TRUE(b) << b.error().message;
        newest = *b;
    }
    char target[256] = {};
    ASSERT_GT(::readlink(backup_link(path_, "t1").c_str(), target, sizeof target - 1), 0);
    EXPECT_EQ(dir_ + "/etc/svc/" + target, newest);
    EXPECT_EQ(mode_of(newest), 0600u);
    // The copy is a working repository.
    r->reset();
    auto copy = Repository::open_path(newest, false);
    ASSERT_TRUE(copy) << copy.error().message;
    EXPECT_EQ((*copy)->current("site/demo")->first("config", "port"), "80");
}

TEST_F(RepoFiles, SymlinkedRepositoryIsRefused) {
    ASSERT_EQ(::system(("mkdir -p " + dir_ + "/etc/svc").c_str()), 0);
    ASSERT_EQ(::symlink("/etc/passwd", path_.c_str()), 0);
    auto r = Repository::open_path(path_, true);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("is a symbolic link"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace xvm::smf
