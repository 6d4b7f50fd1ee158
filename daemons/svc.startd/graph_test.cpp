// The satisfaction rules of illumos usr/src/cmd/svc/startd/graph.c
// (require_all_satisfied, require_any_satisfied, optional_all_satisfied,
// exclude_all_satisfied, dependency_satisfied, propagate_stop), each case
// named after the branch it encodes.
#include "daemons/svc.startd/graph.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace xvm::startd {
namespace {

struct Fake {
    std::map<std::string, Node> inst;  // entity -> node
    std::set<std::string> files;
    World world() {
        World w;
        w.instance = [this](const std::string& e) -> std::optional<Node> {
            auto it = inst.find(e);
            if (it == inst.end()) return std::nullopt;
            return it->second;
        };
        w.instances_of = [this](const std::string& s) {
            std::vector<std::string> out;
            for (const auto& [k, v] : inst)
                if (k.starts_with(s + ":")) out.push_back(k);
            return out;
        };
        w.file_exists = [this](const std::string& p) { return files.contains(p); };
        return w;
    }
};

Dependency dep(std::string grouping, std::vector<std::string> e, std::string restart_on = "none") {
    return Dependency{"d", std::move(grouping), std::move(restart_on), "service", std::move(e)};
}

Node node(State s, bool enabled = true, std::vector<Dependency> deps = {}) {
    return Node{s, std::nullopt, enabled, std::move(deps)};
}

int now(Fake& f, const Dependency& d) { return group_satisfied(d, f.world(), false); }
int ever(Fake& f, const Dependency& d) { return group_satisfied(d, f.world(), true); }

TEST(Graph, DependencySatisfiedForInstances) {
    Fake f;
    f.inst["a:default"] = node(State::Online);
    f.inst["b:default"] = node(State::Offline);
    f.inst["c:default"] = node(State::Disabled, false);
    f.inst["m:default"] = node(State::Maint);
    f.inst["u:default"] = node(State::Uninit);
    f.inst["g:default"] = node(State::Degraded);
    EXPECT_EQ(now(f, dep("require_all", {"svc:/a:default"})), 1);
    EXPECT_EQ(now(f, dep("require_all", {"svc:/g:default"})), 1);
    EXPECT_EQ(now(f, dep("require_all", {"svc:/b:default"})), 0);      // offline, !satbility
    EXPECT_EQ(ever(f, dep("require_all", {"svc:/b:default"})), 0);     // offline, can start
    EXPECT_EQ(ever(f, dep("require_all", {"svc:/c:default"})), -1);    // disabled
    EXPECT_EQ(ever(f, dep("require_all", {"svc:/m:default"})), -1);    // maintenance
    EXPECT_EQ(ever(f, dep("require_all", {"svc:/u:default"})), 0);     // uninitialized
    EXPECT_EQ(ever(f, dep("require_all", {"svc:/absent:default"})), -1);  // not GV_CONFIGURED
    EXPECT_EQ(now(f, dep("require_all", {"svc:/absent:default"})), 0);    // !satbility: 0
    // A running instance being disabled (GV_TODISABLE) / offlined.
    f.inst["a:default"].next = State::Disabled;
    EXPECT_EQ(ever(f, dep("require_all", {"svc:/a:default"})), -1);
    f.inst["a:default"].next = State::Offline;
    EXPECT_EQ(ever(f, dep("require_all", {"svc:/a:default"})), 0);
}

TEST(Graph, ServicesAreRequireAnyOverTheirInstances) {
    Fake f;
    f.inst["s:one"] = node(State::Offline);
    f.inst["s:two"] = node(State::Online);
    f.inst["t:one"] = node(State::Disabled, false);
    EXPECT_EQ(now(f, dep("require_all", {"svc:/s"})), 1);
    EXPECT_EQ(ever(f, dep("require_all", {"svc:/t"})), -1);
    EXPECT_EQ(ever(f, dep("require_all", {"svc:/nosuch"})), -1);  // no instances
}

TEST(Graph, RequireAllAndRequireAny) {
    Fake f;
    f.inst["a:default"] = node(State::Online);
    f.inst["b:default"] = node(State::Offline);
    f.inst["c:default"] = node(State::Disabled, false);
    EXPECT_EQ(now(f, dep("require_all", {})), 1);
    EXPECT_EQ(now(f, dep("require_all", {"svc:/a:default", "svc:/b:default"})), 0);
    EXPECT_EQ(ever(f, dep("require_all", {"svc:/b:default", "svc:/c:default"})), -1);
    EXPECT_EQ(now(f, dep("require_any", {})), 1);
    EXPECT_EQ(now(f, dep("require_any", {"svc:/c:default", "svc:/a:default"})), 1);
    EXPECT_EQ(ever(f, dep("require_any", {"svc:/c:default", "svc:/b:default"})), 0);   // b satisfiable
    EXPECT_EQ(ever(f, dep("require_any", {"svc:/c:default", "svc:/absent:x"})), -1);
    EXPECT_EQ(now(f, dep("require_any", {"svc:/c:default"})), 0);  // !satbility never says -1
}

// Issue 13's case: an optional_all dependency that is offline and can
// never come online counts as satisfied.
TEST(Graph, OptionalAllTakesNeverSatisfiableOfflineAsSatisfied) {
    Fake f;
    f.inst["gone:default"] = node(State::Disabled, false);
    f.inst["stuck:default"] = node(State::Offline, true, {dep("require_all", {"svc:/gone:default"})});
    f.inst["broken:default"] = node(State::Maint);
    f.inst["waits:default"] = node(State::Offline, true, {dep("require_all", {"svc:/broken:default"})});
    f.inst["deep:default"] = node(State::Offline, true, {dep("require_all", {"svc:/stuck:default"})});
    f.inst["coming:default"] = node(State::Offline, true, {dep("require_all", {"svc:/starting:default"})});
    f.inst["starting:default"] = node(State::Uninit);
    EXPECT_EQ(now(f, dep("optional_all", {"svc:/stuck:default"})), 1);
    EXPECT_EQ(now(f, dep("optional_all", {"svc:/waits:default"})), 1);
    EXPECT_EQ(now(f, dep("optional_all", {"svc:/deep:default"})), 1);   // unsatisfiable two levels down
    EXPECT_EQ(now(f, dep("optional_all", {"svc:/coming:default"})), 0);  // will come online
    EXPECT_EQ(now(f, dep("optional_all", {"svc:/stuck"})), 1);           // through the service
}

TEST(Graph, OptionalAllSkipsWhatIsNotThere) {
    Fake f;
    f.inst["m:default"] = node(State::Maint);
    f.inst["off:default"] = node(State::Disabled, false);
    f.inst["on:default"] = node(State::Disabled, true);  // disabled, being enabled
    f.inst["up:default"] = node(State::Online);
    EXPECT_EQ(now(f, dep("optional_all", {"svc:/absent:default", "svc:/m:default"})), 1);  // none qualified
    EXPECT_EQ(now(f, dep("optional_all", {"svc:/off:default", "svc:/up:default"})), 1);
    EXPECT_EQ(now(f, dep("optional_all", {"svc:/on:default"})), 0);
    EXPECT_EQ(now(f, dep("optional_all", {"svc:/nosuch"})), 1);  // a service without instances
    // A file is GVT_FILE: present 1, absent -1, which !satbility makes 0.
    f.files.insert("/etc/x");
    EXPECT_EQ(now(f, dep("optional_all", {"file://localhost/etc/x"})), 1);
    EXPECT_EQ(now(f, dep("optional_all", {"file://localhost/etc/y"})), 0);
}

TEST(Graph, ExcludeAll) {
    Fake f;
    f.inst["on:default"] = node(State::Online);
    f.inst["leaving:default"] = node(State::Online, false);
    f.inst["off:default"] = node(State::Offline);
    f.inst["dis:default"] = node(State::Disabled, false);
    f.inst["m:default"] = node(State::Maint);
    EXPECT_EQ(now(f, dep("exclude_all", {"svc:/on:default"})), -1);
    EXPECT_EQ(now(f, dep("exclude_all", {"svc:/leaving:default"})), 0);
    EXPECT_EQ(now(f, dep("exclude_all", {"svc:/off:default"})), 0);
    EXPECT_EQ(now(f, dep("exclude_all", {"svc:/dis:default", "svc:/m:default", "svc:/absent:default"})), 1);
    EXPECT_EQ(now(f, dep("exclude_all", {"svc:/on"})), -1);  // a service: each instance
    f.files.insert("/run/x");
    EXPECT_EQ(now(f, dep("exclude_all", {"file://localhost/run/x"})), -1);
    EXPECT_EQ(now(f, dep("exclude_all", {"file://localhost/run/y"})), 1);
}

TEST(Graph, FilesAndInvalidEntities) {
    Fake f;
    f.files.insert("/etc/x");
    EXPECT_EQ(now(f, dep("require_all", {"file://localhost/etc/x"})), 1);
    EXPECT_EQ(now(f, dep("require_all", {"file:///etc/x"})), 1);
    EXPECT_EQ(ever(f, dep("require_all", {"file://localhost/etc/y"})), -1);
    EXPECT_EQ(ever(f, dep("require_all", {"svc:/a:b:c"})), -1);
    EXPECT_EQ(ever(f, dep("bogus", {})), -1);
}

TEST(Graph, InstanceSatisfiedIsRequireAllOverGroups) {
    Fake f;
    f.inst["a:default"] = node(State::Online);
    f.inst["c:default"] = node(State::Disabled, false);
    std::vector<Dependency> deps{dep("require_all", {"svc:/a:default"}), dep("optional_all", {"svc:/c:default"})};
    EXPECT_EQ(instance_satisfied(deps, f.world(), false), 1);
    EXPECT_FALSE(first_unsatisfied(deps, f.world()));
    deps.push_back(dep("require_all", {"svc:/c:default"}));
    EXPECT_EQ(instance_satisfied(deps, f.world(), true), -1);
    ASSERT_TRUE(first_unsatisfied(deps, f.world()));
}

TEST(Graph, CyclesEndTheRecursion) {
    Fake f;
    f.inst["x:default"] = node(State::Offline, true, {dep("require_all", {"svc:/y:default"})});
    f.inst["y:default"] = node(State::Offline, true, {dep("require_all", {"svc:/x:default"})});
    EXPECT_EQ(ever(f, dep("require_all", {"svc:/x:default"})), 0);
}

// illumos restarter.c's stop_instance() causes and propagate_stop()'s
// "err > v->gv_restart" test.
TEST(Graph, RestartOnAgainstTheSeverityOfTheStop) {
    EXPECT_EQ(rerr_of("ct_ev_core"), Rerr::Fault);
    EXPECT_EQ(rerr_of("ct_ev_signal"), Rerr::Fault);
    EXPECT_EQ(rerr_of("fault_threshold_reached"), Rerr::Fault);
    EXPECT_EQ(rerr_of("ct_ev_exit"), Rerr::Restart);  // RSTOP_EXIT is RERR_RESTART
    EXPECT_EQ(rerr_of("disable_request"), Rerr::Restart);
    EXPECT_EQ(rerr_of("restart_request"), Rerr::Restart);
    EXPECT_EQ(rerr_of("refresh"), Rerr::Refresh);
    auto on = [](std::string r) { return dep("require_all", {"svc:/a"}, std::move(r)); };
    EXPECT_FALSE(propagates(on("none"), Rerr::Fault));
    EXPECT_TRUE(propagates(on("error"), Rerr::Fault));
    EXPECT_FALSE(propagates(on("error"), Rerr::Restart));
    EXPECT_TRUE(propagates(on("restart"), Rerr::Restart));
    EXPECT_FALSE(propagates(on("restart"), Rerr::Refresh));
    EXPECT_TRUE(propagates(on("refresh"), Rerr::Refresh));
    EXPECT_FALSE(propagates(dep("exclude_all", {"svc:/a"}, "restart"), Rerr::Restart));
    EXPECT_TRUE(cites(on("x"), "a:default"));
    EXPECT_TRUE(cites(dep("require_all", {"svc:/a:default"}), "a:default"));
    EXPECT_FALSE(cites(dep("require_all", {"svc:/a:other"}), "a:default"));
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
