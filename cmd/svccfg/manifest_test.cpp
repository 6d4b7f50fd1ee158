#include "cmd/svccfg/manifest.h"

#include <gtest/gtest.h>

namespace xvm::svccfg {
namespace {

const char* kHeader =
    "<?xml version='1.0'?>\n"
    "<!DOCTYPE service_bundle SYSTEM '/usr/share/lib/xml/dtd/service_bundle.dtd.1'>\n";

std::string bundle(const std::string& body) {
    return std::string(kHeader) + "<service_bundle type='manifest' name='t'>\n" + body +
           "</service_bundle>\n";
}

const std::string kGood = bundle(R"(
<service name='site/demo' type='service' version='1'>
  <create_default_instance enabled='false'/>
  <single_instance/>
  <dependency name='fs' grouping='require_all' restart_on='none' type='service'>
    <service_fmri value='svc:/system/filesystem/local'/>
  </dependency>
  <method_context working_directory='/'>
    <method_credential user='xvm' group='xvm' privileges='basic,file_chown'/>
    <method_environment><envvar name='A' value='b c'/></method_environment>
  </method_context>
  <exec_method type='method' name='start' exec='/bin/demo %{config/port}' timeout_seconds='60'/>
  <exec_method type='method' name='stop' exec=':kill' timeout_seconds='-1'/>
  <property_group name='config' type='application'>
    <propval name='port' type='integer' value='8002'/>
    <property name='hosts' type='astring'>
      <astring_list><value_node value='a'/><value_node value='b'/></astring_list>
    </property>
  </property_group>
  <stability value='Unstable'/>
  <template>
    <common_name><loctext xml:lang='C'>demo daemon</loctext></common_name>
    <documentation><manpage title='demo' section='1M' manpath='/usr/share/man'/></documentation>
  </template>
</service>
)");

TEST(Manifest, DtdAcceptsGood) {
    auto st = validate_dtd(kGood, "good.xml", XVM_SOURCE_DIR "/manifests/dtd/service_bundle.dtd.1");
    EXPECT_TRUE(st) << st.error().message;
}

TEST(Manifest, DtdRejectsWrongOrder) {
    std::string bad = bundle(
        "<service name='a' type='service' version='1'>"
        "<property_group name='c' type='application'/>"
        "<exec_method type='method' name='start' exec=':true' timeout_seconds='1'/></service>");
    auto st = validate_dtd(bad, "bad.xml", XVM_SOURCE_DIR "/manifests/dtd/service_bundle.dtd.1");
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("bad.xml: does not conform"), std::string::npos);
}

TEST(Manifest, Translates) {
    auto b = parse_manifest(kGood, "good.xml");
    ASSERT_TRUE(b) << b.error().message;
    ASSERT_EQ(b->services.size(), 1u);
    const ServiceSpec& s = b->services[0];
    EXPECT_EQ(s.name, "site/demo");
    EXPECT_EQ(s.pgs.first("config", "port"), "8002");
    EXPECT_EQ(s.pgs.find("config", "hosts")->values.size(), 2u);
    EXPECT_EQ(s.pgs.first("fs", "entities"), "svc:/system/filesystem/local");
    EXPECT_EQ(s.pgs.first("method_context", "privileges"), "basic,file_chown");
    EXPECT_EQ(s.pgs.first("method_context", "environment"), "A=b c");
    EXPECT_EQ(s.pgs.first("stop", "timeout_seconds"), "0");
    EXPECT_EQ(s.pgs.first("tm_common_name", "C"), "demo daemon");
    EXPECT_EQ(s.pgs.first("tm_man_demo1M", "manpath"), "/usr/share/man");
    ASSERT_EQ(s.instances.size(), 1u);
    EXPECT_EQ(s.instances[0].pgs.first("general", "enabled"), "false");
}

TEST(Manifest, ReportsEverySemanticError) {
    std::string bad = bundle(R"(
<service name='site/bad' type='service' version='1'>
  <method_context><method_environment><envvar name='SMF_FMRI' value='x'/></method_environment></method_context>
  <property_group name='config' type='application'>
    <propval name='port' type='integer' value='eighty'/>
    <propval name='x' type='nosuch' value='1'/>
  </property_group>
</service>)");
    auto b = parse_manifest(bad, "bad.xml");
    ASSERT_FALSE(b);
    const std::string& m = b.error().message;
    EXPECT_NE(m.find("bad.xml:6: environment variable SMF_FMRI: names starting SMF_ are reserved"), std::string::npos) << m;
    EXPECT_NE(m.find("bad.xml:8: property port: \"eighty\" is not a valid integer"), std::string::npos) << m;
    EXPECT_NE(m.find("bad.xml:9: property x: unknown type \"nosuch\""), std::string::npos) << m;
}

TEST(Manifest, MalformedXml) {
    auto b = parse_manifest("<service_bundle><service", "m.xml");
    ASSERT_FALSE(b);
    EXPECT_NE(b.error().message.find("m.xml: not well-formed XML"), std::string::npos);
    EXPECT_FALSE(parse_manifest("", "e.xml"));
    EXPECT_FALSE(parse_manifest("<other/>", "o.xml"));
}

}  // namespace
}  // namespace xvm::svccfg
