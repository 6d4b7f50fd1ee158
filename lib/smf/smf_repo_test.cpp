#include "lib/smf/smf_repo.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "lib/smf/smf_actions.h"

namespace xvm::smf {
namespace {

class RepoTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xvm-repo-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        auto r = Repository::open_path(dir_ + "/etc/svc/repository.tdb", true);
        ASSERT_TRUE(r) << r.error().message;
        repo_ = std::move(*r);
        ASSERT_TRUE(repo_->create("site/demo"));
        ASSERT_TRUE(repo_->create("site/demo:default"));
        ASSERT_TRUE(repo_->update("site/demo", [](PgSet& s) -> Status {
            s.get_or_add("config", "application").set(Property{"port", PropType::Integer, {"1"}});
            return {};
        }));
    }
    void TearDown() override {
        repo_.reset();
        (void)::system(("rm -rf " + dir_).c_str());
    }
    std::string dir_;
    std::unique_ptr<Repository> repo_;
};

TEST_F(RepoTest, EditingVersusRunning) {
    // Without a running snapshot the editing configuration is what runs.
    EXPECT_EQ(repo_->running_view("site/demo:default")->first("config", "port"), "1");
    ASSERT_TRUE(repo_->take_snapshot("site/demo:default", "running"));
    ASSERT_TRUE(apply_request(*repo_, Request{"setprop", "site/demo:default",
                                              {"config", "port", "integer", "2"}})
                    .has_value() == false);  // the instance has no config group yet
    ASSERT_TRUE(apply_request(*repo_, Request{"setprop", "site/demo", {"config", "port", "", "2"}}));
    EXPECT_EQ(repo_->composed_current("site/demo:default")->first("config", "port"), "2");
    EXPECT_EQ(repo_->running_view("site/demo:default")->first("config", "port"), "1");
    ASSERT_TRUE(apply_request(*repo_, Request{"refresh", "site/demo:default", {}}));
    EXPECT_EQ(repo_->running_view("site/demo:default")->first("config", "port"), "2");
}

TEST_F(RepoTest, NonPersistentGroupsStayOutOfSnapshots) {
    ASSERT_TRUE(apply_request(*repo_, Request{"enable_t", "site/demo:default", {}}));
    ASSERT_TRUE(repo_->take_snapshot("site/demo:default", "running"));
    EXPECT_EQ(repo_->snapshot("site/demo:default", "running")->find("general_ovr"), nullptr);
    EXPECT_NE(repo_->running_view("site/demo:default")->find("general_ovr"), nullptr);
    ASSERT_TRUE(repo_->clear_nonpersistent());
    EXPECT_EQ(repo_->current("site/demo:default")->find("general_ovr"), nullptr);
}

TEST_F(RepoTest, FailedEditChangesNothing) {
    auto before = repo_->current("site/demo");
    auto st = apply_request(*repo_, Request{"setprop", "site/demo", {"config", "port", "", "x"}});
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "config/port: \"x\" is not a valid integer");
    st = apply_request(*repo_, Request{"setprop", "site/demo", {"config", "port", "boolean", "x"}});
    EXPECT_EQ(st.error().message, "config/port: \"x\" is not a valid boolean");
    st = apply_request(*repo_, Request{"setprop", "site/demo", {"nope", "p", "astring", "x"}});
    EXPECT_EQ(st.error().message, "property group \"nope\" does not exist");
    st = apply_request(*repo_, Request{"enable", "site/other:default", {}});
    EXPECT_EQ(st.error().message, "svc:/site/other:default does not exist");
    EXPECT_EQ(*repo_->current("site/demo"), *before);
    // An explicit type replaces the property's (svccfg setprop pg/p = astring: x).
    ASSERT_TRUE(apply_request(*repo_, Request{"setprop", "site/demo", {"config", "port", "astring", "x"}}));
    EXPECT_EQ(repo_->current("site/demo")->find("config", "port")->type, PropType::Astring);
}

TEST_F(RepoTest, TransactionIsAllOrNothing) {
    auto st = repo_->transaction([&]() -> Status {
        if (auto s = repo_->create("site/x"); !s) return s;
        return make_error("boom");
    });
    EXPECT_FALSE(st);
    EXPECT_FALSE(*repo_->exists("site/x"));
}

