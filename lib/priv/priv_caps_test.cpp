#include "lib/priv/priv_caps.h"

#include <gtest/gtest.h>
#include <sys/capability.h>

#include "lib/priv/test_data.h"

#include "lib/base/file.h"

namespace xvm {
namespace {

TEST(CapTable, ShippedTableCoversEveryPrivilege) {
    PrivNames names = shipped_priv_names();
    auto table = CapTable::load(names, XVM_SOURCE_DIR "/privileges/priv_caps");
    ASSERT_TRUE(table) << table.error().message;
    auto caps = table->capabilities_for(*names.parse_spec("basic,file_chown"));
    EXPECT_EQ(caps, cap_bit(CAP_CHOWN));
    EXPECT_EQ(table->capabilities_for(names.basic()), 0u);
    EXPECT_EQ(table->capabilities_for(*names.parse_spec("proc_setid,proc_owner")),
              cap_bit(CAP_KILL) | cap_bit(CAP_SETGID) | cap_bit(CAP_SETUID) |
                  cap_bit(CAP_SYS_PTRACE));
}

TEST(CapTable, EveryMistakeIsReported) {
    PrivNames names = shipped_priv_names();
    auto text = read_text_file(XVM_SOURCE_DIR "/privileges/priv_caps");
    ASSERT_TRUE(text);
    std::string broken = *text + "file_chown CAP_CHOWN\nnot_a_priv -\n";
    broken.replace(broken.find("sys_time"), 8, "sys_time CAP_NOPE\n#");
    auto table = CapTable::parse(names, broken, "t");
    ASSERT_FALSE(table);
    const std::string& msg = table.error().message;
    EXPECT_NE(msg.find("privilege file_chown listed twice"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unknown privilege \"not_a_priv\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("unknown capability \"CAP_NOPE\""), std::string::npos) << msg;
}

TEST(CapTable, MissingPrivilegeIsAnError) {
    PrivNames names = shipped_priv_names();
    auto table = CapTable::parse(names, "file_chown CAP_CHOWN\n", "t");
    ASSERT_FALSE(table);
    EXPECT_NE(table.error().message.find("t: privilege xvm_control has no line"),
              std::string::npos);
}

}  // namespace
}  // namespace xvm
