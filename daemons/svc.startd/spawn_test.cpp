// The method child (spawn.h): exactly descriptors 0-2 after exec, and a
// report that says whose fault a failure before exec was.
#include "daemons/svc.startd/spawn.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace xvm::startd {
namespace {

class Spawn : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xvm-spawn-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        log_ = UniqueFd(::open((dir_ + "/log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
        ASSERT_TRUE(log_);
        ctx_.env = {"PATH=/usr/sbin:/usr/bin:/bin"};
    }
    void TearDown() override { (void)::system(("rm -rf " + dir_).c_str()); }
    // Runs `command` to its end; returns the report, if any.
    std::optional<SpawnFailure> run(const std::string& command) {
        auto launch = spawn_method(nullptr, ctx_, command, log_.get());
        EXPECT_TRUE(launch) << launch.error().message;
        if (!launch) return std::nullopt;
        int status = 0;
        ::waitpid(launch->pid, &status, 0);
        return read_spawn_report(launch->report.get());
    }
    std::string log() {
        std::ifstream in(dir_ + "/log");
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
    std::string dir_;
    UniqueFd log_;
    MethodContext ctx_;
};

TEST_F(Spawn, MethodGetsOnlyTheStandardDescriptors) {
    // A descriptor svc.startd holds without close-on-exec, as a library or
    // an inherited one might be.
    int stray = ::open("/dev/null", O_RDONLY);
    ASSERT_GE(::dup2(stray, 57), 0);
    ::close(stray);
    EXPECT_FALSE(run("/bin/ls /proc/self/fd"));
    ::close(57);
    // ls itself holds the directory it lists (3).
    EXPECT_EQ(log(), "0\n1\n2\n3\n");
}

TEST_F(Spawn, ContextFailureIsTheMethodsAndExecFailureIsReported) {
    ctx_.working_dir = dir_ + "/nonexistent";
    auto f = run("/bin/true");
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->restarter_side);
    EXPECT_NE(f->message.find("cannot change to working directory " + dir_ + "/nonexistent"), std::string::npos)
        << f->message;
    ctx_.working_dir = "/";
    EXPECT_FALSE(run("/bin/true")) << "a successful exec reports nothing";
}

TEST_F(Spawn, ShortagesAreTransient) {
    EXPECT_TRUE(transient_errno(EMFILE));
    EXPECT_TRUE(transient_errno(EAGAIN));
    EXPECT_TRUE(transient_errno(ENOMEM));
    EXPECT_FALSE(transient_errno(ENOENT));
    EXPECT_FALSE(transient_errno(EPERM));
}

}  // namespace
}  // namespace xvm::startd