TEST_F(RepoTest, CrashMidTransactionLosesOnlyThatWrite) {
    repo_.reset();
    pid_t pid = ::fork();
    if (pid == 0) {
        auto r = Repository::open_path(dir_ + "/etc/svc/repository.tdb", true);
        if (!r) ::_exit(2);
        (void)(*r)->transaction([&]() -> Status {
            (void)(*r)->create("site/half");
            (void)(*r)->update("site/demo", [](PgSet& set) -> Status {
                set.remove("config");
                return {};
            });
            ::_exit(0);  // dies with the transaction open, as a crash would
        });
        ::_exit(3);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_EQ(WEXITSTATUS(status), 0);
    auto r = Repository::open_path(dir_ + "/etc/svc/repository.tdb", true);
    ASSERT_TRUE(r) << r.error().message;
    repo_ = std::move(*r);
    EXPECT_FALSE(*repo_->exists("site/half"));
    EXPECT_EQ(repo_->current("site/demo")->first("config", "port"), "1");
    EXPECT_TRUE(repo_->create("site/after"));  // and the next writer is not blocked
}

TEST_F(RepoTest, ReadersNeverSeeACommitHalfApplied) {
    repo_.reset();
    std::string path = dir_ + "/etc/svc/repository.tdb";
    pid_t writer = ::fork();
    if (writer == 0) {
        auto r = Repository::open_path(path, true);
        for (int i = 0; r && i < 300; ++i) {
            // Records that grow force tdb to move and expand them.
            auto st = (*r)->update("site/demo", [&](PgSet& set) -> Status {
                set.get_or_add("grow", "application")
                    .set(Property{"p" + std::to_string(i), PropType::Astring, {std::string(50 + i, 'x')}});
                return {};
            });
            if (!st) ::_exit(1);
        }
        ::_exit(r ? 0 : 2);
    }
    int reads = 0;
    for (int status = 0; ::waitpid(writer, &status, WNOHANG) == 0; ++reads) {
        auto r = Repository::open_path(path, false);  // a fresh opener each time, as the commands are
        ASSERT_TRUE(r) << r.error().message;
        auto set = (*r)->current("site/demo");
        ASSERT_TRUE(set) << set.error().message;
        ASSERT_TRUE((*r)->entities()) << "traversal during a commit";
    }
    EXPECT_GT(reads, 0);
    auto r = Repository::open_path(path, true);
    ASSERT_TRUE(r);
    repo_ = std::move(*r);
    EXPECT_EQ(repo_->current("site/demo")->find("grow")->props.size(), 300u);
}

TEST_F(RepoTest, ConcurrentWritersDoNotLoseUpdates) {
    constexpr int kPerWriter = 50;
    std::vector<pid_t> kids;
    repo_.reset();  // tdb refuses a second open of one file in a process
    for (int w = 0; w < 2; ++w) {
        pid_t pid = ::fork();
        if (pid == 0) {
            auto r = Repository::open_path(dir_ + "/etc/svc/repository.tdb", true);
            for (int i = 0; r && i < kPerWriter; ++i) {
                auto s = (*r)->update("site/demo", [](PgSet& set) -> Status {
                    auto& g = set.get_or_add("counter", "application");
                    auto v = set.first("counter", "n");
                    long n = v ? std::stol(*v) : 0;
                    g.set(Property{"n", PropType::Integer, {std::to_string(n + 1)}});
                    return {};
                });
                if (!s) ::_exit(1);
            }
            ::_exit(r ? 0 : 2);
        }
        kids.push_back(pid);
    }
    for (pid_t k : kids) {
        int status = 0;
        ::waitpid(k, &status, 0);
        EXPECT_EQ(WEXITSTATUS(status), 0);
    }
    auto r = Repository::open_path(dir_ + "/etc/svc/repository.tdb", false);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->current("site/demo")->first("counter", "n"), std::to_string(2 * kPerWriter));
    repo_ = std::move(*r);
}

}  // namespace
}  // namespace xvm::smf
