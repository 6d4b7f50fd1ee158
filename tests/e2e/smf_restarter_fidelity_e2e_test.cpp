// The restarter's corner cases as illumos decides them (issue 13, item 1),
// against the real svc.startd and commands in a temporary root. Each test
// names the illumos-gate source it encodes.
#include <signal.h>

#include <thread>

#include "tests/e2e/smf_fixture.h"

namespace xvm::test {
namespace {

class RestarterFidelity : public SmfTest {
protected:
    // A contract service with a stop method of our choosing.
    static std::string svc(const std::string& name, const std::string& start, const std::string& stop,
                           int stop_timeout, const std::string& extra = "", const std::string& deps = "") {
        return "<service name='" + name + "' type='service' version='1'>\n"
               "<create_default_instance enabled='false'/>\n" + deps +
               "<exec_method type='method' name='start' exec='" + start + "' timeout_seconds='10'/>\n"
               "<exec_method type='method' name='stop' exec='" + stop + "' timeout_seconds='" +
               std::to_string(stop_timeout) + "'/>\n" + extra + "</service>\n";
    }
    static std::string dep(const std::string& name, const std::string& grouping, const std::string& restart_on,
                           const std::string& fmri) {
        return "<dependency name='" + name + "' grouping='" + grouping + "' restart_on='" + restart_on +
               "' type='service'><service_fmri value='" + fmri + "'/></dependency>\n";
    }
    // Stays in `want` for a while (it is not merely passing through).
    bool stays(const std::string& fmri, const std::string& want) {
        for (int i = 0; i < 15; ++i) {
            if (state(fmri) != want) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return true;
    }
};

// illumos graph.c, optional_all_satisfied(): "Offline dependences which cannot
// possibly come online (unsatisfiable) are always considered satisfied."
TEST_F(RestarterFidelity, OptionalAllOnANeverSatisfiableDependencyLetsTheDependentRun) {
    if (IsSkipped()) return;
    import(service("site/gone", ":true", transient_pg()) +
           service("site/broken", testsvc("exit 95")) +
           service("site/never", testsvc("daemon"), "", dependency("g", "svc:/site/gone:default")) +
           service("site/stuck", testsvc("daemon"), "", dependency("b", "svc:/site/broken:default")) +
           service("site/opt", testsvc("daemon"), "",
                   dep("o", "optional_all", "none", "svc:/site/never") +
                       dep("p", "optional_all", "none", "svc:/site/stuck:default")));
    start_startd();
    ASSERT_EQ(svcadm({"enable", "broken"}).status, 0);
    ASSERT_TRUE(reaches("site/broken:default", "maintenance"));
    ASSERT_EQ(svcadm({"enable", "never"}).status, 0);  // its dependency stays disabled
    ASSERT_EQ(svcadm({"enable", "stuck"}).status, 0);  // its dependency is in maintenance
    ASSERT_EQ(svcadm({"enable", "opt"}).status, 0);
    EXPECT_TRUE(reaches("site/opt:default", "online")) << svcs({"-x", "opt"}).out;
    EXPECT_EQ(state("site/never:default"), "offline");
    EXPECT_EQ(state("site/stuck:default"), "offline");
}

// The other half of the same rule: an offline optional_all dependency
// that can still come online is waited for.
TEST_F(RestarterFidelity, OptionalAllWaitsForADependencyThatCanStillStart) {
    if (IsSkipped()) return;
    import(service("site/later", ":true", transient_pg()) +
           service("site/mid", testsvc("daemon"), "", dependency("l", "svc:/site/later:default")) +
           service("site/opt", testsvc("daemon"), "", dep("o", "optional_all", "none", "svc:/site/mid:default")));
    start_startd();
    ASSERT_EQ(svcadm({"enable", "later"}).status, 0);
    ASSERT_EQ(svcadm({"mark", "maintenance", "later"}).status, 0);  // unsatisfiable for now
    ASSERT_TRUE(reaches("site/later:default", "maintenance"));
    ASSERT_EQ(svcadm({"enable", "mid"}).status, 0);
    ASSERT_EQ(svcadm({"enable", "opt"}).status, 0);
    ASSERT_TRUE(reaches("site/opt:default", "online"));
    ASSERT_EQ(svcadm({"disable", "-s", "opt"}).status, 0);
    ASSERT_EQ(svcadm({"clear", "later"}).status, 0);  // mid can now come up: opt waits for it
    ASSERT_TRUE(reaches("site/mid:default", "online"));
    ASSERT_EQ(svcadm({"enable", "-s", "opt"}).status, 0);
    double mid = std::stod(prop("site/mid:default", "restarter/state_timestamp"));
    double opt = std::stod(prop("site/opt:default", "restarter/state_timestamp"));
    EXPECT_LE(mid, opt);
}

// illumos method.c, method_thread(): a stop method killed by its timeout failed
// (EAGAIN, retryable) and is run again up to the fault threshold, then the
// instance goes to maintenance, fault_threshold_reached. illumos restarter.c,
// enable_inst(): only an administrator's disable takes an instance out of
// maintenance - one that entered it while being disabled stays there.
TEST_F(RestarterFidelity, StopMethodTimeoutsEndInMaintenanceNotDisabled) {
    if (IsSkipped()) return;
    import(svc("site/slowstop", testsvc("daemon"), "/bin/sleep 30", 1));
    start_startd();
    ASSERT_EQ(svcadm({"enable", "-s", "slowstop"}).status, 0);
    ASSERT_EQ(svcadm({"disable", "slowstop"}).status, 0);
    ASSERT_TRUE(reaches("site/slowstop:default", "maintenance"));
    std::string log = log_of("site-slowstop:default");
    EXPECT_EQ(count(log, "Executing stop method (\"/bin/sleep 30\")."), 3u) << log;
    EXPECT_EQ(count(log, "Method or service exit timed out.  Killing contract "), 3u) << log;
    EXPECT_EQ(prop("site/slowstop:default", "restarter/auxiliary_state"), "fault_threshold_reached");
    EXPECT_TRUE(members("site/slowstop:default").empty()) << "the service's processes are not left behind";
    EXPECT_TRUE(stays("site/slowstop:default", "maintenance"));
    ASSERT_EQ(svcadm({"clear", "slowstop"}).status, 0);
    ASSERT_TRUE(reaches("site/slowstop:default", "disabled"));
    log = log_of("site-slowstop:default");
    auto leave = log.find("Leaving maintenance because clear requested.");
    ASSERT_NE(leave, std::string::npos) << log;
    EXPECT_NE(log.find("Disabled.", leave), std::string::npos) << log;
}

// illumos method.c, method_run(): with startd/timeout_retry false a timed-out
// method is ERANGE - not retried: maintenance, method_failed.
TEST_F(RestarterFidelity, StopTimeoutWithoutRetryIsMethodFailed) {
    if (IsSkipped()) return;
    import(svc("site/noretry", testsvc("daemon"), "/bin/sleep 30", 1,
               "<property_group name='startd' type='framework'>"
               "<propval name='timeout_retry' type='boolean' value='false'/></property_group>\n"));
    start_startd();
    ASSERT_EQ(svcadm({"enable", "-s", "noretry"}).status, 0);
    ASSERT_EQ(svcadm({"disable", "noretry"}).status, 0);
    ASSERT_TRUE(reaches("site/noretry:default", "maintenance"));
    EXPECT_EQ(count(log_of("site-noretry:default"), "Executing stop method"), 1u);
    EXPECT_EQ(prop("site/noretry:default", "restarter/auxiliary_state"), "method_failed");
}

// illumos method.c, assured_kill: a service whose processes outlive the stop
// timeout is killed, and the stop is EFAULT: maintenance, method_failed.
TEST_F(RestarterFidelity, ProcessesOutlivingTheStopTimeoutAreKilledIntoMaintenance) {
    if (IsSkipped()) return;
    import(svc("site/stubborn", testsvc("stubborn"), ":kill -TERM", 1));
    start_startd();
    ASSERT_EQ(svcadm({"enable", "-s", "stubborn"}).status, 0);
    ASSERT_EQ(members("site/stubborn:default").size(), 1u);
    ASSERT_EQ(svcadm({"disable", "stubborn"}).status, 0);
    ASSERT_TRUE(reaches("site/stubborn:default", "maintenance"));
    std::string log = log_of("site-stubborn:default");
    EXPECT_NE(log.find("Executing stop method (:kill)."), std::string::npos) << log;
    EXPECT_EQ(count(log, "Method or service exit timed out.  Killing contract "), 1u) << log;
    EXPECT_EQ(prop("site/stubborn:default", "restarter/auxiliary_state"), "method_failed");
    EXPECT_TRUE(members("site/stubborn:default").empty());
}

// A stop method that exits non-zero is retried; exit 95
// (SMF_EXIT_ERR_FATAL) is not.
TEST_F(RestarterFidelity, FailingStopMethodsAreRetriedUnlessFatal) {
    if (IsSkipped()) return;
    import(svc("site/stopfails", testsvc("daemon"), testsvc("exit 1"), 10) +
           svc("site/stopfatal", testsvc("daemon"), testsvc("exit 95"), 10));
    start_startd();
    ASSERT_EQ(svcadm({"enable", "-s", "stopfails"}).status, 0);
    ASSERT_EQ(svcadm({"enable", "-s", "stopfatal"}).status, 0);
    ASSERT_EQ(svcadm({"disable", "site/stopfails:default", "site/stopfatal:default"}).status, 0);
    ASSERT_TRUE(reaches("site/stopfails:default", "maintenance"));
    ASSERT_TRUE(reaches("site/stopfatal:default", "maintenance"));
    EXPECT_EQ(count(log_of("site-stopfails:default"), "Method \"stop\" exited with status 1."), 3u);
    EXPECT_EQ(prop("site/stopfails:default", "restarter/auxiliary_state"), "fault_threshold_reached");
    EXPECT_EQ(count(log_of("site-stopfatal:default"), "Method \"stop\" exited with status 95."), 1u);
    EXPECT_EQ(prop("site/stopfatal:default", "restarter/auxiliary_state"), "method_failed");
    EXPECT_TRUE(members("site/stopfails:default").empty());
}

// illumos restarter.c, enable_inst() and unmaintain_instance(RUNMAINT_DISABLE):
// an administrator's disable takes an instance out of maintenance.
TEST_F(RestarterFidelity, DisablingAnInstanceInMaintenanceLeavesMaintenance) {
    if (IsSkipped()) return;
    import(service("site/daemon", testsvc("daemon")));
    start_startd();
    ASSERT_EQ(svcadm({"enable", "-s", "daemon"}).status, 0);
    ASSERT_EQ(svcadm({"mark", "maintenance", "daemon"}).status, 0);
    ASSERT_TRUE(reaches("site/daemon:default", "maintenance"));
    EXPECT_EQ(prop("site/daemon:default", "restarter/auxiliary_state"), "administrative_request");
    ASSERT_EQ(svcadm({"disable", "daemon"}).status, 0);
    ASSERT_TRUE(reaches("site/daemon:default", "disabled"));
    std::string log = log_of("site-daemon:default");
    auto at = log.find("Stopping for maintenance due to administrative_request.");
    ASSERT_NE(at, std::string::npos) << log;
    at = log.find("Leaving maintenance because disable requested.", at);
    ASSERT_NE(at, std::string::npos) << log;
    EXPECT_NE(log.find("Disabled.", at), std::string::npos) << log;
    EXPECT_EQ(prop("site/daemon:default", "restarter/auxiliary_state"), "disable_request");
}

// illumos restarter.c, stop_instance(): "all processes in service exited" is
// RERR_RESTART, a fatal signal RERR_FAULT; illumos graph.c, propagate_stop() stops
// a dependent only when the error is within its restart_on.
TEST_F(RestarterFidelity, AnExitingDaemonRestartsRestartOnRestartDependentsOnly) {
    if (IsSkipped()) return;
    import(service("site/leaves", testsvc("exit-when " + path("/leave"))) +
           service("site/onerror", testsvc("daemon"), "", dep("d", "require_all", "error", "svc:/site/leaves")) +
           service("site/onrestart", testsvc("daemon"), "",
                   dep("d", "require_all", "restart", "svc:/site/leaves")));
    start_startd();
    ASSERT_EQ(svcadm({"enable", "-s", "leaves"}).status, 0);
    ASSERT_EQ(svcadm({"enable", "-s", "site/onerror:default", "site/onrestart:default"}).status, 0);
    auto onerror = members("site/onerror:default");
    // The daemon exits on its own and is started again.
    write_file(path("/leave"), "");
    ASSERT_TRUE(eventually([&] { return count(log_of("site-leaves:default"), "Executing start method") == 2; }));
    ASSERT_TRUE(reaches("site/leaves:default", "online"));
    ASSERT_TRUE(eventually([&] {
        return log_of("site-onrestart:default").find("Stopping because dependency activity requires stop.") !=
                   std::string::npos &&
               state("site/onrestart:default") == "online";
    })) << log_of("site-onrestart:default");
    EXPECT_NE(log_of("site-leaves:default").find("Stopping because all processes in service exited."),
              std::string::npos);
    EXPECT_EQ(members("site/onerror:default"), onerror) << log_of("site-onerror:default");
}

// illumos method.c, method_run(): a missing method group is logged and taken as
// success; illumos restarter.c, start_instance(): the reasons published as
// restarter/auxiliary_state.
TEST_F(RestarterFidelity, MissingStartMethodIsLoggedAndAuxiliaryStatesAreIllumos) {
    if (IsSkipped()) return;
    import("<service name='site/nostart' type='service' version='1'>\n"
           "<create_default_instance enabled='false'/>\n"
           "<exec_method type='method' name='stop' exec=':true' timeout_seconds='10'/>\n"
           "</service>\n" +
           service("site/daemon", testsvc("daemon")));
    start_startd();
    EXPECT_EQ(prop("site/daemon:default", "restarter/auxiliary_state"), "per_configuration");
    ASSERT_EQ(svcadm({"enable", "nostart"}).status, 0);
    ASSERT_TRUE(reaches("site/nostart:default", "online"));
    EXPECT_NE(log_of("site-nostart:default").find("Method property group 'start' is not present."),
              std::string::npos);
    ASSERT_EQ(svcadm({"enable", "-s", "daemon"}).status, 0);
    EXPECT_EQ(prop("site/daemon:default", "restarter/auxiliary_state"), "dependencies_satisfied");
    auto before = members("site/daemon:default");
    ASSERT_EQ(svcadm({"restart", "daemon"}).status, 0);
    ASSERT_TRUE(eventually([&] { return runs_anew("site/daemon:default", before); }));
    EXPECT_EQ(prop("site/daemon:default", "restarter/auxiliary_state"), "restart_request");
    // enable_inst(): "Disabled." when the instance is first seen disabled,
    // "Enabled." when enabled, before its start method runs.
    std::string log = log_of("site-daemon:default");
    auto disabled = log.find("Disabled. ]"), enabled = log.find("Enabled. ]");
    ASSERT_NE(disabled, std::string::npos) << log;
    EXPECT_LT(disabled, enabled) << log;
    EXPECT_LT(enabled, log.find("Executing start method")) << log;
}

// illumos expand.c: %{prop,} and %{prop:} join the values with a comma or a
// colon, each value escaped for the shell; %{prop} names a property of the
// group "application"; a property FMRI reads another instance's running
// snapshot; a property that does not exist is maintenance with
// illumos method.c's "Could not expand method tokens" line.
TEST_F(RestarterFidelity, MethodTokensAsExpandC) {
    if (IsSkipped()) return;
    import(service("site/other", ":true",
                   transient_pg() + "<property_group name='config' type='application'>"
                                    "<propval name='port' type='integer' value='8080'/></property_group>\n") +
           service("site/tok",
                   testsvc("print list=%{config/list} comma=%{config/list,} colon=%{config/list:} "
                           "app=%{who} other=%{svc:/site/other:default/:properties/config/port} %m %s %i"),
                   transient_pg() +
                       "<property_group name='config' type='application'>"
                       "<property name='list' type='astring'><astring_list>"
                       "<value_node value='a b'/><value_node value='c;d'/></astring_list></property></property_group>\n"
                       "<property_group name='application' type='application'>"
                       "<propval name='who' type='astring' value='me'/></property_group>\n") +
           service("site/bad", testsvc("print %{config/none}"), transient_pg()));
    start_startd();
    ASSERT_EQ(svcadm({"enable", "-s", "other"}).status, 0);
    ASSERT_EQ(svcadm({"enable", "-s", "tok"}).status, 0);
    EXPECT_NE(log_of("site-tok:default")
                  .find("list=a b c;d comma=a b,c;d colon=a b:c;d app=me other=8080 start site/tok default\n"),
              std::string::npos)
        << log_of("site-tok:default");
    ASSERT_EQ(svcadm({"enable", "bad"}).status, 0);
    ASSERT_TRUE(reaches("site/bad:default", "maintenance"));
    EXPECT_NE(log_of("site-bad:default").find("Could not expand method tokens in \"" + testsvc("print %{config/none}") +
                                                  "\": property \"config/none\" not found."),
              std::string::npos)
        << log_of("site-bad:default");
}

}  // namespace
}  // namespace xvm::test
