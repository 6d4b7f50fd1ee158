// Shared fixture of the SMF end-to-end tests: a temporary root with the
// privilege tables, the real commands and svc.startd from the build, test
// manifests naming smf_testsvc, and clean-up of every contract (cgroup)
// the root's services used - so no process or cgroup outlives a test.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"
#include "lib/smf/smf_contract.h"

namespace xvm::test {

class SmfTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = needs_root()) GTEST_SKIP() << *why;
        auto base = smf::contract_base();
        if (!base) GTEST_SKIP() << base.error().message;
        root_ = std::make_unique<TempRoot>();
        // Commands and the library both find the root through XVM_ROOT.
        ::setenv("XVM_ROOT", root_->path().c_str(), 1);
        ::setenv("SVCCFG_DTD", XVM_SOURCE_DIR "/manifests/dtd/service_bundle.dtd.1", 1);
    }

    void TearDown() override {
        stop_startd();
        if (root_) {
            auto st = smf::destroy_all_contracts();
            EXPECT_TRUE(st) << st.error().message;
        }
        root_.reset();
        ::unsetenv("XVM_ROOT");
    }

    std::string path(const std::string& abs) const { return root_->path() + abs; }
    std::string log_of(const std::string& stem) const { return read_file(path("/var/svc/log/" + stem + ".log")); }

    void start_startd() {
        startd_.emplace(Child::spawn({SVC_STARTD}, {}, path("/startd.err")));
        ASSERT_TRUE(eventually([&] { return ::access(path("/etc/svc/volatile/startd.sock").c_str(), F_OK) == 0; }))
            << read_file(path("/startd.err"));
    }
    void stop_startd() {
        if (!startd_) return;
        startd_->kill(SIGTERM);
        startd_->wait();
        startd_.reset();
        ::unlink(path("/etc/svc/volatile/startd.sock").c_str());
    }

    Output svcadm(std::vector<std::string> a) { return cmd(SVCADM, std::move(a)); }
    Output svccfg(std::vector<std::string> a) { return cmd(SVCCFG, std::move(a)); }
    Output svcs(std::vector<std::string> a) { return cmd(SVCS, std::move(a)); }
    Output svcprop(std::vector<std::string> a) { return cmd(SVCPROP, std::move(a)); }
    Output cmd(const std::string& bin, std::vector<std::string> a) {
        a.insert(a.begin(), bin);
        return capture(a);
    }

    std::string prop(const std::string& fmri, const std::string& p) {
        std::string v = svcprop({"-p", p, fmri}).out;
        while (!v.empty() && v.back() == '\n') v.pop_back();
        return v;
    }
    std::string state(const std::string& fmri) { return prop(fmri, "restarter/state"); }
    bool reaches(const std::string& fmri, const std::string& want) {
        return eventually([&] { return state(fmri) == want && prop(fmri, "restarter/next_state") == "none"; });
    }
    std::vector<pid_t> members(const std::string& instance) {
        return smf::Contract(*smf::contract_base(), instance).pids();
    }
    // Online and settled with one process that is not one of `old`.
    bool runs_anew(const std::string& instance, const std::vector<pid_t>& old) {
        auto now = members(instance);
        return now.size() == 1 && now != old && state(instance) == "online" &&
               prop(instance, "restarter/next_state") == "none";
    }
    static std::size_t count(const std::string& text, const std::string& what) {
        std::size_t n = 0;
        for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
        return n;
    }

    // Writes and imports a manifest of the given <service> elements.
    void import(const std::string& services) {
        std::string file = path("/m.xml");
        write_file(file, manifest(services));
        auto o = svccfg({"import", file});
        ASSERT_EQ(o.status, 0) << o.err;
    }
    static std::string manifest(const std::string& services) {
        return "<?xml version='1.0'?>\n"
               "<!DOCTYPE service_bundle SYSTEM '/usr/share/lib/xml/dtd/service_bundle.dtd.1'>\n"
               "<service_bundle type='manifest' name='test'>\n" +
               services + "</service_bundle>\n";
    }
    // A contract service running `smf_testsvc <mode>` (a transient one
    // when `extra` is transient_pg(): stopped by :true, as :kill has no
    // contract to kill there - illumos method.c refuses it).
    static std::string service(const std::string& name, const std::string& start,
                               const std::string& extra = "", const std::string& deps = "") {
        std::string stop = extra.find("value='transient'") != std::string::npos ? ":true" : ":kill";
        return "<service name='" + name + "' type='service' version='1'>\n"
               "<create_default_instance enabled='false'/>\n" + deps +
               "<exec_method type='method' name='start' exec='" + start + "' timeout_seconds='10'/>\n"
               "<exec_method type='method' name='stop' exec='" + stop + "' timeout_seconds='10'/>\n" +
               extra + "</service>\n";
    }
    static std::string testsvc(const std::string& args) { return std::string(SMF_TESTSVC) + " " + args; }
    static std::string dependency(const std::string& name, const std::string& fmri) {
        return "<dependency name='" + name + "' grouping='require_all' restart_on='none' type='service'>"
               "<service_fmri value='" + fmri + "'/></dependency>\n";
    }
    static std::string transient_pg() {
        return "<property_group name='startd' type='framework'>"
               "<propval name='duration' type='astring' value='transient'/></property_group>\n";
    }

    std::unique_ptr<TempRoot> root_;
    std::optional<Child> startd_;
};

}  // namespace xvm::test
