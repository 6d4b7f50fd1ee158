// xend end to end: through svcadm on hvsim + xenstored, driven by Python's
// xmlrpc.client over a unix-socket transport and by raw HTTP on the
// legacy socket.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>

#include <regex>

#include "tests/e2e/xend_fixture.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

class XendE2E : public XendStack {};

TEST_F(XendE2E, CreatesListsPausesPinsAndDestroys) {
    std::string created = rpc("xend.domain.create", config("web01", 64, "[\"vcpus\", 2]"));
    ASSERT_NE(created.find("\"ok\": [\"domain\""), std::string::npos) << created << xend_log();
    EXPECT_NE(created.find("[\"name\", \"web01\"]"), std::string::npos) << created;
    EXPECT_NE(created.find("[\"state\", \"--p---\"]"), std::string::npos) << created;  // created paused
    ASSERT_EQ(rpc("xend.domain.unpause", "[\"web01\"]"), "{\"ok\": null}");

    std::string listed = rpc("xend.domains_with_state", "[true, \"all\", false]");
    EXPECT_NE(listed.find("[\"name\", \"Domain-0\"]"), std::string::npos) << listed;
    EXPECT_NE(listed.find("[\"name\", \"web01\"]"), std::string::npos) << listed;

    ASSERT_EQ(rpc("xend.domain.pause", "[\"web01\"]"), "{\"ok\": null}");
    EXPECT_NE(rpc("xend.domain", "[\"web01\"]").find("[\"state\", \"--p---\"]"), std::string::npos);
    // Paused domains are not in xend.domains (running-state only).
    EXPECT_EQ(rpc("xend.domains", "[false]").find("web01"), std::string::npos);

    ASSERT_EQ(rpc("xend.domain.pincpu", "[\"web01\", 1, [1]]"), "{\"ok\": 0}");
    std::string vcpus = rpc("xend.domain.getVCPUInfo", "[\"web01\"]");
    EXPECT_NE(vcpus.find("[\"number\", 1], [\"online\", 1]"), std::string::npos) << vcpus;
    EXPECT_NE(vcpus.find("[\"cpumap\", [1]]"), std::string::npos) << vcpus;

    ASSERT_EQ(rpc("xend.domain.destroy", "[\"web01\"]"), "{\"ok\": null}");
    EXPECT_EQ(rpc("xend.domain", "[\"web01\"]"), "{\"fault\": [3, \"web01\"]}");
}

TEST_F(XendE2E, UnknownDomainIsFault3WithTheKeyAsGiven) {
    EXPECT_EQ(rpc("xend.domain", "[\"nosuch\"]"), "{\"fault\": [3, \"nosuch\"]}");
    EXPECT_EQ(rpc("xend.domain.pause", "[\"42\"]"), "{\"fault\": [3, \"42\"]}");
    EXPECT_EQ(rpc("xend.domain.shutdown", "[\"nosuch\", \"poweroff\"]"), "{\"fault\": [3, \"nosuch\"]}");
}

TEST_F(XendE2E, LegacySocketAnswersWithSexprs) {
    ASSERT_NE(rpc("xend.domain.create", config("legacy1", 32)).find("\"ok\""), std::string::npos) << xend_log();
    ASSERT_EQ(rpc("xend.domain.unpause", "[\"legacy1\"]"), "{\"ok\": null}");
    std::string reply = http(legacy_socket(), "GET /xend/domain/?detail=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
    EXPECT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << reply;
    EXPECT_NE(reply.find("application/sxp"), std::string::npos) << reply;
    EXPECT_NE(reply.find("((domain (domid 0)"), std::string::npos) << reply;
    EXPECT_NE(reply.find("(name legacy1)"), std::string::npos) << reply;
}

}  // namespace
}  // namespace xvm::test

