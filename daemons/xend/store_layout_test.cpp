#include "daemons/xend/store_layout.h"

#include <gtest/gtest.h>

#include "daemons/xend/uuid.h"

namespace xvm::xend {
namespace {

using Kind = StoreOp::Kind;

DomainSpec guest() {
    auto v = rpc::parse_sexpr("(vm (name g) (memory 64) (vcpus 2) (vcpu_avail 1)"
                              " (uuid 00000000-0000-4000-8000-000000000001) (image (linux (kernel /k)))"
                              " (device (vbd (uname file:/d.img) (dev xvda) (mode w) (uuid u-vbd)))"
                              " (device (vif (mac 00:16:3e:00:00:01) (bridge br0) (uuid u-vif)))"
                              " (device (vfb (type vnc) (uuid u-vfb))))");
    return *parse_domain_config(*v);
}

const StoreOp* find(const std::vector<StoreOp>& ops, Kind kind, const std::string& path) {
    for (const StoreOp& op : ops)
        if (op.kind == kind && op.path == path) return &op;
    return nullptr;
}

std::string value(const std::vector<StoreOp>& ops, const std::string& path) {
    const StoreOp* op = find(ops, Kind::kWrite, path);
    return op ? op->value : "(not written)";
}

TEST(StoreLayout, TheGuestOwnsItsHomeAndNothingOfXends) {
    DomainSpec s = guest();
    DomainInfo info;
    info.store_port = 1;
    info.console_port = 2;
    LayoutInput in{&s, 7, info, 1000.5, 0, 0, 1024, "127.0.0.1", "pw"};
    auto ops = domain_layout(in);
    const std::string vm = "/vm/00000000-0000-4000-8000-000000000001";
    // Each directory is made and given its permissions before anything is
    // written under it (children inherit).
    auto index = [&](Kind k, const std::string& p) {
        for (std::size_t i = 0; i < ops.size(); ++i)
            if (ops[i].kind == k && ops[i].path == p) return static_cast<long>(i);
        return -1L;
    };
    EXPECT_LT(index(Kind::kPerms, "/local/domain/7"), index(Kind::kWrite, "/local/domain/7/name"));
    EXPECT_LT(index(Kind::kRemove, "/local/domain/7"), index(Kind::kMkdir, "/local/domain/7"));
    EXPECT_EQ(find(ops, Kind::kPerms, "/local/domain/7")->perms, (std::vector<XsPerm>{{7, 'n'}}));
    EXPECT_EQ(find(ops, Kind::kPerms, vm)->perms, (std::vector<XsPerm>{{0, 'n'}}));
    EXPECT_EQ(find(ops, Kind::kPerms, vm + "/uuid")->perms, (std::vector<XsPerm>{{0, 'n'}, {7, 'r'}}));
    EXPECT_EQ(find(ops, Kind::kPerms, "/local/domain/7/device/vbd/51712")->perms,
              (std::vector<XsPerm>{{7, 'n'}, {0, 'r'}}));
    EXPECT_EQ(find(ops, Kind::kPerms, "/local/domain/0/backend/vbd/7/51712")->perms,
              (std::vector<XsPerm>{{0, 'n'}, {7, 'r'}}));
    EXPECT_EQ(value(ops, "/local/domain/7/vm"), vm);
    EXPECT_EQ(value(ops, "/local/domain/7/memory/target"), "65536");
    EXPECT_EQ(value(ops, "/local/domain/7/console/limit"), "1048576");
    EXPECT_EQ(value(ops, "/local/domain/7/console/port"), "2");
    EXPECT_EQ(value(ops, "/local/domain/7/store/port"), "1");
    EXPECT_EQ(value(ops, "/local/domain/7/cpu/0/availability"), "online");
    EXPECT_EQ(value(ops, "/local/domain/7/cpu/1/availability"), "offline");  // vcpu_avail 1
    EXPECT_EQ(value(ops, "/local/domain/0/backend/vbd/7/51712/params"), "/d.img");
    EXPECT_EQ(value(ops, "/local/domain/0/backend/vif/7/0/bridge"), "br0");
    EXPECT_EQ(value(ops, vm + "/device/vif/0/bridge"), "br0");
    EXPECT_EQ(value(ops, vm + "/start_time"), "1000.5");
    EXPECT_EQ(value(ops, vm + "/xend/domid"), "7");
    EXPECT_EQ(value(ops, "/local/domain/0/backend/vfb/7/0/vnclisten"), "127.0.0.1");
    // The VNC password only where the guest cannot read it.
    EXPECT_EQ(value(ops, vm + "/device/vfb/0/vncpasswd"), "pw");
    for (const StoreOp& op : ops)
        if (op.kind == Kind::kWrite && op.value == "pw") {
            EXPECT_EQ(op.path.rfind("/vm/", 0), 0u) << op.path;
        }
    // The stored configuration rebuilds the same domain.
    auto stored = rpc::parse_sexpr(value(ops, vm + "/xend/config"));
    ASSERT_TRUE(stored);
    auto again = parse_domain_config(*stored);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->name, "g");
    EXPECT_EQ(again->vcpu_avail, 1u);
}

TEST(StoreLayout, TeardownRemovesHomeBackendsAndVm) {
    DomainSpec s = guest();
    auto ops = teardown_layout(s, 7, false);
    std::vector<std::string> paths;
    for (const StoreOp& op : ops) {
        EXPECT_EQ(op.kind, Kind::kRemove);
        paths.push_back(op.path);
    }
    EXPECT_EQ(paths, (std::vector<std::string>{"/local/domain/7", "/local/domain/0/backend/vbd/7",
                                               "/local/domain/0/backend/vif/7", "/local/domain/0/backend/vfb/7",
                                               "/vm/00000000-0000-4000-8000-000000000001"}));
    EXPECT_EQ(teardown_layout(s, 7, true).size(), 4u);  // a managed domain keeps nothing of /vm either way
}

}  // namespace
}  // namespace xvm::xend
