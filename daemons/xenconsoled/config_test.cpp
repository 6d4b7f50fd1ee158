// xenconsoled's options and settings table: defaults, Xen's option names,
// every error at once naming the setting, the value and what is allowed.
#include "daemons/xenconsoled/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace xvm::console {
namespace {

Result<Config> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "xenconsoled");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    return load_config(static_cast<int>(args.size()), argv.data());
}

class ConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ::unsetenv("SMF_FMRI");
        ::setenv("XVM_ROOT", "/tmp/xc-root", 1);
    }
    void TearDown() override { ::unsetenv("XVM_ROOT"); }
};

TEST_F(ConfigTest, Defaults) {
    auto c = parse({"--hypervisor", "sim"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->socket_path, "/tmp/xc-root/var/run/xenconsoled/socket");
    EXPECT_EQ(c->store_socket, "/tmp/xc-root/var/run/xenstored/socket");
    EXPECT_EQ(c->settings.log_path(), "/tmp/xc-root/var/log/xen/console");
    EXPECT_TRUE(c->settings.logging());
    EXPECT_FALSE(c->settings.timestamps());
    EXPECT_EQ(c->settings.rate_limit_events, 30u);
    EXPECT_EQ(c->settings.rate_limit_period_ms, 200u);
    EXPECT_EQ(c->hypervisor, "sim");
}

TEST_F(ConfigTest, XensOptionNames) {
    auto c = parse({"-i", "-v", "--log=none", "--timestamp=guest", "--log-dir=/srv/logs"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_TRUE(c->no_fork);
    EXPECT_TRUE(c->debug);
    EXPECT_FALSE(c->settings.logging());
    EXPECT_TRUE(c->settings.timestamps());
    EXPECT_EQ(c->settings.log_path(), "/tmp/xc-root/srv/logs");
}

TEST_F(ConfigTest, EveryErrorAtOnce) {
    auto c = parse({"--log=all", "-t", "sometimes", "--hypervisor", "kvm", "--bogus", "extra"});
    ASSERT_FALSE(c);
    const std::string& m = c.error().message;
    EXPECT_NE(m.find("--log all"), std::string::npos) << m;
    EXPECT_NE(m.find("none"), std::string::npos) << m;
    EXPECT_NE(m.find("--timestamp sometimes"), std::string::npos) << m;
    EXPECT_NE(m.find("kvm"), std::string::npos) << m;
    EXPECT_NE(m.find("unknown option --bogus"), std::string::npos) << m;
    EXPECT_NE(m.find("unexpected argument extra"), std::string::npos) << m;
}

TEST_F(ConfigTest, AnySettingFromTheCommandLine) {
    auto c = parse({"-s", "rate-limit-events=1000", "--set", "history-kib=0"});
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->settings.rate_limit_events, 1000u);
    EXPECT_EQ(c->settings.history_kib, 0u);
    c = parse({"-s", "rate-limit-events", "-s", "colour=blue", "-s", "history-kib=2000"});
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("expected name=value"), std::string::npos);
    EXPECT_NE(c.error().message.find("unknown setting colour"), std::string::npos);
    EXPECT_NE(c.error().message.find("2000 is not in 0..1024"), std::string::npos) << c.error().message;
}

TEST_F(ConfigTest, RelativeLogDirIsRefused) {
    auto c = parse({"--log-dir=logs"});
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("config/log-dir: 'logs' is not an absolute path"),
              std::string::npos)
        << c.error().message;
}

TEST_F(ConfigTest, TableRowsHaveRanges) {
    for (const auto& row : settings_table()) {
        if (std::holds_alternative<std::uint32_t Settings::*>(row.member)) {
            EXPECT_LT(row.range.min, row.range.max) << row.name;
        }
    }
    kit::ServiceConfig<Settings> t(settings_table(), Settings{});
    Status s = t.set_override("rate-limit-events", "0", "test");
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("0 is not in 1..1000000"), std::string::npos)
        << s.error().message;
}

}  // namespace
}  // namespace xvm::console