namespace xvm::test {
namespace {

TEST_F(XendE2E, RunsAsXvmWithExactlyTheDeclaredCapabilities) {
    pid_t pid = xend_pid();
    ASSERT_GT(pid, 0);
    EXPECT_EQ(identity_mismatch(pid, "xend"), "");
}

TEST_F(XendE2E, RefusesAUserWithNeitherPrivilegeOnBothSocketsAndAcceptsXvmadm) {
    TestUsers users;
    users.add("xvmtnobody", "");
    users.add("xvmtadmin", "xvmadm");
    std::string refused = rpc("xend.domains", "[false]", "xvmtnobody");
    EXPECT_NE(refused.find("\"fault\": [2, \"permission denied: xend's XML-RPC socket serves only users holding "
                           "xvm_control or virt_manage; uid "),
              std::string::npos)
        << refused;
    std::string admitted = rpc("xend.domains", "[false]", "xvmtadmin");
    EXPECT_NE(admitted.find("\"ok\": [\"Domain-0\"]"), std::string::npos) << admitted;
    // The legacy socket, as the refused user: a clear 403.
    auto o = capture({"/usr/sbin/runuser", "-u", "xvmtnobody", "--", "/usr/bin/python3", "-c",
                      "import socket,sys\n"
                      "s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n"
                      "s.sendall(b'GET /xend/domain/ HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')\n"
                      "print(s.recv(65536).decode())",
                      legacy_socket()});
    EXPECT_NE(o.out.find("HTTP/1.1 403"), std::string::npos) << o.out << o.err;
    EXPECT_NE(o.out.find("(xend.err \"permission denied: xend's legacy socket serves only users holding "),
              std::string::npos)
        << o.out;
    // Each refusal is logged with uid and pid; xend serves on.
    EXPECT_TRUE(eventually([&] { return xend_log().find("refused") != std::string::npos; })) << xend_log();
    EXPECT_NE(rpc("xend.domains", "[false]").find("Domain-0"), std::string::npos);
}

}  // namespace
}  // namespace xvm::test

