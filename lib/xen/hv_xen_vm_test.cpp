// The xen backend against a real hypervisor: run inside the dom0 of
// tests/xen-vm (run-vm copies this binary in and runs it after our
// xenstored is up). Off a dom0 every test skips, saying why.
//
// A PV domU is built from XVM_VM_KERNEL / XVM_VM_RAMDISK (Debian's kernel
// and the harness's tiny initramfs), its console ring is read through the
// reserved grant entry and its event channel, and every control operation
// is checked against what the hypervisor then reports.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <string>

extern "C" {
#include <xenstore.h>
}

#include "lib/base/unique_fd.h"
#include "lib/xen/hypervisor.h"
#include "lib/xen/ring.h"

namespace xvm {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool is_dom0() {
    std::ifstream in("/proc/xen/capabilities");
    std::string caps;
    return in && std::getline(in, caps) && caps.find("control_d") != std::string::npos;
}

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// Waits until fd is readable or the deadline passes (TCG is slow: generous).
bool readable(int fd, std::chrono::seconds limit) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(limit).count())) == 1;
}

std::string store_read(const std::string& path) {
    xs_handle* xs = xs_open(0);
    if (!xs) return "<no store>";
    unsigned len = 0;
    void* v = xs_read(xs, XBT_NULL, path.c_str(), &len);
    std::string out = v ? std::string(static_cast<char*>(v), len) : "<absent>";
    std::free(v);
    xs_close(xs);
    return out;
}

class HvXenVm : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!is_dom0()) GTEST_SKIP() << "not a Xen dom0 (runs inside tests/xen-vm)";
        auto hv = open_hypervisor(Backend::kXen);
        ASSERT_TRUE(hv) << hv.error().message;
        hv_ = std::move(*hv);
    }
    DomainConfig guest(std::uint64_t mib = 128) {
        DomainConfig c;
        c.kernel = env("XVM_VM_KERNEL");
        c.ramdisk = env("XVM_VM_RAMDISK");
        c.cmdline = "console=hvc0 earlyprintk=xen loglevel=7";
        c.memory_kib = c.max_memory_kib = mib * 1024;
        c.vcpus = 2;
        c.uuid[0] = 0x78;  // any value: Xen stores it, we check it comes back
        c.uuid[15] = 0x42;
        return c;
    }
    std::size_t domain_count() {
        auto l = hv_->domain_list();
        return l ? l->size() : 0;
    }
    std::unique_ptr<Hypervisor> hv_;
};

TEST_F(HvXenVm, Dom0IsListedWithVcpusAndHostFacts) {
    auto phys = hv_->physinfo();
    ASSERT_TRUE(phys) << phys.error().message;
    EXPECT_GE(phys->nr_cpus, 1u);
    EXPECT_GT(phys->total_kib, phys->free_kib);
    auto d0 = hv_->domain_info(kDom0);
    ASSERT_TRUE(d0) << d0.error().message;
    EXPECT_FALSE(d0->dying || d0->shutdown || d0->paused);
    EXPECT_GT(d0->memory_kib, 256u * 1024);
    auto list = hv_->domain_list();
    ASSERT_TRUE(list);
    ASSERT_FALSE(list->empty());
    EXPECT_EQ(list->front().domid, kDom0);
    auto vcpus = hv_->vcpu_info(kDom0);
    ASSERT_TRUE(vcpus) << vcpus.error().message;
    ASSERT_EQ(vcpus->size(), d0->max_vcpus);
    EXPECT_TRUE(vcpus->front().online);
    EXPECT_FALSE(vcpus->front().affinity.empty());
}

TEST_F(HvXenVm, Dom0KernelRingIsThere) {
    auto page = hv_->map_local_xenstore_page();
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_EQ(page->size(), 4096u);
    auto port = hv_->local_xenstore_port();
    ASSERT_TRUE(port) << port.error().message;
    EXPECT_GT(*port, 0u);
}

TEST_F(HvXenVm, BadRequestsFailCleanlyAndLeaveNoDomain) {
    std::size_t before = domain_count();
    auto none = hv_->domain_info(31000);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, ESRCH);
    DomainConfig c = guest();
    c.kernel = "/nonexistent/vmlinux";
    auto missing = hv_->domain_create(c);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("/nonexistent/vmlinux"), std::string::npos)
        << missing.error().message;
    c = guest();
    c.kernel = "/etc/passwd";  // not a kernel
    auto garbage = hv_->domain_create(c);
    ASSERT_FALSE(garbage);
    EXPECT_NE(garbage.error().message.find("parse kernel"), std::string::npos)
        << garbage.error().message;
    c = guest();
    c.hvm = true;
    auto hvm = hv_->domain_create(c);
    ASSERT_FALSE(hvm);
    EXPECT_EQ(hvm.error().code, EINVAL);
    EXPECT_EQ(domain_count(), before);  // half-built domains were destroyed
    EXPECT_EQ(hv_->domain_destroy(31000).error().code, ESRCH);
}

