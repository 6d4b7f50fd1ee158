// The domain state machine and host memory accounting, without processes.
#include "daemons/hvsim/domain_table.h"

#include <gtest/gtest.h>

namespace xvm::hvsim {
namespace {

constexpr std::uint64_t kMiB = 1024;

DomainTable make_table(std::uint64_t host_mib = 1024, std::uint64_t dom0_mib = 256) {
    auto t = DomainTable::create(
        HostSize{.cpus = 4, .memory_kib = host_mib * kMiB, .dom0_kib = dom0_mib * kMiB});
    EXPECT_TRUE(t) << t.error().message;
    return std::move(*t);
}

DomainConfig config(std::uint64_t mib, std::uint32_t vcpus = 1) {
    DomainConfig c;
    c.memory_kib = mib * kMiB;
    c.vcpus = vcpus;
    return c;
}

TEST(DomainTable, Dom0ExistsFromTheStartWithItsMemory) {
    DomainTable t = make_table();
    auto dom0 = t.find(kDom0);
    ASSERT_TRUE(dom0);
    EXPECT_EQ((*dom0)->memory_kib, 256 * kMiB);
    EXPECT_EQ((*dom0)->vcpus_online, 4u);
    EXPECT_FALSE((*dom0)->paused);
    EXPECT_EQ(t.physinfo().free_kib, 768 * kMiB);
    EXPECT_EQ(t.physinfo().total_kib, 1024 * kMiB);
    EXPECT_EQ(t.physinfo().nr_cpus, 4u);
}

TEST(DomainTable, RejectsImpossibleHosts) {
    EXPECT_FALSE(DomainTable::create(HostSize{.cpus = 0, .memory_kib = 1024, .dom0_kib = 512}));
    auto big = DomainTable::create(HostSize{.cpus = 1, .memory_kib = 1024, .dom0_kib = 2048});
    ASSERT_FALSE(big);
    EXPECT_NE(big.error().message.find("dom0 memory 2048 KiB"), std::string::npos);
}

TEST(DomainTable, CreateIsPausedAndNotStarted) {
    DomainTable t = make_table();
    auto id = t.add(config(128, 2));
    ASSERT_TRUE(id);
    EXPECT_EQ(*id, 1u);
    const Domain& d = **t.find(*id);
    EXPECT_TRUE(d.paused);
    EXPECT_FALSE(d.started);
    EXPECT_EQ(d.max_memory_kib, 128 * kMiB);  // defaults to memory
    EXPECT_EQ(d.affinity.size(), 2u);
    EXPECT_EQ(t.free_kib(), 640 * kMiB);
}

TEST(DomainTable, FullLifecycle) {
    DomainTable t = make_table();
    int changes = 0;
    t.on_change([&] { ++changes; });
    DomId id = *t.add(config(64));
    auto first = t.unpause(id);
    ASSERT_TRUE(first);
    EXPECT_TRUE(*first);
    EXPECT_FALSE(*t.unpause(id));  // already running, not a first start
    ASSERT_TRUE(t.pause(id));
    EXPECT_TRUE((*t.find(id))->paused);
    auto again = t.unpause(id);
    ASSERT_TRUE(again);
    EXPECT_FALSE(*again);
    ASSERT_TRUE(t.shutdown(id, ShutdownReason::kReboot));
    EXPECT_TRUE((*t.find(id))->shutdown);
    EXPECT_EQ((*t.find(id))->reason, ShutdownReason::kReboot);
    // The first reason stands.
    ASSERT_TRUE(t.shutdown(id, ShutdownReason::kCrash));
    EXPECT_EQ((*t.find(id))->reason, ShutdownReason::kReboot);
    EXPECT_FALSE(t.pause(id));
    EXPECT_FALSE(t.unpause(id));
    ASSERT_TRUE(t.destroy(id));
    EXPECT_TRUE((*t.find(id))->dying);
    EXPECT_EQ(t.free_kib(), 704 * kMiB);  // dying domains keep memory
    auto twice = t.destroy(id);
    ASSERT_FALSE(twice);
    EXPECT_NE(twice.error().message.find("dying"), std::string::npos);
    t.remove(id);
    EXPECT_EQ(t.free_kib(), 768 * kMiB);
    EXPECT_EQ(t.find(id).error().code, ESRCH);
    EXPECT_EQ(changes, 7);  // add, unpause, pause, unpause, shutdown, destroy, remove
}

TEST(DomainTable, Dom0CannotBePausedShutDownOrDestroyed) {
    DomainTable t = make_table();
    EXPECT_EQ(t.pause(kDom0).error().code, EINVAL);
    EXPECT_EQ(t.shutdown(kDom0, ShutdownReason::kPoweroff).error().code, EPERM);
    auto d = t.destroy(kDom0);
    EXPECT_EQ(d.error().code, EPERM);
    EXPECT_EQ(d.error().message, "cannot destroy domain 0");
}

TEST(DomainTable, UnknownDomainIsEsrchNamingIt) {
    DomainTable t = make_table();
    auto s = t.pause(42);
    EXPECT_EQ(s.error().code, ESRCH);
    EXPECT_EQ(s.error().message, "cannot pause domain 42: no such domain");
}

TEST(DomainTable, CreateBeyondFreeMemoryIsEnomemAndChangesNothing) {
    DomainTable t = make_table(1024, 256);
    ASSERT_TRUE(t.add(config(700)));
    auto r = t.add(config(100));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ENOMEM);
    EXPECT_EQ(r.error().message,
              "cannot create domain: 102400 KiB of memory requested but only 69632 KiB of "
              "1048576 KiB are free");
    EXPECT_EQ(t.domains().size(), 2u);
    EXPECT_EQ(t.free_kib(), 68 * kMiB);
}

TEST(DomainTable, BadConfigsAreRefused) {
    DomainTable t = make_table();
    EXPECT_FALSE(t.add(config(0)));
    EXPECT_FALSE(t.add(config(64, 0)));
    EXPECT_FALSE(t.add(config(64, kMaxVcpus + 1)));
    DomainConfig c = config(64);
    c.max_memory_kib = 32 * kMiB;
    auto r = t.add(c);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("below its memory"), std::string::npos);
    EXPECT_EQ(t.domains().size(), 1u);
}

