// xm and xend together, end to end through svcadm on hvsim + xenstored:
// the administrator's commands against the real daemon.
#include <gtest/gtest.h>

#include "tests/e2e/xend_fixture.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

class XmWithXend : public XendStack {
protected:
    Output xm(std::vector<std::string> args) {
        args.insert(args.begin(), XM);
        return capture(args);
    }
};

TEST_F(XmWithXend, CreateListShutdownWait) {
    ::mkdir(path("/etc/xen").c_str(), 0755);
    write_file(path("/etc/xen/guest1"), "# an example guest\n"
                                        "name = 'guest1'\n"
                                        "memory = 64\n"
                                        "vcpus = 2\n"
                                        "kernel = '" + std::string(kKernel) + "'\n"
                                        "extra = 'console=hvc0'\n"
                                        "on_crash = 'coredump-restart'\n");
    auto o = xm({"create", "guest1"});
    ASSERT_EQ(o.status, 0) << o.out << o.err << xend_log();
    EXPECT_NE(o.out.find("Started domain guest1"), std::string::npos) << o.out;
    o = xm({"list"});
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_NE(o.out.find("Name                                        ID   Mem VCPUs      State   Time(s)"),
              std::string::npos)
        << o.out;
    EXPECT_NE(o.out.find("Domain-0                                     0"), std::string::npos) << o.out;
    EXPECT_NE(o.out.find("guest1                                       1    64     2"), std::string::npos) << o.out;
    o = xm({"pause", "guest1"});
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_NE(xm({"list", "guest1"}).out.find("--p---"), std::string::npos);
    EXPECT_EQ(xm({"unpause", "guest1"}).status, 0);
    o = xm({"list", "nosuch"});
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.err.find("Error: Domain 'nosuch' does not exist."), std::string::npos) << o.err;
    o = xm({"shutdown", "-w", "guest1"});
    EXPECT_EQ(o.status, 0) << o.out << o.err << xend_log();
    o = xm({"list"});
    EXPECT_EQ(o.out.find("guest1"), std::string::npos) << o.out;
}

TEST_F(XmWithXend, ARefusedUserIsToldWhy) {
    TestUsers users;
    users.add("xvmtnobody", "");
    auto o = capture({"/usr/sbin/runuser", "-u", "xvmtnobody", "--", "/usr/bin/env",
                      "XVM_ROOT=" + root_->path(), XM, "list"});
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.err.find("permission denied"), std::string::npos) << o.out << o.err;
}

}  // namespace
}  // namespace xvm::test
