// End-to-end tests of the SMF commands: golden output formats and exit
// codes, errors that change nothing, manifest validation against xmllint,
// RBAC through svc.startd's socket, and the xctl manifests' not-under-Xen
// rule.
#include <dirent.h>

#include "tests/e2e/smf_fixture.h"

namespace xvm::test {
namespace {

class SmfCli : public SmfTest {
protected:
    void SetUp() override {
        SmfTest::SetUp();
        if (IsSkipped()) return;
        import(service("site/demo", testsvc("daemon"),
                       "<property_group name='config' type='application'>"
                       "<propval name='port' type='integer' value='8002'/>"
                       "<propval name='name' type='astring' value='a b'/>"
                       "<propval name='empty' type='astring' value=''/>"
                       "<property name='list' type='astring'><astring_list>"
                       "<value_node value='x'/><value_node value='y'/></astring_list></property>"
                       "</property_group>\n<template><common_name><loctext xml:lang='C'>demo daemon</loctext>"
                       "</common_name></template>\n") +
               service("site/other", testsvc("daemon")));
    }
    std::string dump() { return capture({"/usr/bin/tdbdump", path("/etc/svc/repository.tdb")}).out; }
};

TEST_F(SmfCli, SvcsGoldenFormats) {
    // No restarter has seen the instances yet: no restarter group, so
    // illumos svcs.c prints '-' for the state and '?' for its abbreviation.
    auto o = svcs({"-a", "-o", "state,fmri"});
    EXPECT_EQ(o.status, 0);
    EXPECT_EQ(o.out,
              "STATE          FMRI\n"
              "-              svc:/site/demo:default\n"
              "-              svc:/site/other:default\n");
    EXPECT_EQ(svcs({"-H", "-o", "sta,svc,inst", "demo"}).out, "?    site/demo            default\n");
    auto d = svcs({"demo"});
    EXPECT_EQ(d.out, "STATE          STIME    FMRI\n-              -        svc:/site/demo:default\n");
    auto l = svcs({"-l", "demo"});
    EXPECT_EQ(l.out,
              "fmri         svc:/site/demo:default\n"
              "name         demo daemon\n"
              "enabled      false\n"
              "restarter    svc:/system/svc/restarter:default\n");
    auto bogus = svcs({"-o", "bogus"});
    EXPECT_EQ(bogus.status, 1);
    EXPECT_EQ(bogus.err, "svcs: Unknown column \"bogus\".\n");
    auto none = svcs({"nosuch"});
    EXPECT_EQ(none.status, 1);
    EXPECT_EQ(none.err, "svcs: Pattern 'nosuch' doesn't match any instances\n");
    EXPECT_EQ(svcs({"-Z?"}).status, 0);  // -? is help, on standard output
}

TEST_F(SmfCli, WithoutRestarterRequestsAreRecordedAndWaitsRefused) {
    auto o = svcadm({"enable", "-t", "demo"});
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_NE(svcs({"-l", "demo"}).out.find("\nenabled      true (temporary)\n"), std::string::npos);
    EXPECT_EQ(svcprop({"-c", "-p", "general_ovr/enabled", "demo"}).out, "true\n");
    ASSERT_EQ(svcadm({"enable", "demo"}).status, 0);  // persistent: the override goes
    EXPECT_EQ(svcprop({"-c", "-p", "general_ovr/enabled", "demo"}).status, 1);
    EXPECT_NE(svcs({"-l", "demo"}).out.find("\nenabled      true\n"), std::string::npos);
    // Without a restarter there is no state to wait for (illumos svcadm.c's
    // inst_get_state()): status 3.
    auto wait = svcadm({"enable", "-s", "demo"});
    EXPECT_EQ(wait.status, 3);
    EXPECT_EQ(wait.err, "svcadm: svc:/site/demo:default is misconfigured (lacks \"restarter\" property group).\n");
}

TEST_F(SmfCli, SvcpropGoldenFormats) {
    EXPECT_EQ(svcprop({"-p", "config/port", "demo"}).out, "8002\n");
    EXPECT_EQ(svcprop({"-p", "config/name", "demo"}).out, "a\\ b\n");
    EXPECT_EQ(svcprop({"-p", "config/empty", "demo"}).out, "\"\"\n");
    EXPECT_EQ(svcprop({"-p", "config/list", "demo"}).out, "x y\n");
    EXPECT_EQ(svcprop({"-t", "-p", "config/port", "demo"}).out, "config/port integer 8002\n");
    EXPECT_EQ(svcprop({"-p", "config", "demo"}).out,
              "config/port integer 8002\nconfig/name astring a\\ b\nconfig/empty astring \"\"\n"
              "config/list astring x y\n");
    EXPECT_EQ(svcprop({"-f", "-p", "config/port", "demo"}).out,
              "svc:/site/demo:default/:properties/config/port integer 8002\n");
    // A property FMRI names the entity's own group (scf_handle_decode_fmri
    // uses scf_instance_get_pg, not the composed view): config is the
    // service's.
    EXPECT_EQ(svcprop({"svc:/site/demo/:properties/config/port"}).out, "8002\n");
    EXPECT_EQ(svcprop({"svc:/site/demo:default/:properties/config/port"}).err,
              "svcprop: Pattern 'svc:/site/demo:default/:properties/config/port' doesn't match any entities\n");
    auto q = svcprop({"-q", "-p", "config/port", "demo"});
    EXPECT_EQ(q.status, 0);
    EXPECT_EQ(q.out, "");
    auto missing = svcprop({"-p", "config/nope", "demo"});
    EXPECT_EQ(missing.status, 1);
    EXPECT_EQ(missing.err, "svcprop: Couldn't find property `config/nope' for instance `svc:/site/demo:default'.\n");
    EXPECT_EQ(svcprop({"-q", "-p", "config/nope", "demo"}).err, "");
    EXPECT_EQ(svcprop({"-c", "-C", "demo"}).status, 2);
    EXPECT_EQ(svcprop({}).status, 2);
}

TEST_F(SmfCli, SvccfgListpropAndExportRoundTrip) {
    auto l = svccfg({"-s", "site/demo", "listprop", "config"});
    // svccfg_libscf.c's list_prop_info(): "%-*s  %-7s " then " value"
    // each; several string values are all quoted.
    EXPECT_EQ(l.out,
              "config        application\n"
              "config/port   integer  8002\n"
              "config/name   astring  \"a b\"\n"
              "config/empty  astring  \n"
              "config/list   astring  \"x\" \"y\"\n");
    auto e = svccfg({"export", "site/demo"});
    ASSERT_EQ(e.status, 0) << e.err;
    // The export is a valid manifest that imports to the same content.
    std::string before = dump();
    write_file(path("/export.xml"), e.out);
    EXPECT_EQ(capture({"/usr/bin/xmllint", "--noout", "--dtdvalid", XVM_SOURCE_DIR "/manifests/dtd/service_bundle.dtd.1",
                       path("/export.xml")}).status, 0);
    ASSERT_EQ(svccfg({"import", path("/export.xml")}).status, 0);
    EXPECT_EQ(svccfg({"export", "site/demo"}).out, e.out);
    EXPECT_EQ(svcprop({"-C", "-p", "config", "site/demo"}).out, svcprop({"-C", "-p", "config", "site/demo"}).out);
    (void)before;
}

TEST_F(SmfCli, CommandFileEditsValuesAndEnvironment) {
    write_file(path("/cmds"),
               "# edits\nselect site/demo\n"
               "setprop config/name = astring: \"x y\"\n"
               "addpropvalue config/list z\n"
               "delpropvalue config/list x\n"
               "setenv -m start FOO \"bar baz\"\n"
               "listprop config/list\n");
    auto o = svccfg({"-f", path("/cmds")});
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out, "config/list  astring  \"y\" \"z\"\n");
    EXPECT_EQ(svcprop({"-C", "-p", "config/name", "svc:/site/demo"}).out, "x\\ y\n");
    EXPECT_EQ(svcprop({"-C", "-p", "start/environment", "svc:/site/demo"}).out, "FOO=bar\\ baz\n");
    write_file(path("/bad"), "select site/demo\nsetprop config/port = integer: x\nsetprop config/port = 1\n");
    auto bad = svccfg({"-f", path("/bad")});
    EXPECT_EQ(bad.status, 1);
    EXPECT_EQ(bad.err, "svccfg (" + path("/bad") + ", line 2): Invalid \"integer\" value \"x\".\n");
    EXPECT_EQ(svcprop({"-C", "-p", "config/port", "svc:/site/demo"}).out, "8002\n") << "stopped at line 2";
}

TEST_F(SmfCli, ErrorsAreClearAndChangeNothing) {
    std::string before = dump();
    auto wrong = svccfg({"-s", "site/demo", "setprop", "config/port", "=", "integer:", "x"});
    EXPECT_EQ(wrong.status, 1);
    EXPECT_EQ(wrong.err, "svccfg: Invalid \"integer\" value \"x\".\n");
    auto bad = svccfg({"-s", "site/demo", "setprop", "config/port", "=", "eighty"});
    EXPECT_EQ(bad.err, "svccfg: Invalid \"integer\" value \"eighty\".\n");
    auto nopg = svccfg({"-s", "site/demo", "setprop", "nopg/x", "=", "astring:", "x"});
    EXPECT_EQ(nopg.err, "svccfg: No such property group \"nopg\".\n");
    auto unknown = svccfg({"-s", "svc:/site/nosuch", "listprop"});
    EXPECT_EQ(unknown.status, 1);
    EXPECT_EQ(unknown.err, "svccfg: Pattern 'svc:/site/nosuch' doesn't match any instances or services\n");
    auto adm = svcadm({"enable", "site/nosuch"});
    EXPECT_EQ(adm.status, 1);
    EXPECT_EQ(adm.err, "svcadm: Pattern 'site/nosuch' doesn't match any instances\n");
    auto amb = svcadm({"enable", "default"});  // SCF_WALK_UNIPARTIAL
    EXPECT_EQ(amb.status, 1);
    EXPECT_EQ(amb.err, "svcadm: Partial FMRI matches multiple instances\n");
    EXPECT_EQ(svcadm({"frobnicate", "demo"}).status, 2);
    auto syn = svccfg({"bogus"});
    EXPECT_EQ(syn.status, 1);
    EXPECT_EQ(syn.err, "svccfg: Syntax error.\n");
    write_file(path("/broken.xml"), "<?xml version='1.0'?>\n<service_bundle type='manifest' name='x'>\n<service");
    auto broken = svccfg({"import", path("/broken.xml")});
    EXPECT_EQ(broken.status, 1);
    EXPECT_NE(broken.err.find("broken.xml: not well-formed XML"), std::string::npos) << broken.err;
    write_file(path("/badvalue.xml"), manifest(service("site/demo", ":true",
        "<property_group name='config' type='application'><propval name='port' type='integer' value='x'/>"
        "</property_group>\n")));
    auto badvalue = svccfg({"import", path("/badvalue.xml")});
    EXPECT_EQ(badvalue.status, 1);
    EXPECT_NE(badvalue.err.find("property port: \"x\" is not a valid integer"), std::string::npos) << badvalue.err;
    EXPECT_EQ(dump(), before);
}

TEST_F(SmfCli, ValidateAgreesWithXmllint) {
    std::vector<std::string> files;
    for (const char* m : {"store.xml", "xend.xml", "console.xml", "filesystem-local.xml"})
        files.push_back(std::string(XVM_SOURCE_DIR "/manifests/") + m);
    write_file(path("/order.xml"), manifest("<service name='a' type='service' version='1'>"
        "<property_group name='c' type='application'/><create_default_instance enabled='true'/></service>\n"));
    write_file(path("/attr.xml"), manifest("<service name='a' type='service' version='1'>"
        "<exec_method type='method' name='start' exec=':true'/></service>\n"));
    write_file(path("/enum.xml"), manifest("<service name='a' type='service' version='1'>"
        "<instance name='i' enabled='maybe'/></service>\n"));
    write_file(path("/good.xml"), manifest(service("site/good", ":true")));
    for (const char* f : {"/order.xml", "/attr.xml", "/enum.xml", "/good.xml"}) files.push_back(path(f));
    int valid = 0;
    for (const std::string& f : files) {
        int lint = capture({"/usr/bin/xmllint", "--noout", "--dtdvalid",
                            XVM_SOURCE_DIR "/manifests/dtd/service_bundle.dtd.1", f}).status;
        auto ours = svccfg({"validate", f});
        EXPECT_EQ(lint == 0, ours.status == 0) << f << ": xmllint " << lint << ", svccfg " << ours.err;
        valid += lint == 0;
    }
    EXPECT_EQ(valid, 5) << "the four shipped manifests and good.xml";
}

TEST_F(SmfCli, XctlManifestsImportWithTheirDefaults) {
    for (const char* m : {"filesystem-local.xml", "store.xml", "xend.xml", "console.xml"}) {
        auto o = svccfg({"import", std::string(XVM_SOURCE_DIR "/manifests/") + m});
        ASSERT_EQ(o.status, 0) << m << ": " << o.err;
    }
    EXPECT_EQ(prop("xctl/xend", "config/hypervisor-backend"), "auto");
    EXPECT_EQ(svcprop({"-t", "-p", "config/dom0-min-mem", "xend"}).out, "config/dom0-min-mem integer 196\n");
    EXPECT_EQ(svcprop({"-t", "-p", "config/xend-relocation-hosts-allow", "xend"}).out,
              "config/xend-relocation-hosts-allow astring \\^localhost$\n");
    EXPECT_EQ(prop("xend", "config/vncpasswd"), "\"\"");
    EXPECT_EQ(prop("svc:/system/xctl/xend:default", "general/enabled"), "false");
    EXPECT_EQ(prop("xend", "start/user"), "xvm");
    EXPECT_EQ(prop("console", "xend/entities"), "svc:/system/xctl/xend");
}

class XctlE2E : public SmfCli {
protected:
    void SetUp() override {
        SmfCli::SetUp();
        if (IsSkipped()) return;
        ASSERT_EQ(run(XVM_SOURCE_DIR "/cmd/xvm-accounts/xvm-accounts >/dev/null"), 0);
        for (const char* m : {"filesystem-local.xml", "store.xml", "xend.xml", "console.xml"})
            ASSERT_EQ(svccfg({"import", std::string(XVM_SOURCE_DIR "/manifests/") + m}).status, 0);
        start_startd();
    }
};

TEST_F(XctlE2E, NotUnderXenDisablesAllThreeTemporarily) {
    // The daemons are not built yet; the helper decides before exec.
    for (const char* s : {"xctl/store", "xctl/xend", "xctl/console"}) {
        auto o = svccfg({"-s", s, "setprop", "start/exec", "=", "astring:",
                         std::string("\"") + XVM_METHOD + " " + SMF_TESTSVC + " daemon\""});
        ASSERT_EQ(o.status, 0) << o.err;
        ASSERT_EQ(svccfg({"-s", s, "refresh"}).status, 0);
    }
    ASSERT_EQ(svcadm({"enable", "-r", "xctl/console"}).status, 0);
    for (const char* i : {"xctl/store:default", "xctl/xend:default", "xctl/console:default"}) {
        ASSERT_TRUE(reaches(i, "disabled")) << i << " is " << state(i);
        EXPECT_EQ(prop(i, "general_ovr/enabled"), "false") << "disabled temporarily";
        EXPECT_EQ(svcprop({"-c", "-p", "general/enabled", i}).out, "true\n");
    }
    for (const char* stem : {"system-xctl-store:default", "system-xctl-xend:default", "system-xctl-console:default"}) {
        std::string log = log_of(stem);
        EXPECT_EQ(count(log, "not running under a Xen dom0"), 1u) << stem << ":\n" << log;
        EXPECT_NE(log.find("select the simulator with svccfg -s xctl/xend setprop config/hypervisor-backend = sim; "
                            "svcadm refresh xctl/xend"),
                  std::string::npos);
    }
    // With the simulator selected the store runs its daemon.
    ASSERT_EQ(svccfg({"-s", "xctl/xend", "setprop", "config/hypervisor-backend", "=", "sim"}).status, 0);
    // Settings take effect at refresh (docs/smf.md): until then, still auto.
    ASSERT_EQ(svcadm({"enable", "xctl/store"}).status, 0);
    ASSERT_TRUE(eventually([&] { return count(log_of("system-xctl-store:default"),
                                              "not running under a Xen dom0") == 2; }));
    ASSERT_TRUE(reaches("xctl/store:default", "disabled"));
    ASSERT_EQ(svcadm({"refresh", "xctl/xend"}).status, 0);
    ASSERT_EQ(svcadm({"enable", "-s", "xctl/store"}).status, 0);
    EXPECT_EQ(members("system/xctl/store:default").size(), 1u);
}

TEST_F(XctlE2E, AuthorizedUserMayManageOthersAreRefused) {
    TestUsers users;
    users.add("xvms-admin", "");
    users.add("xvms-plain", "");
    write_file(path("/etc/user_attr"), "xvms-admin::::profiles=Xen Management\nxvms-plain::::type=normal\n");
    ASSERT_EQ(run("cp " XVM_SOURCE_DIR "/privileges/prof_attr '" + path("/etc/security/prof_attr") + "'"), 0);
    auto as = [&](const std::string& user, const std::string& bin, std::vector<std::string> args) {
        std::vector<std::string> argv{"/usr/sbin/runuser", "-u", user, "--", "/usr/bin/env",
                                      "XVM_ROOT=" + root_->path(), bin};
        argv.insert(argv.end(), args.begin(), args.end());
        return capture(argv);
    };
    auto ok = as("xvms-admin", SVCCFG, {"-s", "xctl/xend", "setprop", "config/dom0-min-mem", "=", "integer:", "512"});
    EXPECT_EQ(ok.status, 0) << ok.err;
    EXPECT_EQ(svcprop({"-c", "-p", "config/dom0-min-mem", "xend"}).out, "512\n");
    for (const char* s : {"xctl/store", "xctl/xend", "xctl/console"}) {
        auto r = as("xvms-admin", SVCADM, {"restart", s});
        EXPECT_EQ(r.status, 0) << s << ": " << r.err;
    }
    std::string before = dump();
    auto denied = as("xvms-plain", SVCCFG, {"-s", "xctl/xend", "setprop", "config/dom0-min-mem", "=", "1"});
    EXPECT_EQ(denied.status, 1);
    EXPECT_NE(denied.err.find("permission denied"), std::string::npos) << denied.err;
    EXPECT_NE(denied.err.find("solaris.smf.value.xctl"), std::string::npos) << denied.err;
    auto refused = as("xvms-plain", SVCADM, {"restart", "xctl/xend"});
    EXPECT_EQ(refused.status, 1);
    EXPECT_NE(refused.err.find("permission denied: restart on svc:/system/xctl/xend:default requires "
                               "authorization solaris.smf.manage.xctl"),
              std::string::npos) << refused.err;
    EXPECT_EQ(dump(), before);
    EXPECT_NE(read_file(path("/startd.err")).find("denied restart on svc:/system/xctl/xend:default to uid " +
                                                   std::to_string(users.uid("xvms-plain"))),
              std::string::npos);
}

}  // namespace
}  // namespace xvm::test
