// The typed property table against a real repository in a temporary root.
#include "daemons/kit/service_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <array>
#include <functional>

#include "lib/smf/smf_repo.h"

namespace xvm::kit {
namespace {

using smf::PgSet;
using smf::PropType;

struct Settings {
    std::uint32_t nodes = 1000;
    std::int64_t min_mem = 196;
    bool dump = false;
    std::string backend = "auto";
    std::uint64_t port = 8002;
};

constexpr std::string_view kBackends[] = {"auto", "xen", "sim"};
const std::array<Setting<Settings>, 5> kTable = {{
    {.name = "quota-nodes", .member = &Settings::nodes, .range = {1, 4294967295}},
    {.name = "dom0-min-mem", .member = &Settings::min_mem, .range = {0, 1 << 20}},
    {.name = "enable-dump", .member = &Settings::dump},
    {.name = "hypervisor-backend", .member = &Settings::backend, .choices = kBackends},
    {.name = "port", .member = &Settings::port, .range = {1, 65535}, .restart_only = true},
}};

class ServiceConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xvm-kit-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        ::setenv("XVM_ROOT", dir_.c_str(), 1);
        edit([](smf::Repository& r) {
            ASSERT_TRUE(r.create("system/t"));
            ASSERT_TRUE(r.create("system/t:default"));
        });
    }
    void TearDown() override {
        ::unsetenv("XVM_ROOT");
        (void)::system(("rm -rf " + dir_).c_str());
    }
    // The repository is held only while editing: readers wait for writers.
    void edit(const std::function<void(smf::Repository&)>& body) {
        auto repo = smf::Repository::open(true);
        ASSERT_TRUE(repo) << repo.error().message;
        body(**repo);
    }
    // setprop, without refresh.
    void setprop(const smf::Property& p) {
        edit([&](smf::Repository& r) {
            ASSERT_TRUE(r.update("system/t:default", [&](PgSet& s) -> Status {
                s.get_or_add("config", "application").set(p);
                return {};
            }));
        });
    }
    // setprop + refresh: the running snapshot holds `props`.
    void set(std::vector<smf::Property> props) {
        for (auto& p : props) setprop(p);
        edit([](smf::Repository& r) { ASSERT_TRUE(r.take_snapshot("system/t:default", "running")); });
    }
    std::string dir_;
    const std::string fmri_ = "svc:/system/t:default";
    ServiceConfig<Settings> config_{kTable, Settings{}};
};

TEST_F(ServiceConfigTest, DefaultsThenRunningSnapshotThenOverrides) {
    set({{"quota-nodes", PropType::Count, {"50"}}, {"enable-dump", PropType::Boolean, {"true"}}});
    // An edit not yet refreshed is not seen.
    setprop({"quota-nodes", PropType::Count, {"77"}});
    ASSERT_TRUE(config_.set_override("hypervisor-backend", "sim", "--hypervisor"));
    auto s = config_.load(fmri_);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->nodes, 50u);
    EXPECT_TRUE(s->dump);
    EXPECT_EQ(s->backend, "sim");
    EXPECT_EQ(s->min_mem, 196);
}

TEST_F(ServiceConfigTest, EveryErrorNamesPropertyValueAndRange) {
    set({{"quota-nodes", PropType::Count, {"0"}},
         {"hypervisor-backend", PropType::Astring, {"kvm"}},
         {"dom0-min-mem", PropType::Astring, {"lots"}},
         {"port", PropType::Count, {"1", "2"}}});
    auto s = config_.load(fmri_);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message,
              "property config/quota-nodes: 0 is not in 1..4294967295; "
              "property config/dom0-min-mem of svc:/system/t:default has the wrong type "
              "(count or integer expected); "
              "property config/hypervisor-backend: kvm is not one of auto, xen, sim; "
              "property config/port of svc:/system/t:default has 2 values (one expected)");
    auto bad = config_.set_override("quota-nodes", "x", "-Q nodes=x");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "-Q nodes=x: x is not in 1..4294967295");
}

TEST_F(ServiceConfigTest, ReloadKeepsRestartOnlySettingsAndSaysSo) {
    set({{"port", PropType::Count, {"8002"}}});
    auto running = config_.load(fmri_);
    ASSERT_TRUE(running);
    set({{"port", PropType::Count, {"9000"}}, {"quota-nodes", PropType::Count, {"5"}}});
    std::vector<std::string> notes;
    auto fresh = config_.reload(*running, fmri_, notes);
    ASSERT_TRUE(fresh) << fresh.error().message;
    EXPECT_EQ(fresh->port, 8002u);
    EXPECT_EQ(fresh->nodes, 5u);
    EXPECT_EQ(notes, std::vector<std::string>{"config/port changes at the next restart"});
}

TEST_F(ServiceConfigTest, AnUnreadableRepositoryIsAnErrorNotUnset) {
    ASSERT_EQ(::system(("echo garbage > " + dir_ + "/etc/svc/repository.tdb").c_str()), 0);
    auto s = config_.load(fmri_);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("cannot read property config/quota-nodes"), std::string::npos)
        << s.error().message;
}

}  // namespace
}  // namespace xvm::kit
