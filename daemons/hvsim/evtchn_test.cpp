// Event-channel bookkeeping: descriptors pair up so a write on one side
// wakes the other, and bindings come and go with their owners.
#include "daemons/hvsim/evtchn.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace xvm::hvsim {
namespace {

bool pending(int fd) {
    std::uint64_t v = 0;
    return ::read(fd, &v, sizeof v) == sizeof v && v > 0;
}

void notify(int fd) {
    std::uint64_t one = 1;
    ASSERT_EQ(::write(fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));
}

TEST(Evtchn, BoundPortsNotifyEachOther) {
    EvtchnTable t;
    auto guest = t.alloc_unbound(5, kDom0);
    ASSERT_TRUE(guest);
    EXPECT_EQ(guest->port, 1u);
    auto dom0 = t.bind(kDom0, 77, 5, guest->port);
    ASSERT_TRUE(dom0) << dom0.error().message;
    notify(guest->notify_fd);
    EXPECT_TRUE(pending(dom0->wait_fd));
    EXPECT_FALSE(pending(guest->wait_fd));
    notify(dom0->notify_fd);
    EXPECT_TRUE(pending(guest->wait_fd));
}

TEST(Evtchn, BindRefusals) {
    EvtchnTable t;
    auto p = t.alloc_unbound(5, 7);  // reserved for domain 7
    ASSERT_TRUE(p);
    auto wrong = t.bind(kDom0, 1, 5, p->port);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, EPERM);
    EXPECT_EQ(t.bind(kDom0, 1, 5, 99).error().code, EINVAL);
    auto q = t.alloc_unbound(5, kDom0);
    ASSERT_TRUE(t.bind(kDom0, 1, 5, q->port));
    auto twice = t.bind(kDom0, 2, 5, q->port);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, EBUSY);
}

TEST(Evtchn, ReleasedOwnerLeavesThePortRebindableWithTheSameEventfds) {
    EvtchnTable t;
    auto guest = t.alloc_unbound(5, kDom0);
    ASSERT_TRUE(t.bind(kDom0, 1, 5, guest->port));
    EXPECT_EQ(t.count(kDom0), 1u);
    t.release_owner(1);
    EXPECT_EQ(t.count(kDom0), 0u);
    auto again = t.bind(kDom0, 2, 5, guest->port);
    ASSERT_TRUE(again) << again.error().message;
    notify(guest->notify_fd);  // the guest's old descriptor still reaches dom0
    EXPECT_TRUE(pending(again->wait_fd));
}

TEST(Evtchn, RemoveDomainDropsItsPorts) {
    EvtchnTable t;
    ASSERT_TRUE(t.alloc_unbound(5, kDom0));
    ASSERT_TRUE(t.alloc_unbound(5, kDom0));
    EXPECT_EQ(t.count(5), 2u);
    t.remove_domain(5);
    EXPECT_EQ(t.count(5), 0u);
}

}  // namespace
}  // namespace xvm::hvsim
