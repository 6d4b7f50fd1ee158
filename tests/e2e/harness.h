// End-to-end test harness: temporary roots, child processes with pipes,
// test users. Everything it creates is removed by destructors, so a failed
// assertion leaves no process, user or directory behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xvm::test {

// Skip reason when the test cannot run here (not root), else nullopt.
std::optional<std::string> needs_root();

// A temporary XVM_ROOT with the privilege files installed from the source
// tree. Directories are 0755 so unprivileged daemons and clients can reach
// their sockets.
class TempRoot {
public:
    TempRoot();
    ~TempRoot();
    TempRoot(const TempRoot&) = delete;
    TempRoot& operator=(const TempRoot&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& absolute) const { return path_ + absolute; }

private:
    std::string path_;
};

// A running child process. stdout is a pipe read line by line; stderr goes
// to a file. The destructor kills and reaps it if it is still running.
class Child {
public:
    static Child spawn(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& env,
                       const std::string& stderr_path);
    Child(Child&& other) noexcept;
    ~Child();

    pid_t pid() const { return pid_; }
    // A line of stdout without its newline; nullopt on EOF or timeout.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout);
    void close_stdin();
    // Exit status as from waitpid (use WIFEXITED etc.).
    int wait();
    void kill(int signo);

private:
    Child() = default;
    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    int stdout_fd_ = -1;
    std::string buffer_;
};

// Runs a shell command; returns its exit code (-1 if it did not exit).
int run(const std::string& command);
std::string read_file(const std::string& path);

// Test users created with useradd and removed with userdel at destruction.
class TestUsers {
public:
    ~TestUsers();
    // Adds user `name` with primary group nogroup and the given
    // supplementary groups (comma-separated, may be empty).
    void add(const std::string& name, const std::string& groups);
    uid_t uid(const std::string& name) const;

private:
    std::vector<std::string> names_;
};

// Runs `body` in a forked child that has become `uid` (group nogroup, no
// supplementary groups) and returns its exit code: 0 when `body` returned
// true, 1 when false, 2 when the switch failed.
int exit_code_as(uid_t uid, const std::function<bool()>& body);

// A finished command: exit code (-1 if it did not exit) and its output.
struct Output {
    int status = -1;
    std::string out;
    std::string err;
};
// Runs argv (execv, no shell) with `env` added to this process's
// environment, stdin from /dev/null, and collects stdout and stderr.
Output capture(const std::vector<std::string>& argv,
               const std::map<std::string, std::string>& env = {});

void write_file(const std::string& path, const std::string& text);

// Fields of /proc/PID/status ("Uid" -> "60\t60\t60\t60").
std::map<std::string, std::string> proc_status(pid_t pid);

// Checks /proc/PID/status of a running xVM process against what
// privileges/daemon_caps (of the source tree, the file the daemons read)
// declares for `daemon`: uid and gid (xvm for the daemons, 0 for
// "hvsim-launcher"), supplementary groups, every capability set and
// no_new_privs. Returns "" when all match, else what differs.
std::string identity_mismatch(pid_t pid, const std::string& daemon);

// Processes whose /proc/PID/cmdline, NUL-separated words joined by ' ',
// starts with `prefix` (e.g. "/path/xvm-guest --domid 3 ").
std::vector<pid_t> processes_with_cmdline(const std::string& prefix);

// The processes whose parent is `pid`.
std::vector<pid_t> children_of(pid_t pid);

// Re-checks `done` until it holds or `timeout` passes - the way tests wait
// for readiness; between checks it waits for `fd` to become readable (when
// >= 0) or for at most 5 ms. Never a fixed sleep: the deadline only bounds
// a failure.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(15), int fd = -1);

}  // namespace xvm::test
