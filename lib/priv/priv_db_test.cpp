#include "lib/priv/priv_db.h"

#include <gtest/gtest.h>

#include "lib/priv/test_data.h"

#include "lib/priv/ucred.h"

namespace xvm {
namespace {

// "root" (gid 0) and "daemon" exist on every Debian system; use them as
// stand-ins for xvm and xvmadm so the test needs no provisioning.
TEST(PrivDb, GroupsGrantPrivileges) {
    auto db = PrivDb::parse(shipped_priv_names(), "xvm_control root\nvirt_manage daemon # c\n", "g");
    ASSERT_TRUE(db) << db.error().message;
    const PrivNames& n = db->names();
    PrivSet ctl = *n.set_of({"xvm_control"});
    PrivSet mgr = *n.set_of({"virt_manage"});
    EXPECT_EQ(db->privileges_for(0, 0, {}), n.all());
    EXPECT_EQ(db->privileges_for(1000, 0, {}), ctl);  // primary group
    EXPECT_EQ(db->privileges_for(1000, 1000, {1}), mgr);  // supplementary (daemon = 1)
    EXPECT_EQ(db->privileges_for(1000, 1000, {1, 0}), ctl | mgr);
    EXPECT_TRUE(db->privileges_for(1000, 1000, {100}).empty());
}

TEST(PrivDb, UnknownPrivilegeIsAnError) {
    auto db = PrivDb::parse(shipped_priv_names(), "xvm_control root\nxvm_kontrol root\nbad\n", "g");
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().message,
              "g:2: unknown privilege \"xvm_kontrol\"; g:3: expected \"privilege group\"");
}

TEST(PrivDb, MissingGroupGrantsNothingAndWarns) {
    auto db = PrivDb::parse(shipped_priv_names(), "virt_manage no-such-group-xyz\n", "g");
    ASSERT_TRUE(db);
    ASSERT_EQ(db->warnings().size(), 1u);
    EXPECT_EQ(db->warnings()[0],
              "g:1: group no-such-group-xyz does not exist; nobody holds virt_manage through it");
    EXPECT_TRUE(db->privileges_for(1000, 1000, {}).empty());
}

TEST(PrivDb, PermitsByPrivilege) {
    auto db = PrivDb::parse(shipped_priv_names(), "xvm_control root\n", "g");
    ASSERT_TRUE(db);
    PrivSet either = *db->names().set_of({"xvm_control", "virt_manage"});
    EXPECT_EQ(db->describe_any(either), "virt_manage or xvm_control");
    PeerCred outsider{.pid = 4242, .uid = 1234, .gid = 1234, .groups = {}, .privileges = {}};
    outsider.privileges = db->privileges_for(outsider.uid, outsider.gid, outsider.groups);
    EXPECT_FALSE(db->permits(outsider, either));
    PeerCred insider = outsider;
    insider.privileges = db->privileges_for(1234, 0, {});
    EXPECT_TRUE(db->permits(insider, either));
}

TEST(PrivDb, ShippedGroupsFileParses) {
    auto db = PrivDb::load(XVM_SOURCE_DIR "/privileges/priv_names",
                           XVM_SOURCE_DIR "/privileges/priv_groups");
    ASSERT_TRUE(db) << db.error().message;
}

}  // namespace
}  // namespace xvm
