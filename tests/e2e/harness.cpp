#include "tests/e2e/harness.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "lib/base/format.h"
#include "lib/priv/daemon_caps.h"

namespace xvm::test {

std::optional<std::string> needs_root() {
    if (::geteuid() != 0) return "needs root (creates users, drops privileges)";
    return std::nullopt;
}

int run(const std::string& command) {
    int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

namespace {

// In a forked child: adds `env` and executes argv (no shell); 127 if exec
// fails.
[[noreturn]] void exec_child(const std::vector<std::string>& argv,
                             const std::map<std::string, std::string>& env) {
    for (const auto& [key, value] : env) ::setenv(key.c_str(), value.c_str(), 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
}

}  // namespace

TempRoot::TempRoot() {
    char tmpl[] = "/tmp/xvm-root-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
    ::chmod(path_.c_str(), 0755);
    std::string src = XVM_SOURCE_DIR "/privileges";
    // The user_attr fragment lets the xvm account read the xctl services'
    // read-protected configuration, as an installation does.
    int rc = run("mkdir -p '" + path_ + "/etc/security' '" + path_ + "/etc/xvm' '" + path_ +
                 "/etc/user_attr.d' && cp '" + src + "/priv_names' '" + path_ + "/etc/security/' && cp '" + src +
                 "/priv_groups' '" + src + "/priv_caps' '" + src + "/daemon_caps' '" + src + "/xctl_dirs' '" +
                 path_ + "/etc/xvm/' && cp '" + src + "/user_attr' '" + path_ + "/etc/user_attr.d/xvm'");
    if (rc != 0) throw std::runtime_error("cannot populate " + path_);
}

TempRoot::~TempRoot() { run("rm -rf '" + path_ + "'"); }

Child Child::spawn(const std::vector<std::string>& argv,
                   const std::map<std::string, std::string>& env,
                   const std::string& stderr_path) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) < 0 || ::pipe2(out, O_CLOEXEC) < 0)
        throw std::runtime_error("pipe failed");
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(in[0], STDIN_FILENO);
        ::dup2(out[1], STDOUT_FILENO);
        int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (err >= 0) ::dup2(err, STDERR_FILENO);
        exec_child(argv, env);
    }
    ::close(in[0]);
    ::close(out[1]);
    Child child;
    child.pid_ = pid;
    child.stdin_fd_ = in[1];
    child.stdout_fd_ = out[0];
    return child;
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      stdin_fd_(std::exchange(other.stdin_fd_, -1)),
      stdout_fd_(std::exchange(other.stdout_fd_, -1)),
      buffer_(std::move(other.buffer_)) {}

Child::~Child() {
    close_stdin();
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

std::optional<std::string> Child::read_line(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto nl = buffer_.find('\n');
        if (nl != std::string::npos) {
            std::string line = buffer_.substr(0, nl);
            buffer_.erase(0, nl + 1);
            return line;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        struct pollfd p {stdout_fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char buf[4096];
        ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
        if (n <= 0) return std::nullopt;
        buffer_.append(buf, static_cast<size_t>(n));
    }
}

void Child::close_stdin() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
}

int Child::wait() {
    int status = 0;
    if (pid_ > 0) ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
}

void Child::kill(int signo) {
    if (pid_ > 0) ::kill(pid_, signo);
}

TestUsers::~TestUsers() {
    for (const std::string& name : names_) run("userdel '" + name + "' 2>/dev/null");
}

void TestUsers::add(const std::string& name, const std::string& groups) {
    run("userdel '" + name + "' >/dev/null 2>&1");  // leftover of a killed run
    std::string cmd = "useradd -M -N -g nogroup -d /nonexistent -s /usr/sbin/nologin";
    if (!groups.empty()) cmd += " -G '" + groups + "'";
    if (run(cmd + " '" + name + "'") != 0) throw std::runtime_error("useradd " + name + " failed");
    names_.push_back(name);
}

uid_t TestUsers::uid(const std::string& name) const {
    struct passwd* pw = ::getpwnam(name.c_str());
    if (pw == nullptr) throw std::runtime_error("no user " + name);
    return pw->pw_uid;
}

Output capture(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
    char out_tmpl[] = "/tmp/xvm-out-XXXXXX";
    char err_tmpl[] = "/tmp/xvm-err-XXXXXX";
    int out = ::mkstemp(out_tmpl);
    int err = ::mkstemp(err_tmpl);
    if (out < 0 || err < 0) throw std::runtime_error("mkstemp failed");
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int null = ::open("/dev/null", O_RDONLY);
        ::dup2(null, STDIN_FILENO);
        ::dup2(out, STDOUT_FILENO);
        ::dup2(err, STDERR_FILENO);
        exec_child(argv, env);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(out);
    ::close(err);
    Output o;
    o.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    o.out = read_file(out_tmpl);
    o.err = read_file(err_tmpl);
    ::unlink(out_tmpl);
    ::unlink(err_tmpl);
    return o;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path);
    f << text;
    if (!f) throw std::runtime_error("cannot write " + path);
}

