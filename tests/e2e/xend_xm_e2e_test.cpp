// xm and xend together, end to end through svcadm on hvsim + xenstored:
// the administrator's commands against the real daemon.
#include <dirent.h>

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

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

// The commands whose answers xend shapes for xm: xm info prints every pair
// of xend.node.info but the first (XEND.md 2.4), xm vcpu-list shows the CPU
// each online vcpu is on, xm dump-core without a file name lets xend name
// the core (XEND.md 8).
TEST_F(XmWithXend, InfoVcpuListAndDumpCore) {
    ::mkdir(path("/etc/xen").c_str(), 0755);
    write_file(path("/etc/xen/two"), "name = 'two'\nmemory = 32\nvcpus = 2\nkernel = '" + std::string(kKernel) + "'\n");
    auto o = xm({"create", "-q", "two"});
    ASSERT_EQ(o.status, 0) << o.out << o.err << xend_log();

    o = xm({"info"});
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out.rfind("host                   : ", 0), 0u) << o.out;  // system is skipped
    EXPECT_EQ(o.out.find("system"), std::string::npos) << o.out;
    EXPECT_NE(o.out.find("\nnr_cpus                : 2\n"), std::string::npos) << o.out;
    EXPECT_NE(o.out.find("\nxend_config_format     : 4\n"), std::string::npos) << o.out;

    o = xm({"vcpu-list", "two"});
    ASSERT_EQ(o.status, 0) << o.err;
    // Name, ID, VCPU, then a CPU number (not blank) and a state of r|- b|- -.
    const std::regex row("two {29} +[0-9]+ +([01]) +([01]) +[r-][b-]- +[0-9]+\\.[0-9] any cpu");
    std::size_t rows = 0;
    std::istringstream lines(o.out);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind("two ", 0) == 0) {
            ++rows;
            EXPECT_TRUE(std::regex_match(line, row)) << "'" << line << "'\n" << o.out;
        }
    EXPECT_EQ(rows, 2u) << o.out;
    // Pinned elsewhere, the vcpu moves to the CPU it was pinned to.
    ASSERT_EQ(xm({"vcpu-pin", "two", "0", "1"}).status, 0);
    o = xm({"vcpu-list", "two"});
    EXPECT_TRUE(std::regex_search(o.out, std::regex("\ntwo {29} +[0-9]+ +0 +1 +[r-][b-]- +[0-9]+\\.[0-9] 1\n")))
        << o.out;

    o = xm({"dump-core", "two"});
    ASSERT_EQ(o.status, 0) << o.out << o.err << xend_log();
    EXPECT_EQ(o.out, "Dumping core of domain: two ...\n");
    std::vector<std::string> cores;
    if (DIR* d = ::opendir(path("/var/xen/dump").c_str())) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') cores.emplace_back(e->d_name);
        ::closedir(d);
    }
    ASSERT_EQ(cores.size(), 1u);
    EXPECT_TRUE(std::regex_match(cores[0], std::regex("[0-9]{4}-[0-9]{4}-[0-9]{4}\\.[0-9]{2}-two\\.[0-9]+\\.core")))
        << cores[0];
    // Not live: xm paused it for the dump and lets it run again.
    EXPECT_EQ(xm({"list", "two"}).out.find("--p---"), std::string::npos);
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
