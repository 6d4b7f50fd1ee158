#include "daemons/svc.startd/graph.h"

#include <gtest/gtest.h>

#include <map>

namespace xvm::startd {
namespace {

struct World {
    std::map<std::string, Cited> inst;
    Lookup lookup() {
        return [this](const std::string& fmri) {
            std::vector<Cited> out;
            for (const auto& [k, v] : inst)
                if (k == fmri || k.starts_with(fmri + ":")) out.push_back(v);
            return out;
        };
    }
};

PathExists none = [](const std::string&) { return false; };

TEST(Graph, Groupings) {
    World w;
    w.inst["svc:/a:default"] = {State::Online, true};
    w.inst["svc:/b:default"] = {State::Offline, true};
    w.inst["svc:/c:default"] = {State::Disabled, false};
    auto dep = [](std::string g, std::vector<std::string> e) {
        return Dependency{"d", std::move(g), "none", "service", std::move(e)};
    };
    EXPECT_TRUE(satisfied(dep("require_all", {"svc:/a"}), w.lookup(), none));
    EXPECT_FALSE(satisfied(dep("require_all", {"svc:/a", "svc:/b:default"}), w.lookup(), none));
    EXPECT_FALSE(satisfied(dep("require_all", {"svc:/absent"}), w.lookup(), none));
    EXPECT_TRUE(satisfied(dep("require_any", {"svc:/b", "svc:/a"}), w.lookup(), none));
    EXPECT_TRUE(satisfied(dep("optional_all", {"svc:/a", "svc:/c", "svc:/absent"}), w.lookup(), none));
    EXPECT_FALSE(satisfied(dep("optional_all", {"svc:/b"}), w.lookup(), none));  // on its way up
    EXPECT_TRUE(satisfied(dep("exclude_all", {"svc:/c", "svc:/absent"}), w.lookup(), none));
    EXPECT_FALSE(satisfied(dep("exclude_all", {"svc:/a"}), w.lookup(), none));
    EXPECT_FALSE(satisfied(dep("bogus", {}), w.lookup(), none));
    PathExists some = [](const std::string& p) { return p == "/etc/x"; };
    EXPECT_TRUE(satisfied(dep("require_all", {"file://localhost/etc/x"}), w.lookup(), some));
    EXPECT_FALSE(satisfied(dep("require_all", {"file://localhost/etc/y"}), w.lookup(), some));
}

TEST(Graph, RestartOn) {
    World w;
    w.inst["svc:/a:default"] = {State::Offline, true, true};
    w.inst["svc:/b:default"] = {State::Disabled, false, false};
    auto dep = [](std::string r, std::string e) { return Dependency{"d", "require_all", std::move(r), "service", {std::move(e)}}; };
    EXPECT_FALSE(requires_stop(dep("none", "svc:/a"), w.lookup()));
    EXPECT_TRUE(requires_stop(dep("error", "svc:/a"), w.lookup()));
    EXPECT_FALSE(requires_stop(dep("error", "svc:/b"), w.lookup()));  // an administrator stopped it
    EXPECT_TRUE(requires_stop(dep("restart", "svc:/b"), w.lookup()));
    EXPECT_TRUE(requires_stop(dep("refresh", "svc:/b"), w.lookup()));
}

TEST(Graph, ReadsDependencyGroups) {
    smf::PgSet v;
    auto& g = v.get_or_add("fs", "dependency");
    g.set({"grouping", smf::PropType::Astring, {"require_all"}});
    g.set({"restart_on", smf::PropType::Astring, {"error"}});
    g.set({"entities", smf::PropType::Fmri, {"svc:/x"}});
    v.get_or_add("config", "application");
    auto d = dependencies_of(v);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].name, "fs");
    EXPECT_EQ(d[0].restart_on, "error");
    EXPECT_EQ(d[0].type, "service");
}

}  // namespace
}  // namespace xvm::startd