TEST_F(HvXenVm, SaveAndRestoreAreTheToolstacksWork) {
    auto save = hv_->save(kDom0, "/tmp/never");
    ASSERT_FALSE(save);
    EXPECT_EQ(save.error().code, ENOSYS);
    EXPECT_NE(save.error().message.find("toolstack"), std::string::npos);
    auto restore = hv_->restore("/tmp/never");
    ASSERT_FALSE(restore);
    EXPECT_EQ(restore.error().code, ENOSYS);
    EXPECT_NE(::access("/tmp/never", F_OK), 0);
}

// Builds a PV guest, reads its boot messages from its console ring,
// drives every control operation, dumps its core, shuts it down (the
// VIRQ_DOM_EXC subscription fires) and destroys it.
TEST_F(HvXenVm, PvGuestLifecycle) {
    if (env("XVM_VM_KERNEL").empty()) GTEST_SKIP() << "XVM_VM_KERNEL is not set";
    auto events = hv_->subscribe_domain_events();
    ASSERT_TRUE(events) << events.error().message;

    DomainConfig c = guest();
    auto dom = hv_->domain_create(c);
    ASSERT_TRUE(dom) << dom.error().message;
    auto info = hv_->domain_info(*dom);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_TRUE(info->paused);  // built, not started
    EXPECT_EQ(info->max_vcpus, 2u);
    EXPECT_EQ(info->uuid, c.uuid);
    EXPECT_NE(info->store_port, 0u);
    EXPECT_NE(info->console_port, 0u);
    EXPECT_NE(info->store_mfn, 0u);
    EXPECT_NE(info->console_mfn, info->store_mfn);
    EXPECT_GE(info->memory_kib, 124u * 1024);
    EXPECT_LE(info->memory_kib, 129u * 1024);

    // The console: reserved grant entry 0 and the builder's port.
    {
        auto page = hv_->map_console_page(*dom);
        ASSERT_TRUE(page) << page.error().message;
        auto chan = hv_->evtchn_bind_interdomain(*dom, info->console_port);
        ASSERT_TRUE(chan) << chan.error().message;
        ASSERT_TRUE(hv_->domain_unpause(*dom));
        Ring out = console_output(static_cast<xencons_interface*>(page->data()));
        std::string text;
        auto deadline = Clock::now() + 180s;
        // "Memory:" comes after paging_init, when the guest has published
        // its p2m list (a core dump reads it); without a xenstored the
        // guest then stops in xenbus probing, which is fine here.
        while (text.find("Memory:") == std::string::npos && Clock::now() < deadline) {
            if (readable((*chan)->fd(), 5s)) {
                ASSERT_TRUE((*chan)->ack());
            }
            char buf[2048];
            auto n = out.read(std::span<char>(buf, sizeof buf));
            ASSERT_TRUE(n) << n.error().message;
            text.append(buf, *n);
            if (*n > 0) (void)(*chan)->notify();
        }
        auto now = hv_->domain_info(*dom);
        ASSERT_NE(text.find("Memory:"), std::string::npos)
            << "console so far:\n"
            << text << "\ndomain " << *dom << ": running " << (now && now->running)
            << " blocked " << (now && now->blocked) << " paused " << (now && now->paused)
            << " shutdown " << (now && now->shutdown) << " cpu time "
            << (now ? now->cpu_time_ns : 0) << " ns";
        std::printf("domain %u console: %s\n", *dom,
                    text.substr(text.find("Linux version"), 60).c_str());
    }  // unmapped and unbound here: the guest can die completely later

    ASSERT_TRUE(hv_->domain_pause(*dom));
    EXPECT_TRUE(hv_->domain_info(*dom)->paused);
    ASSERT_TRUE(hv_->domain_unpause(*dom));
    EXPECT_FALSE(hv_->domain_info(*dom)->paused);

    ASSERT_TRUE(hv_->set_vcpu_affinity(*dom, 1, {0}));
    auto vcpus = hv_->vcpu_info(*dom);
    ASSERT_TRUE(vcpus) << vcpus.error().message;
    ASSERT_EQ(vcpus->size(), 2u);
    EXPECT_EQ((*vcpus)[1].affinity, std::vector<std::uint32_t>{0});
    EXPECT_EQ(hv_->set_vcpu_affinity(*dom, 1, {4096}).error().code, EINVAL);

    ASSERT_TRUE(hv_->set_max_memory(*dom, 160 * 1024));
    EXPECT_EQ(hv_->domain_info(*dom)->max_memory_kib, 160u * 1024);

    auto port = hv_->evtchn_alloc_unbound(*dom, kDom0);
    ASSERT_TRUE(port) << port.error().message;
    auto bound = hv_->evtchn_bind_interdomain(*dom, *port);
    ASSERT_TRUE(bound) << bound.error().message;
    EXPECT_TRUE((*bound)->notify());
    bound->reset();

    // Core dump: an ELF file, written to the file the caller opened.
    std::string dir = env("XVM_VM_DUMP_DIR").empty() ? "/tmp" : env("XVM_VM_DUMP_DIR");
    std::string core = dir + "/hv_xen_vm_test." + std::to_string(*dom) + ".core";
    ::unlink(core.c_str());
    ASSERT_TRUE(hv_->domain_pause(*dom));
    {
        UniqueFd out(::open(core.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        ASSERT_TRUE(out) << core << ": " << std::strerror(errno);
        auto dumped = hv_->core_dump(*dom, out.get());
        ASSERT_TRUE(dumped) << dumped.error().message;
    }
    struct stat st {};
    ASSERT_EQ(::stat(core.c_str(), &st), 0);
    EXPECT_GT(st.st_size, 32 * 1024 * 1024);
    std::ifstream elf(core, std::ios::binary);
    char magic[4] = {};
    elf.read(magic, 4);
    EXPECT_EQ(std::string(magic, 4), "\x7f" "ELF");
    ::unlink(core.c_str());
    ASSERT_TRUE(hv_->domain_unpause(*dom));

    // Shutdown: the hypervisor reports it and VIRQ_DOM_EXC fires.
    ASSERT_TRUE((*events)->ack());
    ASSERT_TRUE(hv_->domain_shutdown(*dom, ShutdownReason::kPoweroff));
    ASSERT_TRUE(readable((*events)->fd(), 60s)) << "no VIRQ_DOM_EXC after shutdown";
    ASSERT_TRUE((*events)->ack());
    info = hv_->domain_info(*dom);
    ASSERT_TRUE(info);
    EXPECT_TRUE(info->shutdown);
    EXPECT_EQ(info->shutdown_reason, ShutdownReason::kPoweroff);

    ASSERT_TRUE(hv_->domain_destroy(*dom));
    auto deadline = Clock::now() + 60s;
    while (hv_->domain_info(*dom) && Clock::now() < deadline) readable((*events)->fd(), 1s);
    auto gone = hv_->domain_info(*dom);
    ASSERT_FALSE(gone) << "domain " << *dom << " is still there (dying: " << gone->dying << ")";
    EXPECT_EQ(gone.error().code, ESRCH);
}

// Memory target and online vcpus of a PV guest live in its store
// directory: this test runs once a xenstored serves dom0 (the harness's
// second backend phase), and then VIRQ_DOM_EXC belongs to xenstored.
TEST_F(HvXenVm, WithStoreTargetAndVcpusGoToTheStore) {
    if (env("XVM_VM_KERNEL").empty()) GTEST_SKIP() << "XVM_VM_KERNEL is not set";
    ASSERT_EQ(store_read("/local/domain/0/domid"), "0") << "no xenstored serving dom0";
    auto dom = hv_->domain_create(guest());
    ASSERT_TRUE(dom) << dom.error().message;
    std::string home = "/local/domain/" + std::to_string(*dom);
    ASSERT_TRUE(hv_->set_memory_target(*dom, 100 * 1024));
    EXPECT_EQ(store_read(home + "/memory/target"), "102400");
    EXPECT_EQ(hv_->set_memory_target(*dom, 400 * 1024).error().code, EINVAL);
    EXPECT_EQ(store_read(home + "/memory/target"), "102400");  // unchanged
    ASSERT_TRUE(hv_->set_vcpus_online(*dom, 1));
    EXPECT_EQ(store_read(home + "/cpu/0/availability"), "online");
    EXPECT_EQ(store_read(home + "/cpu/1/availability"), "offline");
    EXPECT_EQ(hv_->set_vcpus_online(*dom, 3).error().code, EINVAL);
    EXPECT_EQ(hv_->set_vcpus_online(*dom, 0).error().code, EINVAL);
    // The one VIRQ_DOM_EXC binding of dom0 is xenstored's; we are told so.
    auto events = hv_->subscribe_domain_events();
    ASSERT_FALSE(events);
    EXPECT_EQ(events.error().code, EEXIST);
    EXPECT_NE(events.error().message.find("xenstored"), std::string::npos);
    ASSERT_TRUE(hv_->domain_destroy(*dom));
    auto deadline = Clock::now() + 60s;
    while (hv_->domain_info(*dom) && Clock::now() < deadline) ::usleep(100 * 1000);
    EXPECT_FALSE(hv_->domain_info(*dom));
    // Remove what we wrote: xl would, and the next test expects a clean store.
    xs_handle* xs = xs_open(0);
    ASSERT_NE(xs, nullptr);
    xs_rm(xs, XBT_NULL, home.c_str());
    xs_close(xs);
}

}  // namespace
}  // namespace xvm
