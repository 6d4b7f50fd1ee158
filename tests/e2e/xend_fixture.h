// The xctl stack with xend, as an administrator runs it: the shipped
// manifests imported into a private svc.startd in a temporary root, hvsim
// and xenstored and xend started as SMF services (xend as xvm through its
// method_context), configured only by SMF properties, and driven by real
// clients - Python's xmlrpc.client over a unix-socket transport
// (tests/e2e/xend_rpc.py), raw HTTP for the legacy socket, xenstore-utils
// for the store. Guests are hvsim's real guest processes.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"
#include "tests/e2e/smf_fixture.h"

namespace xvm::test {

class XendStack : public SmfTest {
protected:
    void SetUp() override {
        SmfTest::SetUp();
        if (IsSkipped()) return;
        ASSERT_EQ(run(XVM_SOURCE_DIR "/cmd/xvm-accounts/xvm-accounts >/dev/null"), 0);
        for (const char* m : {"filesystem-local.xml", "hvsim.xml", "store.xml", "xend.xml"}) {
            auto o = svccfg({"import", std::string(XVM_SOURCE_DIR "/manifests/") + m});
            ASSERT_EQ(o.status, 0) << m << ": " << o.err;
        }
        configure();
        set_exec("xctl/hvsim", std::string(HVSIM) + " -b --guest " + GUEST + " --memory-mib " +
                                   std::to_string(host_mib_) + " --dom0-mib " + std::to_string(dom0_mib_));
        set_exec("xctl/store", std::string(XVM_METHOD) + " " + XENSTORED + " --init-store");
        set_exec("xctl/xend", std::string(XVM_METHOD) + " " + XEND);
        setprop("config/hypervisor-backend", "astring:", "sim");
        ASSERT_EQ(svccfg({"-s", "xctl/xend", "refresh"}).status, 0);
        ::mkdir(path("/boot").c_str(), 0755);
        write_file(path(kKernel), "the guest kernel\n");
        start_startd();
        for (const char* s : {"xctl/hvsim", "xctl/store", "xctl/xend"}) {
            auto o = svcadm({"enable", "-s", s});
            ASSERT_EQ(o.status, 0) << s << ": " << o.err << log_of("system-xctl-xend:default")
                                   << log_of("system-xctl-store:default");
        }
        ASSERT_EQ(state("xctl/xend:default"), "online") << log_of("system-xctl-xend:default");
    }

    // Properties to set (and host_mib_ / dom0_mib_) before anything starts.
    virtual void configure() {}

    void set_exec(const std::string& service, const std::string& exec) {
        auto o = svccfg({"-s", service, "setprop", "start/exec", "=", "astring:", "\"" + exec + "\""});
        ASSERT_EQ(o.status, 0) << o.err;
        ASSERT_EQ(svccfg({"-s", service, "refresh"}).status, 0);
    }
    void setprop(const std::string& prop, const std::string& type, const std::string& value) {
        auto o = svccfg({"-s", "xctl/xend", "setprop", prop, "=", type, value});
        ASSERT_EQ(o.status, 0) << o.err;
    }
    // svccfg setprop + svcadm refresh, then wait until xend logged it.
    void refresh_with(const std::string& prop, const std::string& type, const std::string& value) {
        std::size_t before = count(xend_log(), "refresh: ");
        setprop(prop, type, value);
        ASSERT_EQ(svcadm({"refresh", "xctl/xend"}).status, 0);
        ASSERT_TRUE(eventually([&] { return count(xend_log(), "refresh: ") > before; })) << xend_log();
    }

    std::string xend_log() { return log_of("system-xctl-xend:default"); }
    std::string xmlrpc_socket() { return path("/var/run/xend/xmlrpc.sock"); }
    std::string legacy_socket() { return path("/var/lib/xend/xend-socket"); }
    pid_t xend_pid() {
        auto pids = members("system/xctl/xend:default");
        return pids.size() == 1 ? pids[0] : -1;
    }

    // One XML-RPC call by Python's xmlrpc.client; the JSON answer line.
    // `user`: run the client as that user (runuser), "" = root.
    std::string rpc(const std::string& method, const std::string& args_json = "[]", const std::string& user = "") {
        std::vector<std::string> argv = {"/usr/bin/python3", XVM_SOURCE_DIR "/tests/e2e/xend_rpc.py", xmlrpc_socket(),
                                         method, args_json};
        if (!user.empty()) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", user, "--"});
        auto o = capture(argv);
        std::string out = o.out;
        while (!out.empty() && out.back() == '\n') out.pop_back();
        return out.empty() ? "no answer: " + o.err : out;
    }

    // A raw HTTP exchange on a unix socket: the whole reply as text.
    // `abandon`: send and close at once (a client that gives up), "".
    static std::string http(const std::string& socket_path, const std::string& request, bool abandon = false) {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        socket_path.copy(a.sun_path, sizeof a.sun_path - 1);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
            ::close(fd);
            return "connect failed";
        }
        std::size_t at = 0;
        while (at < request.size()) {
            ssize_t n = ::send(fd, request.data() + at, request.size() - at, MSG_NOSIGNAL);
            if (n <= 0) break;
            at += static_cast<std::size_t>(n);
        }
        std::string reply;
        if (abandon) {
            ::close(fd);
            return reply;
        }
        ::shutdown(fd, SHUT_WR);
        char buf[4096];
        for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<std::size_t>(n));
        ::close(fd);
        return reply;
    }

    // A minimal (vm ...) configuration as JSON for xend.domain.create.
    static std::string config(const std::string& name, int mib, const std::string& extra = "",
                              const std::string& args = "") {
        std::string image = "[\"image\", [\"linux\", [\"kernel\", \"" + std::string(kKernel) + "\"]" +
                            (args.empty() ? "" : ", [\"args\", \"" + args + "\"]") + "]]";
        return "[[\"vm\", [\"name\", \"" + name + "\"], [\"memory\", " + std::to_string(mib) + "], " + image +
               (extra.empty() ? "" : ", " + extra) + "]]";
    }

    static constexpr const char* kKernel = "/boot/xvm-kernel";
    int host_mib_ = 1024;
    int dom0_mib_ = 512;
};

}  // namespace xvm::test