TEST(DomainTable, Dom0BalloonsDownToMakeRoom) {
    DomainTable t = make_table(1024, 1024);
    EXPECT_EQ(t.add(config(128)).error().code, ENOMEM);
    ASSERT_TRUE(t.set_allocation(kDom0, 512 * kMiB));
    EXPECT_EQ(t.free_kib(), 512 * kMiB);
    EXPECT_TRUE(t.add(config(128)));
}

TEST(DomainTable, AllocationIsBoundedByMaxAndFreeMemory) {
    DomainTable t = make_table(1024, 256);
    DomainConfig c = config(128);
    c.max_memory_kib = 1024 * kMiB;
    DomId id = *t.add(c);
    ASSERT_TRUE(t.set_allocation(id, 64 * kMiB));  // balloon down
    EXPECT_EQ(t.free_kib(), 704 * kMiB);
    auto grow = t.set_allocation(id, 800 * kMiB);  // more than free
    ASSERT_FALSE(grow);
    EXPECT_EQ(grow.error().code, ENOMEM);
    ASSERT_TRUE(t.set_max_memory(id, 100 * kMiB));
    auto over = t.set_allocation(id, 200 * kMiB);
    ASSERT_FALSE(over);
    EXPECT_NE(over.error().message.find("its maximum is 102400 KiB"), std::string::npos);
    EXPECT_EQ((*t.find(id))->memory_kib, 64 * kMiB);
}

TEST(DomainTable, VcpusAndAffinity) {
    DomainTable t = make_table();
    DomId id = *t.add(config(64, 3));
    ASSERT_TRUE(t.set_vcpus_online(id, 2));
    EXPECT_EQ((*t.find(id))->vcpus_online, 2u);
    EXPECT_FALSE(t.set_vcpus_online(id, 4));
    EXPECT_FALSE(t.set_vcpus_online(id, 0));
    ASSERT_TRUE(t.set_affinity(id, 1, {2, 3}));
    EXPECT_EQ((*t.find(id))->affinity[1], (std::vector<std::uint32_t>{2, 3}));
    auto bad_cpu = t.set_affinity(id, 0, {4});
    ASSERT_FALSE(bad_cpu);
    EXPECT_NE(bad_cpu.error().message.find("the host has CPUs 0..3"), std::string::npos);
    EXPECT_FALSE(t.set_affinity(id, 3, {0}));
    EXPECT_FALSE(t.set_affinity(id, 0, {}));
}

// Every vcpu sits on a CPU of its affinity (xm vcpu-list's CPU column):
// placed on the least loaded CPU and cycling on, moved only by a pin that
// excludes its CPU.
TEST(DomainTable, VcpusArePlacedOnCpusOfTheirAffinity) {
    DomainTable t = make_table();  // 4 CPUs, dom0's vcpu n on CPU n
    EXPECT_EQ((*t.find(kDom0))->processor, (std::vector<std::uint32_t>{0, 1, 2, 3}));
    DomId a = *t.add(config(16, 3));
    EXPECT_EQ((*t.find(a))->processor, (std::vector<std::uint32_t>{0, 1, 2}));
    DomId b = *t.add(config(16, 2));  // CPU 3 carries the fewest vcpus
    EXPECT_EQ((*t.find(b))->processor, (std::vector<std::uint32_t>{3, 0}));
    ASSERT_TRUE(t.set_affinity(a, 1, {1, 2}));  // still allowed where it is
    EXPECT_EQ((*t.find(a))->processor[1], 1u);
    ASSERT_TRUE(t.set_affinity(a, 0, {2, 3}));  // CPU 0 excluded; 2 and 3 carry two each
    EXPECT_EQ((*t.find(a))->processor[0], 2u);
    ASSERT_TRUE(t.set_affinity(b, 1, {1, 2}));  // CPU 1 carries two, CPU 2 three now
    EXPECT_EQ((*t.find(b))->processor[1], 1u);
    EXPECT_FALSE(t.set_affinity(a, 2, {9}));    // a refused pin moves nothing
    EXPECT_EQ((*t.find(a))->processor[2], 2u);
}

TEST(DomainTable, IdsAreReusedOnlyAfterWrapping) {
    DomainTable t = make_table();
    DomId a = *t.add(config(1));
    ASSERT_TRUE(t.destroy(a));
    t.remove(a);
    DomId b = *t.add(config(1));
    EXPECT_EQ(b, a + 1);  // a fresh id, as Xen does, so stale ids fail
}

}  // namespace
}  // namespace xvm::hvsim
