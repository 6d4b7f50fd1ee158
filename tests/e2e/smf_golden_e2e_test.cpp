// Golden tests of the SMF commands against the real svc.startd: the
// output formats, messages and exit codes of illumos' commands (issue 13).
// Each test names the illumos-gate source it encodes:
//   usr/src/cmd/svc/svcs/svcs.c, explain.c
//   usr/src/cmd/svc/svcadm/svcadm.c, synch.c
//   usr/src/cmd/svc/svcprop/svcprop.c
//   usr/src/cmd/svc/svccfg/svccfg_main.c, svccfg_libscf.c
//   usr/src/lib/libscf/common/lowlevel.c (scf_walk_fmri,
//   scf_value_set_from_string), illumos error.c (scf_get_msg)
#include <regex>

#include "tests/e2e/smf_fixture.h"

namespace xvm::test {
namespace {

class SmfGolden : public SmfTest {
protected:
    void SetUp() override {
        SmfTest::SetUp();
        if (IsSkipped()) return;
        import(service("site/base", ":true", transient_pg()) +
               service("site/daemon", testsvc("daemon"),
                       "<property_group name='config' type='application'>"
                       "<propval name='port' type='integer' value='80'/>"
                       "<propval name='msg' type='astring' value='hello world'/></property_group>\n",
                       dependency("base", "svc:/site/base")) +
               service("site/off", ":true", transient_pg()) +
               "<service name='site/pair' type='service' version='1'>\n"
               "<exec_method type='method' name='start' exec=':true' timeout_seconds='10'/>\n"
               "<exec_method type='method' name='stop' exec=':true' timeout_seconds='10'/>\n" +
               transient_pg() +
               "<instance name='one' enabled='false'/><instance name='two' enabled='false'/>\n"
               "</service>\n" +
               service("site/anyuser", ":true", transient_pg(),
                       "<dependency name='p' grouping='require_any' restart_on='none' type='service'>"
                       "<service_fmri value='svc:/site/pair:one'/><service_fmri value='svc:/site/pair:two'/>"
                       "</dependency>\n"));
        start_startd();
    }
    std::string ctid(const std::string& fmri) { return prop(fmri, "restarter/contract"); }
    static std::string pad(const std::string& s, std::size_t n) {
        return s.size() >= n ? s : s + std::string(n - s.size(), ' ');
    }
};

// illumos svcs.c: every column's sprint_*() width (STATE 15, NSTATE 14, S 3, SN 3,
// N 2, STA 5, NSTA 5, CTID "%6lu ", SVC and INST 21, FMRI 51), the
// header's "%-*s " at the table widths, trailing blanks trimmed.
TEST_F(SmfGolden, SvcsColumnsHaveIllumosWidths) {
    ASSERT_EQ(svcadm({"enable", "-rs", "daemon"}).status, 0);
    auto o = svcs({"-o", "state,nstate,s,sn,n,sta,nsta,ctid,svc,inst", "daemon"});
    ASSERT_EQ(o.status, 0) << o.err;
    std::string c = ctid("site/daemon:default");
    ASSERT_FALSE(c.empty());
    EXPECT_EQ(o.out,
              "STATE          NSTATE        S  SN N STA  NSTA CTID   SVC                  INST\n"
              "online         -             1  1- - ON   -    " + std::string(6 - c.size(), ' ') + c +
                  " site/daemon          default\n");
    EXPECT_EQ(svcs({"-H", "-o", "ctid,fmri", "base"}).out, "     - svc:/site/base:default\n")
        << "a transient service has no contract";
    EXPECT_EQ(svcs({"-H", "-o", "fmri,state", "daemon"}).out, pad("svc:/site/daemon:default", 50) + " online\n");
    EXPECT_EQ(svcs({"-H", "-o", "scope,zone,fmri", "daemon"}).out,
              "localhost            global           svc:/site/daemon:default\n");
    auto desc = svcs({"-H", "-o", "desc", "daemon"});
    EXPECT_EQ(desc.out, "-\n") << "no common name";
}

// illumos svcs.c main(): without -o the columns are state,stime,fmri sorted by
// state (disabled < online < offline < maintenance), then time, then
// FMRI; -v adds nstate and ctid; only enabled instances without -a.
TEST_F(SmfGolden, SvcsDefaultListingAndSortOrder) {
    ASSERT_EQ(svcadm({"enable", "-rs", "daemon"}).status, 0);
    ASSERT_EQ(svcadm({"mark", "maintenance", "base"}).status, 0);
    ASSERT_TRUE(reaches("site/base:default", "maintenance"));
    ASSERT_EQ(svcadm({"enable", "-t", "off"}).status, 0);
    ASSERT_TRUE(reaches("site/off:default", "online"));
    auto all = svcs({"-a", "-H", "-o", "state,fmri", "-s", "state", "-s", "fmri"});
    EXPECT_EQ(all.out,
              "disabled       svc:/site/anyuser:default\n"
              "disabled       svc:/site/pair:one\n"
              "disabled       svc:/site/pair:two\n"
              "online         svc:/site/daemon:default\n"
              "online         svc:/site/off:default\n"
              "maintenance    svc:/site/base:default\n");
    // Without -a: the enabled ones, temporarily enabled included.
    auto d = svcs({"-H"});
    std::regex row(R"(^(online|maintenance) +(\d|\d\d):\d\d:\d\d svc:/site/(daemon|off|base):default$)");
    std::istringstream lines(d.out);
    std::string line;
    std::vector<std::string> fmris;
    while (std::getline(lines, line)) {
        EXPECT_TRUE(std::regex_match(line, row)) << line;
        fmris.push_back(line.substr(line.find("svc:")));
    }
    EXPECT_EQ(fmris.back(), "svc:/site/base:default") << "maintenance sorts after online";
    EXPECT_EQ(svcs({"-v", "-H", "base"}).out.substr(0, 29), "maintenance    -             ");
    EXPECT_EQ(svcs({"-H", "-o", "fmri", "-S", "fmri", "site/pair"}).out, "svc:/site/pair:two\nsvc:/site/pair:one\n");
    auto bad = svcs({"-s", "state,fmri"});
    EXPECT_EQ(bad.status, 1);
    EXPECT_EQ(bad.err, "svcs: Unrecognized sort column \"state,fmri\".\n");
    EXPECT_EQ(svcs({"-o", ""}).err, "svcs: No columns specified.\n");
    auto w = svcs({"-a", "-H", "-o", "fmri", "daemon"});
    EXPECT_EQ(w.err, "svcs: -a ignored when used with arguments.\n");
    EXPECT_EQ(w.status, 0);
}

// illumos lowlevel.c scf_walk_fmri()/scf_cmp_pattern(): globs get "svc:/"
// unless they start with '*'; partial FMRIs are anchored on '/' and ':'.
TEST_F(SmfGolden, SvcsPatternsAsLibscfMatchesThem) {
    auto fmris = [&](std::vector<std::string> ops) {
        std::vector<std::string> a{"-H", "-o", "fmri", "-s", "fmri"};
        a.insert(a.end(), ops.begin(), ops.end());
        return svcs(a);
    };
    EXPECT_EQ(fmris({"site/p*"}).out, "svc:/site/pair:one\nsvc:/site/pair:two\n");
    EXPECT_EQ(fmris({"*air:t*"}).out, "svc:/site/pair:two\n");
    EXPECT_EQ(fmris({"/site/daemon"}).out, "svc:/site/daemon:default\n");
    EXPECT_EQ(fmris({"pair:one", "two"}).out, "svc:/site/pair:one\nsvc:/site/pair:two\n");
    EXPECT_EQ(fmris({"svc:/site/base:default"}).out, "svc:/site/base:default\n");
    auto colon = fmris({":*"});
    EXPECT_EQ(colon.status, 1);
    // The message names the pattern as matched: with "svc:/" prepended.
    EXPECT_EQ(colon.err, "svcs: Pattern 'svc:/:*' doesn't match any instances\n");
    auto inner = fmris({"aemon"});
    EXPECT_EQ(inner.err, "svcs: Pattern 'aemon' doesn't match any instances\n");
    auto mixed = fmris({"nosuch", "base"});
    EXPECT_EQ(mixed.status, 1);
    EXPECT_EQ(mixed.out, "svc:/site/base:default\n");
}

// illumos svcs.c main(): the modes exclude each other and constrain the options;
// errors are the usage text on standard error, status 2; -? is help on
// standard output, status 0.
TEST_F(SmfGolden, SvcsUsageErrors) {
    const std::string usage =
        "Usage: svcs [-aHpv] [-o col[,col ... ]] [-R restarter] [-sS col] [-Z | -z zone ]\n"
        "            [<service> ...]\n"
        "       svcs -d | -D [-Hpv] [-o col[,col ... ]] [-sS col] [-Z | -z zone ]\n"
        "            [<service> ...]\n"
        "       svcs [-l | -L] [-Z | -z zone] <service> ...\n"
        "       svcs -x [-v] [-Z | -z zone] [<service> ...]\n"
        "       svcs -?\n";
    for (std::vector<std::string> a : {std::vector<std::string>{"-l"}, {"-d"}, {"-D"}, {"-x", "-l", "base"},
                                       {"-d", "-s", "state", "base"}, {"-x", "-H"}, {"-l", "-o", "fmri", "base"},
                                       {"-a", "-x"}, {"-q"}}) {
        auto o = svcs(a);
        EXPECT_EQ(o.status, 2) << a[0];
        EXPECT_TRUE(o.err.ends_with(usage)) << o.err;
    }
    EXPECT_EQ(svcs({"-q"}).err, "svcs: illegal option -- q\n" + usage);
    auto help = svcs({"-?"});
    EXPECT_EQ(help.status, 0);
    EXPECT_TRUE(help.out.starts_with(usage));
    EXPECT_NE(help.out.find("\tCTID    contract ID for service (see contract(4))\n"), std::string::npos);
    EXPECT_NE(help.out.find("\tSTIME   time of last state change\n"), std::string::npos);
    EXPECT_EQ(svcs({"-z", "other"}).err, "svcs: invalid zone 'other'\n");
}

// illumos svcs.c print_detailed(): labels in 13 columns, "contract_id" with each
// id and a blank, a dependency line per group with each entity's state;
// -p: "process" lines; add_processes(): the -p lines of the table.
TEST_F(SmfGolden, SvcsLongFormAndProcesses) {
    ASSERT_EQ(svcadm({"enable", "-rs", "daemon"}).status, 0);
    auto l = svcs({"-l", "daemon"});
    std::string c = ctid("site/daemon:default");
    std::regex long_form(
        "fmri         svc:/site/daemon:default\n"
        "enabled      true\n"
        "state        online\n"
        "next_state   none\n"
        "state_time   [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}\n"
        "logfile      " + path("/var/svc/log/site-daemon:default.log") + "\n"
        "restarter    svc:/system/svc/restarter:default\n"
        "contract_id  " + c + " \n"
        "dependency   require_all/none svc:/site/base \\(online\\)\n");
    EXPECT_TRUE(std::regex_match(l.out, long_form)) << l.out;
    auto pids = members("site/daemon:default");
    ASSERT_EQ(pids.size(), 1u);
    std::string pid = std::to_string(pids[0]);
    auto lp = svcs({"-l", "-p", "daemon"});
    EXPECT_NE(lp.out.find("\nprocess      " + pid + " " + SMF_TESTSVC + " daemon\n"), std::string::npos) << lp.out;
    auto p = svcs({"-H", "-p", "daemon"});
    std::regex table("online +\\d?\\d:\\d\\d:\\d\\d svc:/site/daemon:default\n"
                     "               (\\d| )\\d:\\d\\d:\\d\\d   " + std::string(6 - std::min<std::size_t>(6, pid.size()), ' ') +
                     pid + " smf_testsvc\n");
    EXPECT_TRUE(std::regex_match(p.out, table)) << p.out;
    auto pair = svcs({"-l", "anyuser"});
    EXPECT_NE(pair.out.find("dependency   require_any/none svc:/site/pair:one (disabled) svc:/site/pair:two (disabled)\n"),
              std::string::npos) << pair.out;
    EXPECT_EQ(svcs({"-L", "base"}).out, path("/var/svc/log/site-base:default.log") + "\n");
}

// illumos svcs.c walk_dependencies(), check_against_provider(): -d lists what the
// dependency groups name (not exclude_all); -D the instances naming the
// operand's service, or for an instance the instance or its service.
TEST_F(SmfGolden, SvcsDependenciesAndDependents) {
    EXPECT_EQ(svcs({"-H", "-o", "fmri", "-d", "anyuser"}).out, "svc:/site/pair:one\nsvc:/site/pair:two\n");
    EXPECT_EQ(svcs({"-H", "-o", "fmri", "-D", "pair:one"}).out, "svc:/site/anyuser:default\n");
    EXPECT_EQ(svcs({"-H", "-o", "fmri", "-D", "site/pair"}).out, "") << "no group names svc:/site/pair itself";
    EXPECT_EQ(svcs({"-H", "-o", "fmri", "-D", "base"}).out, "svc:/site/daemon:default\n");
}

// illumos explain.c: the causes of an offline instance, "(?)" without a common
// name, the impact of each cause; without operands the causes sorted by
// impact; -v: the path and the list.
TEST_F(SmfGolden, SvcsExplainsCausesAndImpact) {
    ASSERT_EQ(svcadm({"enable", "daemon"}).status, 0);  // base stays disabled
    ASSERT_TRUE(eventually([&] { return state("site/daemon:default") == "offline"; }));
    std::string base_log = path("/var/svc/log/site-base:default.log");
    std::string daemon_log = path("/var/svc/log/site-daemon:default.log");
    std::regex since(" since [^\n]*\n");
    auto x = svcs({"-x"});
    EXPECT_EQ(x.status, 0);
    EXPECT_EQ(std::regex_replace(x.out, since, " since T\n"),
              "svc:/site/base:default (?)\n"
              " State: disabled since T\n"
              "Reason: Disabled by an administrator.\n"
              "   See: http://illumos.org/msg/SMF-8000-05\n"
              "   See: " + base_log + "\n"
              "Impact: 1 dependent service is not running.  (Use -v for list.)\n");
    auto xv = svcs({"-xv", "daemon"});
    EXPECT_EQ(std::regex_replace(xv.out, since, " since T\n"),
              "svc:/site/daemon:default (?)\n"
              " State: offline since T\n"
              "Reason: Service svc:/site/base:default is disabled.\n"
              "   See: http://illumos.org/msg/SMF-8000-GE\n"
              "  Path: svc:/site/daemon:default\n"
              "          svc:/site/base:default\n"
              "   See: " + daemon_log + "\n"
              "Impact: This service is not running.\n");
    auto bv = svcs({"-xv", "base"});
    EXPECT_NE(bv.out.find("Impact: 1 dependent service is not running:\n        svc:/site/daemon:default\n"),
              std::string::npos) << bv.out;
    // Temporarily disabled: its own reason and message code.
    ASSERT_EQ(svcadm({"enable", "-s", "base"}).status, 0);
    ASSERT_EQ(svcadm({"disable", "-t", "base"}).status, 0);
    ASSERT_TRUE(reaches("site/base:default", "disabled"));
    auto t = svcs({"-x", "base"});
    EXPECT_NE(t.out.find("Reason: Temporarily disabled by an administrator.\n"
                         "   See: http://illumos.org/msg/SMF-8000-1S\n"),
              std::string::npos) << t.out;
    EXPECT_EQ(svcs({"-x", "nosuch"}).err, "svcs: Pattern 'nosuch' doesn't match any instances\n");
}

// illumos svcadm.c: -v messages with the canonical FMRI; set_inst_action's
// "Action %s set for %s."; enable -r follows require_all and a
// single-instance require_any, and names the choices of a require_any it
// cannot follow.
TEST_F(SmfGolden, SvcadmVerboseAndRecursiveEnable) {
    auto e = svcadm({"-v", "enable", "-r", "anyuser"});
    EXPECT_EQ(e.status, 0) << e.err;
    EXPECT_EQ(e.out,
              "svc:/site/anyuser:default enabled.\n"
              "svc:/site/anyuser:default requires one of:\n"
              "  svc:/site/pair:one\n"
              "  svc:/site/pair:two\n");
    EXPECT_EQ(svcadm({"-v", "enable", "-r", "daemon"}).out,
              "svc:/site/daemon:default enabled.\nsvc:/site/base enabled.\n");
    EXPECT_EQ(svcadm({"-v", "disable", "-t", "daemon"}).out, "svc:/site/daemon:default temporarily disabled.\n");
    EXPECT_EQ(svcadm({"-v", "restart", "base"}).out, "Action restart set for svc:/site/base:default.\n");
    // SCF_WALK_UNIPARTIAL counts the matches of all operands: two partial
    // FMRIs naming one instance each are refused together, as on illumos.
    auto r = svcadm({"-v", "refresh", "pair:one", "pair:two"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "svcadm: Partial FMRI matches multiple instances\n");
    r = svcadm({"-v", "refresh", "svc:/site/pair:one", "svc:/site/pair:two"});
    EXPECT_EQ(r.out, "Action refresh set for svc:/site/pair:one.\nAction refresh set for svc:/site/pair:two.\n")
        << r.err;
    EXPECT_EQ(svcadm({"-v", "refresh", "site/pair:*"}).out,
              "Action refresh set for svc:/site/pair:two.\nAction refresh set for svc:/site/pair:one.\n")
        << "a wildcard lifts the rule; matches are walked newest first";
}

// illumos svcadm.c: usage (status 2), the mark rules, clear's state check, the
// UNIPARTIAL refusal, -S state selection, and illumos synch.c's -s outcomes.
TEST_F(SmfGolden, SvcadmErrorsAndExitCodes) {
    auto u = svcadm({});
    EXPECT_EQ(u.status, 2);
    EXPECT_TRUE(u.err.starts_with("Usage: svcadm [-S <state>] [-v] [-Z | -z zone] [cmd [args ... ]]\n\n"
                                  "\tsvcadm enable [-rst] [<service> ...]\t- enable and online service(s)\n"));
    EXPECT_EQ(svcadm({"enable"}).status, 2);
    auto t = svcadm({"mark", "-t", "degraded", "daemon"});
    EXPECT_EQ(t.status, 2);
    EXPECT_EQ(t.err, "svcadm: -t may not be used with degraded.\n");
    EXPECT_EQ(svcadm({"mark", "sleepy", "daemon"}).status, 2);
    auto notonline = svcadm({"mark", "degraded", "pair:one"});
    EXPECT_EQ(notonline.status, 1);
    EXPECT_EQ(notonline.err, "svcadm: Instance \"svc:/site/pair:one\" is not online.\n");
    auto clr = svcadm({"clear", "pair:one"});
    EXPECT_EQ(clr.status, 1);
    EXPECT_EQ(clr.err, "svcadm: Instance \"svc:/site/pair:one\" is not in a maintenance or degraded state.\n");
    auto part = svcadm({"disable", "site/pair"});
    EXPECT_EQ(part.status, 1);
    EXPECT_EQ(part.err, "svcadm: Partial FMRI matches multiple instances\n");
    EXPECT_EQ(svcadm({"disable", "site/pair:*"}).status, 0) << "a glob may match several";
    auto s = svcadm({"-S", "online", "clear"});
    EXPECT_EQ(s.status, 1);
    EXPECT_EQ(s.err, "svcadm: State must be 'maintenance' or 'degraded'\n");
    EXPECT_EQ(svcadm({"-S", "disabled", "enable", "base"}).status, 2) << "-S takes no operands";
    // -S: every instance in that state.
    ASSERT_EQ(svcadm({"-S", "disabled", "enable", "-t"}).status, 0);
    ASSERT_TRUE(reaches("site/pair:one", "online"));
    ASSERT_TRUE(reaches("site/anyuser:default", "online"));
    // enable -s: a dependency in maintenance is "unsatisfied dependencies", 4.
    ASSERT_EQ(svcadm({"mark", "-I", "maintenance", "base"}).status, 0);
    ASSERT_TRUE(reaches("site/base:default", "maintenance"));
    ASSERT_EQ(svcadm({"disable", "-s", "daemon"}).status, 0);
    auto deps = svcadm({"enable", "-s", "daemon"});
    EXPECT_EQ(deps.status, 4);
    EXPECT_EQ(deps.err, "svcadm: Instance \"svc:/site/daemon:default\" has unsatisfied dependencies.\n");
    auto maint = svcadm({"enable", "-s", "base"});
    EXPECT_EQ(maint.status, 3);
    EXPECT_EQ(maint.err, "svcadm: Instance \"svc:/site/base:default\" is in maintenance state.\n");
    auto ms = svcadm({"milestone", "bogus"});
    EXPECT_EQ(ms.status, 2);
    EXPECT_TRUE(ms.err.starts_with("\"bogus\" is not a valid major milestone.\nUsage: svcadm milestone [-d] <milestone>\n"));
}

// illumos svcprop.c: -p parsing and its usage errors, pg-FMRI operands with -p,
// property operands, types and FMRIs for several matches, -q and -v, the
// snapshot rules and messages.
TEST_F(SmfGolden, SvcpropOperandsAndMessages) {
    const std::string usage =
        "Usage: svcprop [-fqtv] [-C | -c | -s snapshot] [-z zone] [-p [name/]name]... \n"
        "         {FMRI | pattern}...\n"
        "       svcprop -w [-fqtv] [-z zone] [-p [name/]name] {FMRI | pattern}\n";
    auto many = svcprop({"-p", "a/b/c", "daemon"});
    EXPECT_EQ(many.status, 2);
    EXPECT_EQ(many.err, "svcprop: -p argument `a/b/c' has too many components.\n" + usage);
    auto comp = svcprop({"-p", "con fig", "daemon"});
    EXPECT_EQ(comp.status, 2);
    EXPECT_EQ(comp.err, "svcprop: Invalid component name `con fig'.\n");
    EXPECT_EQ(svcprop({"-C", "-s", "running", "daemon"}).status, 2);
    EXPECT_EQ(svcprop({"-p", "config/port", "-p", "config/msg", "daemon"}).out, "80\nhello\\ world\n");
    EXPECT_EQ(svcprop({"-p", "config/port", "-p", "start", "daemon"}).out.substr(0, 25), "config/port integer 80\nst")
        << "mixed -p forms turn types on";
    EXPECT_EQ(svcprop({"-p", "port", "svc:/site/daemon/:properties/config"}).out, "80\n");
    auto deep = svcprop({"-p", "config/port", "svc:/site/daemon/:properties/config"});
    EXPECT_EQ(deep.status, 2);
    EXPECT_EQ(deep.err, "svcprop: -p argument `config/port' has too many components for property group "
                        "`svc:/site/daemon/:properties/config'.\n");
    auto pp = svcprop({"-p", "port", "svc:/site/daemon/:properties/config/port"});
    EXPECT_EQ(pp.status, 2);
    EXPECT_EQ(pp.err, "svcprop: The -p option cannot be used with property operands.\n" + usage);
    // scf_add_match() prepends: a pattern's matches are walked newest first.
    EXPECT_EQ(svcprop({"-p", "start/exec", "site/p*"}).out,
              "svc:/site/pair:two/:properties/start/exec astring :true\n"
              "svc:/site/pair:one/:properties/start/exec astring :true\n");
    // An instance wins over its service (SCF_WALK_EXPLICIT); an exact
    // service FMRI is the service.
    EXPECT_EQ(svcprop({"-p", "general/enabled", "daemon"}).out, "false\n");
    auto svc = svcprop({"-p", "general/enabled", "svc:/site/daemon"});
    EXPECT_EQ(svc.err, "svcprop: Couldn't find property group `general' for service `svc:/site/daemon'.\n");
    auto snap = svcprop({"-s", "running", "svc:/site/daemon"});
    EXPECT_EQ(snap.status, 1);
    EXPECT_EQ(snap.err, "svcprop: Only instances have snapshots.\n");
    auto nosnap = svcprop({"-s", "nosuch", "daemon"});
    EXPECT_EQ(nosnap.status, 1);
    EXPECT_EQ(nosnap.err, "svcprop: No such snapshot.\n");
    auto q = svcprop({"-q", "-p", "config/nope", "daemon"});
    EXPECT_EQ(q.status, 1);
    EXPECT_EQ(q.err, "");
    auto qv = svcprop({"-q", "-v", "-p", "config/nope", "daemon"});
    EXPECT_EQ(qv.err, "svcprop: Couldn't find property `config/nope' for instance `svc:/site/daemon:default'.\n");
    auto none = svcprop({"nosuch"});
    EXPECT_EQ(none.err, "svcprop: Pattern 'nosuch' doesn't match any entities\n");
    EXPECT_EQ(svcprop({"-c", "-t", "-p", "restarter/contract", "base"}).out, "restarter/contract count \n")
        << "no values: the type and a blank";
}

// svccfg_libscf.c lscf_setprop(), string_to_value(); lowlevel.c
// scf_value_set_from_string(): C base prefixes, booleans t/f, times to
// nine digits, the inferred type, the quoting rule for string lists.
TEST_F(SmfGolden, SvccfgValuesAndTypes) {
    auto set = [&](std::vector<std::string> a) {
        a.insert(a.begin(), {"-s", "site/daemon", "setprop"});
        return svccfg(a);
    };
    ASSERT_EQ(set({"config/port", "=", "0x1F"}).status, 0);
    EXPECT_EQ(prop("svc:/site/daemon", "config/port"), "31");
    ASSERT_EQ(set({"config/port", "=", "010"}).status, 0);
    EXPECT_EQ(prop("svc:/site/daemon", "config/port"), "8");
    ASSERT_EQ(set({"config/flag", "=", "boolean:", "t"}).status, 0);
    EXPECT_EQ(prop("svc:/site/daemon", "config/flag"), "true");
    ASSERT_EQ(set({"config/when", "=", "time:", "1.5"}).status, 0);
    EXPECT_EQ(prop("svc:/site/daemon", "config/when"), "1.500000000");
    auto notype = set({"config/new", "=", "x"});
    EXPECT_EQ(notype.status, 1);
    EXPECT_EQ(notype.err, "svccfg: Type required for new properties.\n");
    auto badval = set({"config/port", "=", "08"});
    EXPECT_EQ(badval.err, "svccfg: Invalid \"integer\" value \"08\".\n");
    auto unq = set({"config/list", "=", "astring:", "(a", "\"b\")"});
    EXPECT_EQ(unq.err, "svccfg: Multiple string values or string values with spaces must be quoted with '\"'.\n");
    ASSERT_EQ(set({"config/list", "=", "astring:", "(\"a\"", "\"b c\")"}).status, 0);
    EXPECT_EQ(prop("svc:/site/daemon", "config/list"), "a b\\ c");
    EXPECT_EQ(set({"config/port", "=", "integer:", "1", "2"}).err, "svccfg: Syntax error.\n");
    EXPECT_EQ(set({"config/x", "=", "bogus:", "1"}).err, "svccfg: Unknown type \"bogus:\".\n");
    EXPECT_EQ(set({"nopg/x", "=", "astring:", "1"}).err, "svccfg: No such property group \"nopg\".\n");
    EXPECT_EQ(set({"noslash", "=", "1"}).err, "svccfg: Property names must contain a `/'.\n");
    // An instance's new property takes the type the service has for it.
    // ("-s daemon" is the service: lscf_select walks with SCF_WALK_SERVICE
    // and a matched service keeps its instances out.)
    EXPECT_EQ(svccfg({"-s", "daemon", "addpg", "config", "application"}).err, "svccfg: Property group already exists.\n");
    ASSERT_EQ(svccfg({"-s", "daemon:default", "addpg", "config", "application"}).status, 0);
    ASSERT_EQ(svccfg({"-s", "daemon:default", "setprop", "config/port", "=", "9"}).status, 0);
    EXPECT_EQ(svcprop({"-C", "-t", "-p", "config/port", "daemon"}).out, "config/port integer 9\n");
    // An explicit type changes the property's.
    ASSERT_EQ(set({"config/port", "=", "astring:", "eighty"}).status, 0);
    EXPECT_EQ(svcprop({"-t", "-C", "-p", "config/port", "svc:/site/daemon"}).out, "config/port astring eighty\n");
}

// svccfg_libscf.c listprop(), list_pg_info(), lscf_addpg(), lscf_list(),
// lscf_add(), lscf_delete(); illumos svccfg_main.c's messages for a command file.
TEST_F(SmfGolden, SvccfgListingsEntitiesAndScripts) {
    ASSERT_EQ(svccfg({"-s", "site/daemon", "addpg", "scratch", "framework", "P"}).status, 0);
    EXPECT_EQ(svccfg({"-s", "site/daemon", "listpg", "s*"}).out,
              "start    method\nstop     method\nscratch  framework\tNONPERSISTENT\n");
    EXPECT_EQ(svccfg({"-s", "site/daemon", "addpg", "scratch", "framework"}).err,
              "svccfg: Property group already exists.\n");
    EXPECT_EQ(svccfg({"-s", "site/daemon", "addpg", "x", "y", "Q"}).err, "svccfg: Invalid property group flag Q.\n");
    EXPECT_EQ(svccfg({"-s", "site/daemon", "listprop", "config/*"}).out,
              "config/port  integer  80\nconfig/msg   astring  \"hello world\"\n");
    EXPECT_EQ(svccfg({"-s", "site/daemon", "delprop", "config/nope"}).err, "svccfg: No such property config/nope.\n");
    EXPECT_EQ(svccfg({"listprop"}).err, "svccfg: An entity is not selected.\n");
    write_file(path("/s.cmd"),
               "list site/p*\n"
               "select site/pair\n"
               "list\n"
               "add three\n"
               "select three\n"
               "list\n"
               "unselect\n"
               "delete three\n"
               "list\n"
               "unselect\n"
               "unselect\n");
    auto s = svccfg({"-f", path("/s.cmd")});
    EXPECT_EQ(s.out, "site/pair\n:properties\none\ntwo\n:properties\n:properties\none\ntwo\n");
    EXPECT_EQ(s.status, 1);
    EXPECT_EQ(s.err, "svccfg (" + path("/s.cmd") + ", line 11): Cannot unselect at scope level.\n");
    ASSERT_EQ(svcadm({"enable", "-rs", "daemon"}).status, 0);
    auto running = svccfg({"delete", "site/daemon"});
    EXPECT_EQ(running.status, 1);
    EXPECT_EQ(running.err, "svccfg: Instance svc:/site/daemon:default may be running.  Use delete -f if it is not.\n");
    EXPECT_EQ(svccfg({"add", "site/new"}).status, 0);
    EXPECT_EQ(svccfg({"add", "site/new"}).err, "svccfg: Service already exists.\n");
    EXPECT_EQ(svccfg({"-s", "site/new", "listsnap"}).err, "svccfg: Instance not selected.\n");
    EXPECT_EQ(svccfg({"-s", "daemon", "listsnap"}).err, "svccfg: Instance not selected.\n");
    EXPECT_EQ(svccfg({"-s", "daemon:default", "listsnap"}).out, "initial\nlast-import\nrunning\n");
    auto usage = svccfg({"-q"});
    EXPECT_EQ(usage.status, 2);
    EXPECT_EQ(usage.err, "svccfg: illegal option -- q\nUsage:\tsvccfg [-v] [-s FMRI] [-f file]\n"
                         "\tsvccfg [-v] [-s FMRI] <command> [args]\n");
}

}  // namespace
}  // namespace xvm::test
