// End-to-end tests of svc.startd with small test services (smf_testsvc):
// the behaviours the SMF issue's "done when" list names, each in its own
// temporary root with a real restarter, real commands and real processes.
#include <signal.h>
#include <pwd.h>
#include <sys/stat.h>

#include "tests/e2e/smf_fixture.h"
#include "lib/base/unix_socket.h"

namespace xvm::test {
namespace {

class StartdE2E : public SmfTest {
protected:
    void SetUp() override {
        SmfTest::SetUp();
        if (IsSkipped()) return;
        import(service("site/base", ":true", transient_pg()) +
               service("site/daemon", testsvc("daemon"),
                       "<exec_method type='method' name='refresh' exec='" + testsvc("print refreshed: %{config/msg}") +
                           "' timeout_seconds='10'/>\n"
                           "<property_group name='config' type='application'>"
                           "<propval name='msg' type='astring' value='one'/></property_group>\n",
                       dependency("base", "svc:/site/base")) +
               service("site/loop", testsvc("crashloop")));
        start_startd();
    }
};

TEST_F(StartdE2E, EnableRecursiveBringsDependenciesUpFirst) {
    EXPECT_EQ(state("site/base:default"), "disabled");
    auto o = svcadm({"enable", "-rs", "site/daemon"});
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(state("site/base:default"), "online");
    EXPECT_EQ(state("site/daemon:default"), "online");
    double base = std::stod(prop("site/base:default", "restarter/state_timestamp"));
    double daemon = std::stod(prop("site/daemon:default", "restarter/state_timestamp"));
    EXPECT_LE(base, daemon);
    EXPECT_EQ(members("site/daemon:default").size(), 1u);
    EXPECT_NE(log_of("site-daemon:default").find("Method \"start\" exited with status 0."), std::string::npos);
    EXPECT_EQ(svcs({"-H", "-o", "fmri", "-d", "daemon"}).out, "svc:/site/base:default\n");
    EXPECT_EQ(svcs({"-H", "-o", "fmri", "-D", "base"}).out, "svc:/site/daemon:default\n");
    auto p = svcs({"-p", "daemon"});
    EXPECT_NE(p.out.find(" " + std::to_string(members("site/daemon:default")[0]) + " smf_testsvc\n"),
              std::string::npos) << p.out;
    auto l = svcs({"-l", "daemon"});
    EXPECT_NE(l.out.find("dependency   require_all/none svc:/site/base (online)\n"), std::string::npos) << l.out;
}

TEST_F(StartdE2E, KilledDaemonIsRestartedAndTheLogSaysSo) {
    auto e = svcadm({"enable", "-rs", "daemon"});
    ASSERT_EQ(e.status, 0) << e.err << log_of("site-daemon:default") << log_of("site-base:default") << svcs({"-a", "-v"}).out;
    auto before = members("site/daemon:default");
    ASSERT_EQ(before.size(), 1u);
    ASSERT_EQ(::kill(before[0], SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return runs_anew("site/daemon:default", before); }));
    std::string log = log_of("site-daemon:default");
    EXPECT_NE(log.find("Stopping because process received fatal signal from outside the service."),
              std::string::npos) << log;
    EXPECT_EQ(count(log, "Executing start method"), 2u) << log;
}

TEST_F(StartdE2E, CrashLoopEndsInMaintenanceExplainedBySvcsX) {
    ASSERT_EQ(svcadm({"enable", "loop"}).status, 0);
    ASSERT_TRUE(reaches("site/loop:default", "maintenance"));
    EXPECT_EQ(prop("site/loop:default", "restarter/auxiliary_state"), "restarting_too_quickly");
    std::string log = log_of("site-loop:default");
    EXPECT_NE(log.find("Stopping because all processes in service exited."), std::string::npos);
    EXPECT_NE(log.find("Restarting too quickly, changing state to maintenance."), std::string::npos);
    EXPECT_EQ(count(log, "Executing start method"), 4u) << "5th start trips the rule of 5";
    auto x = svcs({"-x"});
    EXPECT_EQ(x.status, 0);
    // illumos explain.c: "(?)" when the service has no common name.
    EXPECT_NE(x.out.find("svc:/site/loop:default (?)\n State: maintenance since "), std::string::npos) << x.out;
    EXPECT_NE(x.out.find("Reason: Restarting too quickly.\n   See: http://illumos.org/msg/SMF-8000-L5\n"
                         "   See: " + path("/var/svc/log/site-loop:default.log") + "\n"
                         "Impact: This service is not running.\n"),
              std::string::npos) << x.out;
    EXPECT_TRUE(members("site/loop:default").empty());
}

TEST_F(StartdE2E, ClearRecoversFromMaintenance) {
    import(service("site/fix", testsvc("exit %{config/code}"),
                   transient_pg() + "<property_group name='config' type='application'>"
                                    "<propval name='code' type='integer' value='1'/></property_group>\n"));
    ASSERT_EQ(svcadm({"enable", "fix"}).status, 0);
    ASSERT_TRUE(reaches("site/fix:default", "maintenance"));
    auto x = svcs({"-x", "fix"});
    EXPECT_NE(x.out.find("Reason: Start method failed repeatedly, last exited with status 1."), std::string::npos) << x.out;
    auto wait = svcadm({"enable", "-s", "fix"});
    EXPECT_EQ(wait.status, 3) << "a waited-for instance in maintenance";
    ASSERT_EQ(svccfg({"-s", "fix", "setprop", "config/code", "=", "0"}).status, 0);
    ASSERT_EQ(svcadm({"refresh", "fix"}).status, 0);
    ASSERT_EQ(svcadm({"clear", "fix"}).status, 0);
    ASSERT_TRUE(reaches("site/fix:default", "online"));
    EXPECT_NE(log_of("site-fix:default").find("Leaving maintenance because clear requested."), std::string::npos);
    auto again = svcadm({"clear", "fix"});
    EXPECT_EQ(again.status, 1);
    EXPECT_NE(again.err.find("is not in a maintenance or degraded state"), std::string::npos);
}

TEST_F(StartdE2E, DisableWaitLeavesNoProcess) {
    ASSERT_EQ(svcadm({"enable", "-rs", "daemon"}).status, 0);
    auto pids = members("site/daemon:default");
    ASSERT_EQ(pids.size(), 1u);
    auto o = svcadm({"disable", "-s", "daemon"});
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(state("site/daemon:default"), "disabled");
    EXPECT_TRUE(members("site/daemon:default").empty());
    EXPECT_TRUE(eventually([&] { return ::kill(pids[0], 0) < 0 && errno == ESRCH; }));
    std::string log = log_of("site-daemon:default");
    EXPECT_NE(log.find("Stopping because service disabled. ]\n"), std::string::npos);
    EXPECT_NE(log.find("Executing stop method (:kill)."), std::string::npos);
}

TEST_F(StartdE2E, SetpropIsSeenOnlyAfterRefresh) {
    ASSERT_EQ(svcadm({"enable", "-rs", "daemon"}).status, 0);
    auto o = svccfg({"-s", "site/daemon", "setprop", "config/msg", "=", "astring:", "\"two words\""});
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(prop("daemon", "config/msg"), "one");        // running snapshot
    EXPECT_EQ(svcprop({"-c", "-p", "config/msg", "daemon"}).out, "two\\ words\n");  // editing view
    EXPECT_EQ(log_of("site-daemon:default").find("refreshed:"), std::string::npos);
    ASSERT_EQ(svcadm({"refresh", "daemon"}).status, 0);
    ASSERT_TRUE(eventually([&] { return log_of("site-daemon:default").find("refreshed: two words\n") != std::string::npos; }));
    EXPECT_EQ(prop("daemon", "config/msg"), "two\\ words");
    std::string log = log_of("site-daemon:default");
    EXPECT_NE(log.find("Rereading configuration."), std::string::npos);
    EXPECT_EQ(count(log, "Executing start method"), 1u) << "refresh does not restart";
}

// Hardening issue item 5: restarter/contract names the running
// contract, and a svc.startd started anew re-adopts it - a service killed
// after that restart is restarted, not left dead while svcs says online.
TEST_F(StartdE2E, RestartingStartdReadoptsRunningServices) {
    ASSERT_EQ(svcadm({"enable", "-rs", "daemon"}).status, 0);
    auto pids = members("site/daemon:default");
    ASSERT_EQ(pids.size(), 1u);
    std::string ctid = prop("site/daemon:default", "restarter/contract");
    EXPECT_NE(ctid, "0");
    // illumos svcs.c print_detailed(): each contract id followed by a blank; the
    // CTID column is "%6lu ".
    EXPECT_NE(svcs({"-l", "daemon"}).out.find("\ncontract_id  " + ctid + " \n"), std::string::npos);
    EXPECT_EQ(svcs({"-H", "-o", "ctid", "daemon"}).out, std::string(6 - std::min<std::size_t>(6, ctid.size()), ' ') + ctid + "\n");
    stop_startd();
    start_startd();
    // The new restarter has evaluated everything once it answers.
    ASSERT_EQ(svcadm({"refresh", "base"}).status, 0);
    EXPECT_EQ(state("site/daemon:default"), "online");
    EXPECT_EQ(members("site/daemon:default"), pids);
    EXPECT_EQ(prop("site/daemon:default", "restarter/contract"), ctid);
    EXPECT_EQ(count(log_of("site-daemon:default"), "Executing start method"), 1u);
    EXPECT_NE(read_file(path("/startd.err")).find("svc:/site/daemon:default: adopted, contract " + ctid),
              std::string::npos);
    // Killed now, it is restarted under a new contract.
    ASSERT_EQ(::kill(pids[0], SIGKILL), 0);
    ASSERT_TRUE(eventually([&] { return runs_anew("site/daemon:default", pids); }))
        << log_of("site-daemon:default");
    EXPECT_NE(log_of("site-daemon:default").find("Stopping because all processes in service exited."),
              std::string::npos);
    EXPECT_NE(prop("site/daemon:default", "restarter/contract"), ctid);
    EXPECT_NE(prop("site/daemon:default", "restarter/contract"), "0");
    // And it can still be managed.
    ASSERT_EQ(svcadm({"disable", "-s", "daemon"}).status, 0);
    EXPECT_TRUE(members("site/daemon:default").empty());
}

TEST_F(StartdE2E, RestartRunsStopThenStart) {
    auto enabled = svcadm({"enable", "-rs", "daemon"});
    ASSERT_EQ(enabled.status, 0) << enabled.err;
    auto pids = members("site/daemon:default");
    ASSERT_EQ(svcadm({"restart", "daemon"}).status, 0);
    ASSERT_TRUE(eventually([&] { return runs_anew("site/daemon:default", pids); }));
    EXPECT_NE(log_of("site-daemon:default").find("Stopping because service restarting."), std::string::npos);
}

TEST_F(StartdE2E, MarkMaintenanceAndDegraded) {
    ASSERT_EQ(svcadm({"enable", "-rs", "daemon"}).status, 0);
    ASSERT_EQ(svcadm({"mark", "degraded", "daemon"}).status, 0);
    ASSERT_TRUE(reaches("site/daemon:default", "degraded"));
    ASSERT_EQ(svcadm({"clear", "daemon"}).status, 0);
    ASSERT_TRUE(reaches("site/daemon:default", "online"));
    ASSERT_EQ(svcadm({"mark", "maintenance", "daemon"}).status, 0);
    ASSERT_TRUE(reaches("site/daemon:default", "maintenance"));
    EXPECT_TRUE(members("site/daemon:default").empty());
    auto x = svcs({"-x", "daemon"});
    EXPECT_NE(x.out.find("Reason: Maintenance requested by an administrator."), std::string::npos) << x.out;
}

TEST_F(StartdE2E, MethodContextGivesExactlyTheDeclaredCapability) {
    ASSERT_EQ(run(XVM_SOURCE_DIR "/cmd/xvm-accounts/xvm-accounts >/dev/null"), 0);
    import(service("site/priv", testsvc("daemon"), "",
                   "<method_context working_directory='/'><method_credential user='xvm' group='xvm' "
                   "privileges='basic,file_chown'/></method_context>\n"));
    auto o = svcadm({"enable", "-s", "priv"});
    ASSERT_EQ(o.status, 0) << o.err << log_of("site-priv:default");
    auto pids = members("site/priv:default");
    ASSERT_EQ(pids.size(), 1u);
    auto st = proc_status(pids[0]);
    struct passwd* pw = ::getpwnam("xvm");
    ASSERT_NE(pw, nullptr);
    std::string id = std::to_string(pw->pw_uid);
    EXPECT_EQ(st["Uid"], id + "\t" + id + "\t" + id + "\t" + id);
    EXPECT_EQ(st["CapEff"], "0000000000000001");  // CAP_CHOWN only
    EXPECT_EQ(st["CapPrm"], "0000000000000001");
    EXPECT_EQ(st["CapBnd"], "0000000000000001");
    EXPECT_EQ(st["NoNewPrivs"], "1");
}

TEST_F(StartdE2E, EnvironmentAndTokens) {
    import(service("site/env", "/bin/sh -c \"echo fmri=$SMF_FMRI method=$SMF_METHOD r=%r s=%s i=%i f=%f m=%m\"",
                   transient_pg()));
    ASSERT_EQ(svcadm({"enable", "-s", "env"}).status, 0);
    EXPECT_NE(log_of("site-env:default").find("fmri=svc:/site/env:default method=start r=svc.startd s=site/env "
                                              "i=default f=svc:/site/env:default m=start\n"),
              std::string::npos) << log_of("site-env:default");
}

TEST_F(StartdE2E, FatalExitCodeGoesStraightToMaintenance) {
    import(service("site/fatal", testsvc("exit 96")));
    ASSERT_EQ(svcadm({"enable", "fatal"}).status, 0);
    ASSERT_TRUE(reaches("site/fatal:default", "maintenance"));
    EXPECT_EQ(count(log_of("site-fatal:default"), "Executing start method"), 1u);
}

TEST_F(StartdE2E, EnableWaitReportsAStuckDependency) {
    import(service("site/needy", testsvc("daemon"), "", dependency("gone", "svc:/site/fatal")) +
           service("site/fatal", testsvc("exit 95")));
    ASSERT_EQ(svcadm({"enable", "fatal"}).status, 0);
    ASSERT_TRUE(reaches("site/fatal:default", "maintenance"));
    auto o = svcadm({"enable", "-s", "needy"});
    EXPECT_EQ(o.status, 4) << o.err;
    auto x = svcs({"-x", "needy"});
    // illumos explain.c: the cause, named as an instance, with method_failed's
    // summary (exit 95 is not retried).
    EXPECT_NE(x.out.find("Reason: Service svc:/site/fatal:default is not running because a method failed.\n"
                         "   See: http://illumos.org/msg/SMF-8000-GE\n"),
              std::string::npos) << x.out;
}

TEST_F(StartdE2E, RestartOnErrorStopsTheDependentOnlyOnFaults) {
    import(service("site/dep", testsvc("daemon"), "",
                   "<dependency name='d' grouping='require_all' restart_on='error' type='service'>"
                   "<service_fmri value='svc:/site/daemon'/></dependency>\n"));
    ASSERT_EQ(svcadm({"enable", "-rs", "dep"}).status, 0);
    auto dep = members("site/dep:default");
    auto daemon = members("site/daemon:default");
    ASSERT_EQ(svcadm({"restart", "daemon"}).status, 0);  // an administrative stop: no effect on dep
    ASSERT_TRUE(eventually([&] { return runs_anew("site/daemon:default", daemon); }));
    EXPECT_EQ(members("site/dep:default"), dep);
    ASSERT_EQ(::kill(members("site/daemon:default")[0], SIGKILL), 0);  // a fault: dep is stopped
    ASSERT_TRUE(eventually([&] {
        return log_of("site-dep:default").find("Stopping because dependency activity requires stop.") !=
                   std::string::npos &&
               runs_anew("site/dep:default", dep);
    })) << log_of("site-dep:default");
}

TEST_F(StartdE2E, BadControlRequestsGetErrorsAndTheRestarterServesOn) {
    auto ask = [&](const std::string& bytes) {
        auto fd = connect_unix(path("/etc/svc/volatile/startd.sock"));
        if (!fd) return std::string("connect failed");
        (void)!::write(fd->get(), bytes.data(), bytes.size());
        std::string reply;
        char buf[256];
        ssize_t n;
        while ((n = ::read(fd->get(), buf, sizeof buf)) > 0) reply.append(buf, static_cast<size_t>(n));
        return reply;
    };
    EXPECT_EQ(ask("garbage\n"), "error\t22\tmalformed request\n");
    EXPECT_EQ(ask("frob\tsite/daemon:default\n"), "error\t22\tunknown request \"frob\"\n");
    EXPECT_EQ(ask("enable\tsite/nosuch:default\n"), "error\t2\tsvc:/site/nosuch:default does not exist\n");
    EXPECT_EQ(ask(std::string(70000, 'x')), "error\t22\trequest too long\n");
    EXPECT_EQ(ask("setprop\tsite/daemon\tconfig\tmsg\tcount\tten\n"), "error\t22\tconfig/msg: \"ten\" is not a valid count\n");
    EXPECT_EQ(svcadm({"enable", "-rs", "daemon"}).status, 0);
}

TEST_F(StartdE2E, CoreDumpRestartsUnlessIgnored) {
    auto ignore = [](const std::string& what) {
        return "<property_group name='startd' type='framework'>"
               "<propval name='ignore_error' type='astring' value='" + what + "'/></property_group>\n";
    };
    import(service("site/core", testsvc("coredump"), ignore("signal")) +
           service("site/corex", testsvc("coredump"), ignore("core,signal")));
    ASSERT_EQ(svcadm({"enable", "-s", "core"}).status, 0);
    ASSERT_TRUE(eventually([&] {
        return log_of("site-core:default").find("Stopping because process dumped core.") != std::string::npos;
    })) << log_of("site-core:default");
    ASSERT_TRUE(eventually([&] { return count(log_of("site-core:default"), "Executing start method") >= 2; }));
    ASSERT_EQ(svcadm({"disable", "-s", "core"}).status, 0);
    // With core ignored the helper keeps the service up: no restart.
    ASSERT_EQ(svcadm({"enable", "-s", "corex"}).status, 0);
    ASSERT_TRUE(eventually([&] { return members("site/corex:default").size() == 1; }));
    EXPECT_EQ(state("site/corex:default"), "online");
    EXPECT_EQ(count(log_of("site-corex:default"), "Executing start method"), 1u);
    EXPECT_EQ(log_of("site-corex:default").find("Stopping because"), std::string::npos);
}

TEST_F(StartdE2E, RefreshRestartsRestartOnRefreshDependents) {
    import(service("site/onrefresh", testsvc("daemon"), "",
                   "<dependency name='d' grouping='require_all' restart_on='refresh' type='service'>"
                   "<service_fmri value='svc:/site/daemon'/></dependency>\n") +
           service("site/onnone", testsvc("daemon"), "",
                   "<dependency name='d' grouping='require_all' restart_on='restart' type='service'>"
                   "<service_fmri value='svc:/site/daemon:default'/></dependency>\n"));
    ASSERT_EQ(svcadm({"enable", "-rs", "onrefresh"}).status, 0);
    ASSERT_EQ(svcadm({"enable", "-s", "onnone"}).status, 0);
    auto a = members("site/onrefresh:default"), b = members("site/onnone:default");
    ASSERT_EQ(svcadm({"refresh", "daemon"}).status, 0);
    ASSERT_TRUE(eventually([&] { return runs_anew("site/onrefresh:default", a); }));
    EXPECT_EQ(members("site/onnone:default"), b) << "restart_on=restart ignores a refresh";
}

TEST_F(StartdE2E, StartTimeoutKillsTheContractAndCountsAsFailure) {
    std::string svc = service("site/hang", "/bin/sleep 30");
    auto at = svc.find("timeout_seconds='10'");  // the start method's: 1 second
    svc.replace(at, 20, "timeout_seconds='1'");
    import(svc);
    ASSERT_EQ(svcadm({"enable", "hang"}).status, 0);
    ASSERT_TRUE(reaches("site/hang:default", "maintenance"));
    std::string log = log_of("site-hang:default");
    EXPECT_EQ(count(log, "Method or service exit timed out.  Killing contract "), 3u) << log;
    EXPECT_EQ(prop("site/hang:default", "restarter/auxiliary_state"), "fault_threshold_reached");
    EXPECT_TRUE(members("site/hang:default").empty());
}

TEST_F(StartdE2E, ChildServiceIsRestartedWhenItExits) {
    import(service("site/child", "/bin/sleep 0.2",
                   "<property_group name='startd' type='framework'>"
                   "<propval name='duration' type='astring' value='child'/></property_group>\n"));
    ASSERT_EQ(svcadm({"enable", "-s", "child"}).status, 0);
    ASSERT_TRUE(eventually([&] { return count(log_of("site-child:default"), "Executing start method") >= 3; }));
    EXPECT_NE(state("site/child:default"), "maintenance");
    ASSERT_EQ(svcadm({"disable", "-s", "child"}).status, 0);
    EXPECT_TRUE(members("site/child:default").empty());
}

}  // namespace
}  // namespace xvm::test
