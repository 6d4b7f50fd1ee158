// The credential switch, in forked children (it is one-way). Needs root;
// skipped otherwise.
#include "lib/priv/cred_switch.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace xvm {
namespace {

constexpr uid_t kNobody = 65534;

// Runs `body` in a child; returns its message ("" = success).
std::string in_child(const std::function<std::string()>& body) {
    int fds[2];
    if (::pipe(fds) < 0) return "pipe failed";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        std::string out = body();
        (void)!::write(fds[1], out.data(), out.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, n);
    ::close(fds[0]);
    ::waitpid(pid, nullptr, 0);
    return out;
}

std::string status_field(const char* name) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(std::string(name) + ":", 0) == 0) return line.substr(line.find('\t') + 1);
    return "";
}

class CredSwitch : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (switches credentials)";
    }
};

TEST_F(CredSwitch, KeepsExactlyTheNamedCapabilityAndCannotReturn) {
    std::string got = in_child([] {
        const gid_t groups[] = {kNobody};
        CredSpec spec{.uid = kNobody, .gid = kNobody, .groups = groups, .keep = cap_bit(CAP_CHOWN)};
        if (Status s = switch_credentials(spec); !s) return s.error().message;
        for (const char* set : {"CapPrm", "CapEff", "CapBnd"})
            if (status_field(set) != "0000000000000001") return std::string(set) + " wrong";
        if (status_field("CapInh") != "0000000000000000") return std::string("CapInh wrong");
        if (::setuid(0) == 0) return std::string("uid 0 came back");
        return std::string();
    });
    EXPECT_EQ(got, "");
}

TEST_F(CredSwitch, CapabilitiesForExecAreInheritableAndAmbient) {
    std::string got = in_child([] {
        CredSpec spec{.uid = kNobody, .gid = kNobody, .groups = {}, .keep = cap_bit(CAP_KILL),
                      .survive_exec = true};
        if (Status s = switch_credentials(spec); !s) return s.error().message;
        if (status_field("CapAmb") != "0000000000000020") return "CapAmb " + status_field("CapAmb");
        return std::string();
    });
    EXPECT_EQ(got, "");
}

TEST_F(CredSwitch, RootWithFewerCapabilitiesStaysLimited) {
    std::string got = in_child([] {
        CredSpec spec{.uid = 0, .gid = 0, .groups = {}, .keep = cap_bit(CAP_CHOWN)};
        if (Status s = switch_credentials(spec); !s) return s.error().message;
        if (status_field("CapEff") != "0000000000000001") return "CapEff " + status_field("CapEff");
        return std::string();
    });
    EXPECT_EQ(got, "");
}

// The verifier checks every set, not only the bounding set: a process that
// is still full root does not pass for one holding only CAP_CHOWN.
TEST_F(CredSwitch, VerificationNamesWhatDiffers) {
    EXPECT_EQ(in_child([] {
                  CredSpec spec{.uid = kNobody, .gid = kNobody, .groups = {}, .keep = 0};
                  return verify_credentials(spec).error().message;
              }),
              "cannot switch credentials: uid did not change");
    EXPECT_EQ(in_child([] {
                  gid_t none[1];
                  int n = ::getgroups(0, none);
                  std::vector<gid_t> groups(n);
                  ::getgroups(n, groups.data());
                  CredSpec spec{.uid = 0, .gid = 0, .groups = groups, .keep = cap_bit(CAP_CHOWN)};
                  return verify_credentials(spec).error().message;
              }),
              "cannot switch credentials: permitted capabilities differ");
}

TEST(CapMask, ParsesAndNames) {
    auto mask = parse_cap_mask("CAP_CHOWN,cap_kill");
    ASSERT_TRUE(mask);
    EXPECT_EQ(*mask, cap_bit(CAP_CHOWN) | cap_bit(CAP_KILL));
    EXPECT_EQ(cap_mask_names(*mask), "CAP_CHOWN,CAP_KILL");
    EXPECT_EQ(cap_mask_names(0), "none");
    EXPECT_EQ(*parse_cap_mask("none"), 0u);
    auto bad = parse_cap_mask("CAP_CHOWN,CAP_FLY");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "unknown capability \"CAP_FLY\"");
}

}  // namespace
}  // namespace xvm
