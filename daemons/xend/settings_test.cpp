#include "daemons/xend/settings.h"

#include <gtest/gtest.h>

namespace xvm::xend {
namespace {

Result<Settings> with(std::vector<std::pair<std::string, std::string>> overrides) {
    XendConfig config(settings_table(), Settings{});
    for (const auto& [k, v] : overrides)
        if (Status s = config.set_override(k, v, "property config/" + k); !s) return std::move(s).error();
    auto loaded = config.load("");
    if (!loaded) return loaded;
    if (Status ok = check_settings(*loaded); !ok) return std::move(ok).error();
    return loaded;
}

TEST(Settings, DefaultsAreTheManifestsAndValid) {
    auto s = with({});
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->dom0_min_mem, 196);
    EXPECT_TRUE(s->enable_dump);
    EXPECT_TRUE(s->unix_server);
    EXPECT_EQ(s->relocation_address, "127.0.0.1");
    EXPECT_EQ(s->relocation_hosts_allow, "^localhost$");
}

TEST(Settings, RangesNameThePropertyAndTheValue) {
    auto s = with({{"xend-relocation-port", "70000"}});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "property config/xend-relocation-port: 70000 is not in 1..65535");
    EXPECT_FALSE(with({{"dom0-min-mem", "-1"}}));
    EXPECT_FALSE(with({{"enable-dump", "maybe"}}));
}

TEST(Settings, ChecksWhatARangeCannot) {
    EXPECT_EQ(with({{"vnc-listen", "everywhere"}}).error().message,
              "property config/vnc-listen: \"everywhere\" is not an IPv4 or IPv6 address");
    EXPECT_TRUE(with({{"vnc-listen", "::1"}}));
    EXPECT_TRUE(with({{"xend-relocation-address", ""}}));  // all addresses, said explicitly
    EXPECT_EQ(with({{"xend-unix-path", "relative/sock"}}).error().message,
              "property config/xend-unix-path: \"relative/sock\" is not a plain absolute path");
    EXPECT_FALSE(with({{"xend-unix-path", "/var/lib/../../etc/x"}}));
    EXPECT_FALSE(with({{"xend-unix-path", "/" + std::string(200, 'a')}}));
    EXPECT_NE(with({{"xend-unix-path", "/var/run/xend/xmlrpc.sock"}}).error().message.find("need two sockets"),
              std::string::npos);
    EXPECT_NE(with({{"xend-relocation-hosts-allow", "^a$  ^b$"}}).error().message.find("would allow every host"),
              std::string::npos);
    EXPECT_NE(with({{"xend-relocation-hosts-allow", "^good$ ([bad"}}).error().message.find(
                  "pattern \"([bad\" is not a regular expression"),
              std::string::npos);
    EXPECT_TRUE(with({{"xend-relocation-hosts-allow", ""}}));
}

TEST(Settings, ThePasswordIsNeverShown) {
    auto s = with({{"vncpasswd", "s3cret"}});
    ASSERT_TRUE(s);
    EXPECT_EQ(describe(*s).find("s3cret"), std::string::npos);
    EXPECT_NE(describe(*s).find("vncpasswd=(set)"), std::string::npos);
    auto bad = with({{"vncpasswd", "new\nline"}});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message.find("new"), std::string::npos);
}

TEST(Settings, ChangesByName) {
    Settings a, b;
    b.dom0_min_mem = 512;
    b.unix_server = false;
    EXPECT_EQ(changed_settings(a, b), (std::vector<std::string>{"dom0-min-mem", "xend-unix-server"}));
    EXPECT_EQ(string_settings_table().size(), 6u);
}

}  // namespace
}  // namespace xvm::xend
