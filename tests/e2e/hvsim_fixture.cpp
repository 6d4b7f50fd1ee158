#include "tests/e2e/hvsim_fixture.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

namespace xvm::test {

using namespace std::chrono_literals;

void HvsimFixture::SetUp() {
    if (auto why = needs_root()) GTEST_SKIP() << *why;
    // Orphans (the launcher of an hvsim killed by a test) become our
    // children, so TearDown can prove that they end too.
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
    ASSERT_EQ(run(XVM_SOURCE_DIR "/cmd/xvm-accounts/xvm-accounts >/dev/null"), 0);
    ::setenv("XVM_ROOT", root_.path().c_str(), 1);
    start_hvsim();
    ASSERT_NE(hv_, nullptr) << log();
    auto ev = hv_->subscribe_domain_events();
    ASSERT_TRUE(ev) << ev.error().message;
    events_ = std::move(*ev);
}

void HvsimFixture::TearDown() {
    events_.reset();
    hv_.reset();
    if (hvsim_) stop_hvsim();
    // Guests die with hvsim: none may be left.
    EXPECT_TRUE(eventually([] { return processes_with_cmdline(GUEST_PROGRAM " ").empty(); }, 5s))
        << "guest processes left behind";
    EXPECT_TRUE(eventually(
        [] {
            pid_t reaped;
            while ((reaped = ::waitpid(-1, nullptr, WNOHANG)) > 0) {
            }
            return reaped < 0 && errno == ECHILD;
        },
        5s))
        << "a child of hvsim (its launcher) outlived it";
    ::unsetenv("XVM_ROOT");
}

// Started from a parent that holds supplementary groups (adm and xvm, as
// an administrator's shell might): neither the launcher nor any guest may
// keep them (a guest in group xvm would hold xvm_control).
void HvsimFixture::start_hvsim() {
    hvsim_.emplace(Child::spawn({"/usr/bin/setpriv", "--groups", "adm,xvm", "--", HVSIM_PROGRAM, "-d", "--guest", GUEST_PROGRAM, "--cpus", "2",
                                 "--memory-mib", "1024", "--dom0-mib", "512"},
                                {{"XVM_ROOT", root_.path()}}, root_ / "/hvsim.log"));
    hv_ = connect();
}

void HvsimFixture::stop_hvsim() {
    hvsim_->kill(SIGTERM);
    int status = hvsim_->wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log();
    hvsim_.reset();
}

std::unique_ptr<Hypervisor> HvsimFixture::connect() {
    std::unique_ptr<Hypervisor> hv;
    eventually(
        [&] {
            auto opened = open_hypervisor(Backend::kSim);
            if (opened) hv = std::move(*opened);
            return hv != nullptr;
        },
        10s);
    return hv;
}

pid_t HvsimFixture::launcher_pid() {
    auto kids = children_of(hvsim_->pid());
    return kids.size() == 1 ? kids[0] : -1;
}

pid_t HvsimFixture::guest_pid(DomId dom) {
    auto pids = processes_with_cmdline(GUEST_PROGRAM " --domid " + std::to_string(dom) + " ");
    return pids.size() == 1 ? pids[0] : -1;
}

bool HvsimFixture::wait_state(DomId dom, const std::function<bool(const DomainInfo&)>& pred) {
    return eventually(
        [&] {
            (void)events_->ack();
            auto info = hv_->domain_info(dom);
            return info && pred(*info);
        },
        10s, events_->fd());
}

DomainConfig HvsimFixture::config(std::uint64_t mib, const std::string& kernel,
                                  const std::string& extra) {
    DomainConfig c;
    c.memory_kib = mib * 1024;
    c.vcpus = 1;
    c.kernel = kernel;
    c.cmdline = extra;
    c.uuid[0] = 0x42;
    return c;
}

}  // namespace xvm::test