namespace xvm::test {
namespace {

std::string post(const std::string& body, const std::string& length = "") {
    return "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: " +
           (length.empty() ? std::to_string(body.size()) : length) + "\r\n\r\n" + body;
}

TEST_F(XendE2E, MalformedRequestsGetClearFaultsAndXendServesOn) {
    const std::string call = "<?xml version='1.0'?><methodCall><methodName>xend.domains</methodName>"
                             "<params><param><value><boolean>0</boolean></value></param></params></methodCall>";
    // Not XML, truncated XML, an entity attack, a body over the limit.
    std::string reply = http(xmlrpc_socket(), post("this is not XML"));
    EXPECT_NE(reply.find("<int>1</int>"), std::string::npos) << reply;
    EXPECT_NE(reply.find("malformed request"), std::string::npos) << reply;
    reply = http(xmlrpc_socket(), post(call.substr(0, call.size() / 2)));
    EXPECT_NE(reply.find("malformed request"), std::string::npos) << reply;
    reply = http(xmlrpc_socket(), post("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]>"
                                       "<methodCall><methodName>&a;</methodName></methodCall>"));
    EXPECT_NE(reply.find("malformed request"), std::string::npos) << reply;
    reply = http(xmlrpc_socket(), post("", "999999999"));
    EXPECT_NE(reply.find("HTTP/1.1 413"), std::string::npos) << reply;
    // A body cut short of its Content-Length by a client that gives up; a
    // request line libmicrohttpd cannot parse: the connection ends.
    http(xmlrpc_socket(), post(call.substr(0, 40), std::to_string(call.size())), true);
    reply = http(xmlrpc_socket(), "GET /RPC2 HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(reply.find("HTTP/1.1 501"), std::string::npos) << reply;
    EXPECT_EQ(http(xmlrpc_socket(), "garbage\r\n\r\n"), "");

    // Wrong argument counts and types, unknown methods, bad S-expressions.
    EXPECT_EQ(rpc("xend.domain.pause", "[]"),
              "{\"fault\": [1, \"xend.domain.pause(dom, state=False) takes 1 to 2 arguments, 0 given\"]}");
    EXPECT_EQ(rpc("xend.domain.pause", "[[1, 2]]"),
              "{\"fault\": [1, \"xend.domain.pause: argument 1 (dom) must be a domain name, id or UUID, not array\"]}");
    EXPECT_EQ(rpc("xend.domain.setMemoryTarget", "[\"Domain-0\", \"lots\"]"),
              "{\"fault\": [1, \"xend.domain.setMemoryTarget: argument 2 (mem) must be an integer, not string\"]}");
    EXPECT_EQ(rpc("xend.no.such.method"),
              "{\"ok\": {\"Status\": \"Failure\", \"ErrorDescription\": [\"MESSAGE_METHOD_UNKNOWN\", "
              "\"xend.no.such.method\"]}}");
    std::string bad = rpc("xend.domain.create", "[\"(vm (name x) (memory 64\"]");
    EXPECT_NE(bad.find("\"fault\": [1, \"xend.domain.create: argument 1 (config) is not an S-expression: line 1"),
              std::string::npos)
        << bad;
    bad = rpc("xend.domain.create", "[[\"vm\", [\"name\", \"bad name!\"], [\"memory\", 0], "
                                    "[\"on_crash\", \"explode\"], [\"image\", [\"linux\"]]]]");
    EXPECT_NE(bad.find("Invalid VM Name"), std::string::npos) << bad;
    EXPECT_NE(bad.find("memory_dynamic_max must be greater than zero"), std::string::npos) << bad;
    EXPECT_NE(bad.find("Invalid event handling mode: on_crash 'explode'"), std::string::npos) << bad;
    EXPECT_NE(bad.find("missing kernel"), std::string::npos) << bad;
    bad = rpc("xend.domain.create", config("nokernel", 32).replace(config("nokernel", 32).find(kKernel),
                                                                      std::string(kKernel).size(), "/boot/none"));
    EXPECT_EQ(bad, "{\"fault\": [2, \"Kernel image does not exist: /boot/none\"]}");

    // The legacy socket: no op, an unknown op, a bad S-expression, a big body.
    auto form = [&](const std::string& url, const std::string& body) {
        return http(legacy_socket(), "POST " + url + " HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                     "application/x-www-form-urlencoded\r\nContent-Length: " +
                                         std::to_string(body.size()) + "\r\n\r\n" + body);
    };
    EXPECT_NE(form("/xend/domain/Domain-0", "x=1").find("HTTP/1.1 406"), std::string::npos);
    reply = form("/xend/domain/Domain-0", "op=frobnicate");
    EXPECT_NE(reply.find("HTTP/1.1 501"), std::string::npos) << reply;
    EXPECT_NE(reply.find("Operation not implemented: frobnicate"), std::string::npos) << reply;
    reply = form("/xend/domain/", "op=create&config=%28vm+%28name");
    EXPECT_NE(reply.find("HTTP/1.1 500"), std::string::npos) << reply;
    EXPECT_NE(reply.find("(xend.err 'parameter config: line 1"), std::string::npos) << reply;
    reply = form("/xend/domain/", "op=create&config=" + std::string(20000, 'a'));
    EXPECT_NE(reply.find("HTTP/1.1 413"), std::string::npos) << reply;
    EXPECT_NE(http(legacy_socket(), "GET /xend/domain/nosuch HTTP/1.1\r\nHost: x\r\n\r\n").find("HTTP/1.1 500"),
              std::string::npos);

    // Still serving, still the same process.
    EXPECT_NE(rpc("xend.domains", "[false]").find("Domain-0"), std::string::npos) << xend_log();
    EXPECT_EQ(state("xctl/xend:default"), "online");
}

}  // namespace
}  // namespace xvm::test

namespace xvm::test {
namespace {

std::string disk(const std::string& image, const std::string& dev = "xvda", const std::string& mode = "w") {
    return "[\"device\", [\"vbd\", [\"uname\", \"file:" + image + "\"], [\"dev\", \"" + dev + "\"], [\"mode\", \"" +
           mode + "\"]]]";
}

// file_chown, xend's one capability: a client may give xvm its own disk
// images and nothing else.
TEST_F(XendE2E, FileBackedDisksAreGivenToXvmOnlyByTheirOwner) {
    TestUsers users;
    users.add("xvmtadmin", "xvmadm");
    ::mkdir(path("/images").c_str(), 0755);
    write_file(path("/images/root.img"), std::string(4096, '\0'));
    write_file(path("/images/other.img"), std::string(4096, '\0'));
    write_file(path("/images/mine.img"), std::string(4096, '\0'));
    ASSERT_EQ(::chown(path("/images/mine.img").c_str(), users.uid("xvmtadmin"), 0), 0);
    struct passwd* xvm = ::getpwnam("xvm");
    ASSERT_NE(xvm, nullptr);
    auto owner = [&](const std::string& f) {
        struct stat st {};
        ::stat(path(f).c_str(), &st);
        return st.st_uid;
    };
    // Root may give anything; the image now belongs to xvm.
    std::string r = rpc("xend.domain.create", config("disk1", 32, disk("/images/root.img")));
    ASSERT_NE(r.find("\"ok\""), std::string::npos) << r;
    EXPECT_EQ(owner("/images/root.img"), xvm->pw_uid);
    // A virt_manage user: not someone else's file...
    r = rpc("xend.domain.create", config("disk2", 32, disk("/images/other.img")), "xvmtadmin");
    EXPECT_NE(r.find("Disk image /images/other.img belongs to uid 0, not to the requesting uid"), std::string::npos)
        << r;
    EXPECT_EQ(owner("/images/other.img"), 0u);
    // ... nor through a link ...
    ASSERT_EQ(::symlink(path("/images/other.img").c_str(), path("/images/link.img").c_str()), 0);
    r = rpc("xend.domain.create", config("disk3", 32, disk("/images/link.img")), "xvmtadmin");
    EXPECT_NE(r.find("Disk image /images/link.img is a symbolic link: refused"), std::string::npos) << r;
    EXPECT_EQ(owner("/images/other.img"), 0u);
    // ... but its own.
    r = rpc("xend.domain.create", config("disk4", 32, disk("/images/mine.img")), "xvmtadmin");
    EXPECT_NE(r.find("\"ok\""), std::string::npos) << r;
    EXPECT_EQ(owner("/images/mine.img"), xvm->pw_uid);
    // A missing image and a bad specifier are named.
    r = rpc("xend.domain.create", config("disk5", 32, disk("/images/none.img")));
    EXPECT_NE(r.find("Disk image does not exist: /images/none.img"), std::string::npos) << r;
    r = rpc("xend.domain.create", config("disk6", 32, disk("/images/root.img", "xvdb", "rw")));
    EXPECT_NE(r.find("Invalid mode: rw"), std::string::npos) << r;
}

// The store entries of XEND.md section 10 and their permissions: the guest
// owns its home; /vm/<uuid> is dom0's, but for the uuid it may read.
TEST_F(XendE2E, StoreEntriesAndPermissions) {
    std::string created = rpc("xend.domain.create", config("store1", 32, disk("/images/s.img")));
    ASSERT_NE(created.find("Disk image does not exist"), std::string::npos);  // no image yet: nothing left behind
    ::mkdir(path("/images").c_str(), 0755);
    write_file(path("/images/s.img"), "x");
    created = rpc("xend.domain.create", config("store1", 32, disk("/images/s.img") + ", [\"vcpus\", 2]"));
    ASSERT_NE(created.find("\"ok\""), std::string::npos) << created;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(created, m, std::regex("\\[\"domid\", ([0-9]+)\\]")));
    std::string id = m[1];
    ASSERT_TRUE(std::regex_search(created, m, std::regex("\\[\"uuid\", \"([0-9a-f-]+)\"\\]")));
    std::string uuid = m[1];
    auto ls = [&](const std::string& p) {
        return capture({"/usr/bin/xenstore-ls", "-p", p}, {{"XENSTORED_PATH", path("/var/run/xenstored/socket")}}).out;
    };
    // The permissions shown at the end of the first line holding `what`.
    auto perms = [](const std::string& listing, const std::string& what) -> std::string {
        std::size_t at = listing.find(what);
        if (at == std::string::npos) return "(missing " + what + ")";
        std::size_t eol = listing.find('\n', at);
        std::size_t open = listing.rfind('(', eol);
        return listing.substr(open, eol - open);
    };
    std::string home = ls("/local/domain/" + id);
    EXPECT_EQ(perms(home, "vm = \"/vm/" + uuid + "\""), "(n" + id + ")") << home;
    for (const char* key : {"name = \"store1\"", "memory = \"\"", "target = \"32768\"", "console = \"\"",
                            "type = \"xenconsoled\"", "limit = \"1048576\"", "store = \"\"",
                            "availability = \"online\"", "platform-feature-multiprocessor-suspend = \"1\""})
        EXPECT_EQ(perms(home, key), "(n" + id + ")") << key << "\n" << home;
    // The frontend is readable by the backend (dom0).
    for (const char* key : {"51712 = \"\"", "virtual-device = \"51712\"", "device-type = \"disk\""})
        EXPECT_EQ(perms(home, key), "(n" + id + ",r0)") << key << "\n" << home;
    std::string vm = ls("/vm/" + uuid);
    EXPECT_EQ(perms(vm, "uuid = \"" + uuid + "\""), "(n0,r" + id + ")") << vm;  // guest-readable
    EXPECT_EQ(perms(vm, "name = \"store1\""), "(n0)") << vm;
    EXPECT_EQ(perms(vm, "on_crash = \"restart\""), "(n0)") << vm;
    EXPECT_EQ(perms(vm, "domid = \"" + id + "\""), "(n0)") << vm;
    std::string be = ls("/local/domain/0/backend/vbd/" + id);
    EXPECT_EQ(perms(be, "params = \"/images/s.img\""), "(n0,r" + id + ")") << be;
    // Destroy removes all of it.
    ASSERT_EQ(rpc("xend.domain.destroy", "[\"store1\"]"), "{\"ok\": null}");
    EXPECT_EQ(ls("/vm/" + uuid), "");
    EXPECT_EQ(ls("/local/domain/0/backend/vbd/" + id), "");
}

}  // namespace
}  // namespace xvm::test
