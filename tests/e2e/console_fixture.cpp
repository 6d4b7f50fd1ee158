#include "tests/e2e/console_fixture.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "lib/xen/xs_wire.h"

namespace xvm::test {

using namespace std::chrono_literals;

// ---- Terminal ----

namespace {

[[noreturn]] void exec_with(const std::vector<std::string>& argv,
                            const std::map<std::string, std::string>& env) {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::fprintf(stderr, "cannot execute %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
}

}  // namespace

Terminal::Terminal(const std::vector<std::string>& argv,
                   const std::map<std::string, std::string>& env, Kind kind,
                   const std::string& stderr_path) {
    pty_ = kind == Kind::kPty;
    if (pty_) {
        int master = -1;
        pid_ = ::forkpty(&master, nullptr, nullptr, nullptr);
        if (pid_ < 0) throw std::runtime_error("forkpty failed");
        if (pid_ == 0) exec_with(argv, env);
        in_ = out_fd_ = master;
        return;
    }
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) < 0 || ::pipe2(out, O_CLOEXEC) < 0)
        throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        ::dup2(in[0], STDIN_FILENO);
        ::dup2(out[1], STDOUT_FILENO);
        int err = stderr_path.empty() ? out[1]
                                      : ::open(stderr_path.c_str(),
                                               O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (err >= 0) ::dup2(err, STDERR_FILENO);
        exec_with(argv, env);
    }
    ::close(in[0]);
    ::close(out[1]);
    in_ = in[1];
    out_fd_ = out[0];
}

