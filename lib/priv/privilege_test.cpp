#include "lib/priv/privilege.h"

#include <gtest/gtest.h>

namespace xvm {
namespace {

constexpr const char* kBasicEntries =
    "file_link_any\n\tlink\n\nfile_read\n\tread\n\nfile_write\n\twrite\n\n"
    "net_access\n\tnet\n\nproc_exec\n\texec\n\nproc_fork\n\tfork\n\n"
    "proc_info\n\tinfo\n\nproc_secflags\n\tsecflags\n\nproc_session\n\tsession\n\n";

PrivNames small_names() {
    std::string text = std::string("# comment\n") + kBasicEntries +
                       "file_chown\n\tChange owners\n\tof files.\n\n"
                       "virt_manage\n\tManage VMs.\n\nxvm_control\n\tControl Xen.\n";
    Result<PrivNames> names = PrivNames::parse(text, "test");
    EXPECT_TRUE(names) << names.error().message;
    return std::move(names).value();
}

TEST(PrivNames, ParsesSolarisLayout) {
    PrivNames names = small_names();
    EXPECT_EQ(names.size(), 12u);
    auto chown = names.index_of("file_chown");
    ASSERT_TRUE(chown);
    EXPECT_EQ(names.description(*chown), "Change owners of files.");
}

TEST(PrivNames, LookupIsCaseInsensitiveWithOptionalPrefix) {
    PrivNames names = small_names();
    EXPECT_EQ(names.index_of("PRIV_XVM_CONTROL"), names.index_of("xvm_control"));
    EXPECT_EQ(names.index_of("Virt_Manage"), names.index_of("virt_manage"));
    EXPECT_FALSE(names.index_of("xvm_kontrol"));
}

TEST(PrivNames, RejectsMalformedFiles) {
    auto stray = PrivNames::parse("\tdescription first\n", "f");
    ASSERT_FALSE(stray);
    EXPECT_EQ(stray.error().message, "f:1: description without a privilege");

    auto bad_name = PrivNames::parse(std::string(kBasicEntries) + "Bad-Name\n", "f");
    ASSERT_FALSE(bad_name);
    EXPECT_NE(bad_name.error().message.find("invalid privilege name \"Bad-Name\""),
              std::string::npos);

    auto twice = PrivNames::parse(std::string(kBasicEntries) + "proc_fork\n", "f");
    ASSERT_FALSE(twice);
    EXPECT_NE(twice.error().message.find("privilege proc_fork defined twice"), std::string::npos);

    auto no_basic = PrivNames::parse("xvm_control\n\tx\n", "f");
    ASSERT_FALSE(no_basic);
    EXPECT_EQ(no_basic.error().message, "f: basic privilege file_link_any is not defined");
}

TEST(PrivNames, UnknownNamesAreErrorsNotFalse) {
    PrivNames names = small_names();
    auto set = names.set_of({"xvm_control", "xvm_contro1"});
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().message, "unknown privilege \"xvm_contro1\"");
    auto spec = names.parse_spec("basic,!nosuch");
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message, "unknown privilege \"nosuch\" in \"basic,!nosuch\"");
}

TEST(PrivNames, SpecsAreReadLeftToRight) {
    PrivNames names = small_names();
    auto set = names.parse_spec("basic,!proc_info,file_chown");
    ASSERT_TRUE(set);
    EXPECT_EQ(set->count(), 9u);
    EXPECT_TRUE(set->contains(*names.index_of("file_chown")));
    EXPECT_FALSE(set->contains(*names.index_of("proc_info")));

    auto all_but = names.parse_spec("all,-xvm_control");
    ASSERT_TRUE(all_but);
    EXPECT_EQ(all_but->count(), names.size() - 1);
    EXPECT_EQ(names.to_string(*names.parse_spec("none")), "none");
    EXPECT_TRUE(names.parse_spec("")->empty());
    EXPECT_EQ(names.to_string(*names.parse_spec("xvm_control,virt_manage")),
              "virt_manage,xvm_control");
}

TEST(PrivSet, SetOperations) {
    PrivNames names = small_names();
    PrivSet a = *names.set_of({"xvm_control", "file_chown"});
    PrivSet b = *names.set_of({"xvm_control", "virt_manage"});
    EXPECT_EQ(names.to_string(a | b), "file_chown,virt_manage,xvm_control");
    EXPECT_EQ(names.to_string(a & b), "xvm_control");
    EXPECT_EQ(names.to_string(a - b), "file_chown");
    EXPECT_TRUE(a.intersects(b));
    EXPECT_FALSE((a - b).intersects(b));
    EXPECT_TRUE((a & b).is_subset_of(a));
    EXPECT_FALSE(a.is_subset_of(b));
    EXPECT_TRUE(PrivSet().empty());
    EXPECT_TRUE(PrivSet().is_subset_of(a));
    EXPECT_EQ(names.basic() | names.all(), names.all());
}

TEST(PrivNames, ShippedFileParses) {
    auto names = PrivNames::load(XVM_SOURCE_DIR "/privileges/priv_names");
    ASSERT_TRUE(names) << names.error().message;
    EXPECT_TRUE(names->index_of("xvm_control"));
    EXPECT_TRUE(names->index_of("virt_manage"));
    EXPECT_EQ(names->basic().count(), 9u);
    EXPECT_FALSE(names->description(*names->index_of("xvm_control")).empty());
}

TEST(PrivNames, MissingFileNamesThePath) {
    auto names = PrivNames::load("/nonexistent/priv_names");
    ASSERT_FALSE(names);
    EXPECT_EQ(names.error().message, "cannot open /nonexistent/priv_names: No such file or directory");
}

}  // namespace
}  // namespace xvm