std::map<std::string, std::string> proc_status(pid_t pid) {
    std::map<std::string, std::string> fields;
    std::istringstream in(read_file("/proc/" + std::to_string(pid) + "/status"));
    std::string line;
    while (std::getline(in, line)) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        fields[line.substr(0, colon)] = value;
    }
    return fields;
}

std::vector<pid_t> processes_with_cmdline(const std::string& prefix) {
    std::vector<pid_t> found;
    DIR* dir = ::opendir("/proc");
    if (dir == nullptr) return found;
    while (dirent* e = ::readdir(dir)) {
        pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
        if (pid <= 0) continue;
        std::string cmd = read_file("/proc/" + std::to_string(pid) + "/cmdline");
        std::replace(cmd.begin(), cmd.end(), '\0', ' ');
        if (cmd.rfind(prefix, 0) == 0) found.push_back(pid);
    }
    ::closedir(dir);
    return found;
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout, int fd) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (done()) return true;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        struct pollfd p {fd, POLLIN, 0};
        // Short waits bound the cost of a wake-up that raced the check.
        int wait_ms = static_cast<int>(std::min<long>(left.count(), fd >= 0 ? 50 : 5));
        ::poll(fd >= 0 ? &p : nullptr, fd >= 0 ? 1 : 0, wait_ms);
    }
}

}  // namespace xvm::test

namespace xvm::test {
namespace {

std::string hex_mask(CapMask mask) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(mask));
    return buf;
}

std::string four(unsigned id) { return cat(id, "\t", id, "\t", id, "\t", id); }

std::string trim_right(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
    return s;
}

}  // namespace

int exit_code_as(uid_t uid, const std::function<bool()>& body) {
    pid_t pid = ::fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        gid_t nogroup = 65534;
        if (::setgroups(0, nullptr) || ::setresgid(nogroup, nogroup, nogroup) ||
            ::setresuid(uid, uid, uid))
            ::_exit(2);
        ::_exit(body() ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<pid_t> children_of(pid_t pid) {
    std::vector<pid_t> out;
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return out;
    while (dirent* e = ::readdir(proc)) {
        pid_t p = static_cast<pid_t>(std::atoi(e->d_name));
        if (p <= 0) continue;
        // "pid (comm) state ppid ...": comm may hold spaces, so after ')'.
        std::string stat = read_file(cat("/proc/", p, "/stat"));
        auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(stat.substr(close + 1));
        std::string state;
        pid_t ppid = 0;
        if (rest >> state >> ppid && ppid == pid) out.push_back(p);
    }
    ::closedir(proc);
    return out;
}

std::string identity_mismatch(pid_t pid, const std::string& daemon) {
    auto table = DaemonCaps::load(XVM_SOURCE_DIR "/privileges/daemon_caps");
    if (!table) return table.error().message;
    auto keep = table->keep_for(daemon);
    if (!keep) return keep.error().message;
    struct passwd* xvm = ::getpwnam("xvm");
    if (xvm == nullptr) return "user xvm does not exist";
    bool launcher = daemon == "hvsim-launcher";
    unsigned uid = launcher ? 0 : xvm->pw_uid, gid = launcher ? 0 : xvm->pw_gid;
    std::map<std::string, std::string> want = {
        {"Uid", four(uid)},
        {"Gid", four(gid)},
        {"Groups", launcher ? "" : cat(gid)},
        {"CapInh", hex_mask(0)},
        {"CapPrm", hex_mask(*keep)},
        {"CapEff", hex_mask(*keep)},
        {"CapBnd", hex_mask(*keep)},
        {"CapAmb", hex_mask(0)},
        {"NoNewPrivs", "1"},
    };
    auto st = proc_status(pid);
    std::string out;
    for (const auto& [field, value] : want)
        if (trim_right(st[field]) != value)
            out += cat(daemon, " pid ", pid, ": ", field, " is '", st[field], "', daemon_caps says '",
                       value, "'; ");
    return out;
}

}  // namespace xvm::test