Terminal::~Terminal() {
    if (in_ >= 0 && in_ != out_fd_) ::close(in_);
    if (out_fd_ >= 0) ::close(out_fd_);
    if (pid_ > 0 && !status_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

void Terminal::type(const std::string& bytes) {
    std::string_view rest = bytes;
    while (!rest.empty()) {
        ssize_t n = ::write(in_, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
}

void Terminal::close_input() {
    if (pty_ || in_ < 0) return;
    ::close(in_);
    in_ = -1;
}

bool Terminal::pump(std::chrono::milliseconds timeout) {
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return true;
    char buf[65536];
    ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0) return false;  // EOF, or EIO on a pty whose process is gone
    out_.append(buf, static_cast<std::size_t>(n));
    return true;
}

bool Terminal::expect(const std::string& text, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto at = out_.find(text, seen_);
        if (at != std::string::npos) {
            seen_ = at + text.size();
            return true;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        if (!pump(std::min<std::chrono::milliseconds>(left, 100ms)) &&
            out_.find(text, seen_) == std::string::npos)
            return false;
    }
}

std::optional<int> Terminal::wait(std::chrono::milliseconds timeout) {
    if (status_) return status_;
    eventually(
        [&] {
            int st = 0;
            if (::waitpid(pid_, &st, WNOHANG) == pid_) status_ = st;
            else pump(5ms);  // a process blocked writing to us must finish
            return status_.has_value();
        },
        timeout);
    if (status_) {
        while (pump(0ms)) {
            pollfd p{out_fd_, POLLIN, 0};
            if (::poll(&p, 1, 0) <= 0) break;
        }
    }
    return status_;
}

struct termios Terminal::modes() const {
    struct termios t {};
    ::tcgetattr(out_fd_, &t);
    return t;
}

// ---- ConsoleStack ----

void ConsoleStack::SetUp() {
    SmfTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_EQ(run(XVM_SOURCE_DIR "/cmd/xvm-accounts/xvm-accounts >/dev/null"), 0);
    for (const char* m : {"filesystem-local.xml", "hvsim.xml", "store.xml", "xend.xml", "console.xml"}) {
        auto o = svccfg({"import", std::string(XVM_SOURCE_DIR "/manifests/") + m});
        ASSERT_EQ(o.status, 0) << m << ": " << o.err;
    }
    set_exec("xctl/hvsim", std::string(HVSIM) + " -b --guest " + GUEST +
                               " --memory-mib 2048 --dom0-mib 512");
    set_exec("xctl/store", std::string(XVM_METHOD) + " " + XENSTORED + " --init-store");
    set_exec("xctl/console", std::string(XVM_METHOD) + " " + XENCONSOLED);
    // No xend yet: the console's dependency on it is pointed at the store.
    auto o = svccfg({"-s", "xctl/console", "setprop", "xend/entities", "=", "fmri:",
                     "svc:/system/xctl/store"});
    ASSERT_EQ(o.status, 0) << o.err;
    ASSERT_EQ(svccfg({"-s", "xctl/console", "refresh"}).status, 0);
    ASSERT_EQ(svccfg({"-s", "xctl/xend", "setprop", "config/hypervisor-backend", "=", "sim"}).status, 0);
    ASSERT_EQ(svccfg({"-s", "xctl/xend", "refresh"}).status, 0);
    start_startd();
    for (const char* s : {"xctl/hvsim", "xctl/store", "xctl/console"}) {
        auto e = svcadm({"enable", "-s", s});
        ASSERT_EQ(e.status, 0) << s << ": " << e.err << console_log();
    }
    auto hv = open_hypervisor(Backend::kSim);
    ASSERT_TRUE(hv) << hv.error().message;
    hv_ = std::move(*hv);
    xs_.emplace(path("/var/run/xenstored/socket"));
    ASSERT_TRUE(xs_->valid());
}

void ConsoleStack::TearDown() {
    // XVM_E2E_SHOW_LOG=1: the console service's log after each test.
    if (std::getenv("XVM_E2E_SHOW_LOG") && root_) std::fputs(console_log().c_str(), stdout);
    if (!IsSkipped() && startd_) {
        for (const char* s : {"xctl/console", "xctl/store", "xctl/hvsim"}) svcadm({"disable", "-s", s});
    }
    xs_.reset();
    hv_.reset();
    SmfTest::TearDown();
}

void ConsoleStack::set_exec(const std::string& service, const std::string& exec) {
    auto o = svccfg({"-s", service, "setprop", "start/exec", "=", "astring:", "\"" + exec + "\""});
    ASSERT_EQ(o.status, 0) << o.err;
    ASSERT_EQ(svccfg({"-s", service, "refresh"}).status, 0);
}

DomId ConsoleStack::boot_guest(const std::string& name, const std::string& extra) {
    DomainConfig cfg;
    cfg.memory_kib = 64 * 1024;
    cfg.max_memory_kib = 64 * 1024;
    cfg.kernel = "/boot/vmlinuz-xvm";
    cfg.cmdline = extra;
    auto dom = hv_->domain_create(cfg);
    EXPECT_TRUE(dom) << dom.error().message;
    if (!dom) return 0;
    auto info = hv_->domain_info(*dom);
    EXPECT_TRUE(info);
    std::string d = std::to_string(*dom);
    std::string h = home(*dom);
    // What xend writes (XEND.md section 10); the ring reference is the
    // console page's frame number on Xen - the simulator maps by domain,
    // so any stable number does.
    const std::pair<std::string, std::string> keys[] = {
        {"/domid", d},
        {"/name", name},
        {"/memory/target", "65536"},
        {"/console/port", std::to_string(info->console_port)},
        {"/console/ring-ref", std::to_string(0x10000 + *dom)},
        {"/console/limit", "1048576"},
        {"/console/type", "xenconsoled"},
        {"/store/port", std::to_string(info->store_port)},
        {"/store/ring-ref", std::to_string(0x20000 + *dom)},
    };
    for (const auto& [k, v] : keys) EXPECT_TRUE(xs_->write(h + k, v)) << k;
    auto perms = xs_->call(XS_SET_PERMS, nul_join({h, "n" + d}));
    EXPECT_TRUE(perms && perms->error().empty());
    auto intro = xs_->call(XS_INTRODUCE, nul_join({d, "0", std::to_string(info->store_port)}));
    EXPECT_TRUE(intro && intro->error().empty()) << (intro ? intro->error() : "no reply");
    auto up = hv_->domain_unpause(*dom);
    EXPECT_TRUE(up) << up.error().message;
    return *dom;
}

bool ConsoleStack::booted(DomId dom) {
    return eventually([&] {
        auto r = xs_->call(XS_READ, nul_join({home(dom) + "/data/booted"}));
        return r && r->error().empty();
    });
}

pid_t ConsoleStack::xenconsoled() {
    auto pids = members("system/xctl/console:default");
    return pids.size() == 1 ? pids[0] : -1;
}

std::vector<std::string> ConsoleStack::xm(std::vector<std::string> args) const {
    args.insert(args.begin(), XM);
    return args;
}

}  // namespace xvm::test
