// Backend selection: the setting's values, and what each backend says when
// it cannot be used on this host.
#include "lib/xen/hypervisor.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

namespace xvm {
namespace {

TEST(Hypervisor, ParseBackend) {
    EXPECT_EQ(*parse_backend("auto"), Backend::kAuto);
    EXPECT_EQ(*parse_backend("xen"), Backend::kXen);
    EXPECT_EQ(*parse_backend("sim"), Backend::kSim);
    auto bad = parse_backend("kvm");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "hypervisor backend 'kvm' is not one of auto, xen, sim");
}

bool is_dom0() {
    std::ifstream in("/proc/xen/capabilities");
    std::string caps;
    return in && std::getline(in, caps) && caps.find("control_d") != std::string::npos;
}

TEST(Hypervisor, AutoOffDom0SaysHowToUseTheSimulator) {
    if (is_dom0()) GTEST_SKIP() << "this host is a Xen dom0";
    auto hv = open_hypervisor(Backend::kAuto);
    ASSERT_FALSE(hv);
    EXPECT_EQ(hv.error().code, ENODEV);
    EXPECT_NE(hv.error().message.find("not a Xen dom0"), std::string::npos);
    EXPECT_NE(hv.error().message.find("set the backend to sim"), std::string::npos);
}

TEST(Hypervisor, XenOffDom0FailsClearly) {
    if (is_dom0()) GTEST_SKIP() << "this host is a Xen dom0";
    auto hv = open_hypervisor(Backend::kXen);
    ASSERT_FALSE(hv);
    EXPECT_NE(hv.error().message.find("xen backend: cannot open the Xen control interface"),
              std::string::npos)
        << hv.error().message;
}

TEST(Hypervisor, SimWithoutHvsimNamesTheSocket) {
    char dir[] = "/tmp/xvm-hv-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    ::setenv("XVM_ROOT", dir, 1);
    auto hv = open_hypervisor(Backend::kSim);
    ::unsetenv("XVM_ROOT");
    ::rmdir(dir);
    ASSERT_FALSE(hv);
    EXPECT_NE(hv.error().message.find("cannot reach the simulated hypervisor (is hvsim running?)"),
              std::string::npos)
        << hv.error().message;
    EXPECT_NE(hv.error().message.find(std::string(dir) + "/var/run/xvm/hvsim.sock"),
              std::string::npos)
        << hv.error().message;
}

}  // namespace
}  // namespace xvm
