#include "lib/smf/smf_types.h"

#include <gtest/gtest.h>

namespace xvm::smf {
namespace {

TEST(SmfTypes, ValidatesAndCanonicalises) {
    EXPECT_EQ(*validate_value(PropType::Boolean, "true"), "true");
    EXPECT_EQ(*validate_value(PropType::Integer, "+007"), "7");
    EXPECT_EQ(*validate_value(PropType::Integer, "-5"), "-5");
    EXPECT_EQ(*validate_value(PropType::Count, "18446744073709551615"), "18446744073709551615");
    EXPECT_EQ(*validate_value(PropType::NetAddrV4, "127.0.0.1"), "127.0.0.1");
    EXPECT_EQ(*validate_value(PropType::NetAddr, "::1"), "::1");
    EXPECT_EQ(*validate_value(PropType::Host, "localhost"), "localhost");
    EXPECT_EQ(*validate_value(PropType::Time, "12.5"), "12.500000000");
    EXPECT_EQ(*validate_value(PropType::Astring, ""), "");
}

// libscf's scf_value_set_from_string() (illumos usr/src/lib/libscf/common/
// illumos lowlevel.c): booleans true/t/1 false/f/0; counts and integers with C's
// base prefixes; times with at most nine fraction digits, printed
// "%lld.%09u".
TEST(SmfTypes, ValuesAsLibscfParsesThem) {
    EXPECT_EQ(*validate_value(PropType::Boolean, "t"), "true");
    EXPECT_EQ(*validate_value(PropType::Boolean, "f"), "false");
    EXPECT_EQ(*validate_value(PropType::Boolean, "0"), "false");
    EXPECT_FALSE(validate_value(PropType::Boolean, "yes"));
    EXPECT_EQ(*validate_value(PropType::Count, "0x10"), "16");
    EXPECT_EQ(*validate_value(PropType::Count, "010"), "8");
    EXPECT_EQ(*validate_value(PropType::Count, "-1"), "18446744073709551615");  // strtoul wraps
    EXPECT_EQ(*validate_value(PropType::Integer, "-0x10"), "-16");
    EXPECT_EQ(*validate_value(PropType::Integer, " 12"), "12");
    EXPECT_FALSE(validate_value(PropType::Integer, "08"));  // octal
    EXPECT_FALSE(validate_value(PropType::Integer, "12 "));
    EXPECT_FALSE(validate_value(PropType::Integer, "9223372036854775808"));
    EXPECT_EQ(*validate_value(PropType::Time, "1.000000001"), "1.000000001");
    EXPECT_EQ(*validate_value(PropType::Time, "7.0"), "7");
    EXPECT_FALSE(validate_value(PropType::Time, "1.0000000001"));
    EXPECT_FALSE(validate_value(PropType::Time, "1."));
    EXPECT_FALSE(validate_value(PropType::Time, "0x10"));
}

TEST(SmfTypes, RejectsWithReason) {
    EXPECT_EQ(validate_value(PropType::Integer, "abc").error().message,
              "\"abc\" is not a valid integer");
    EXPECT_FALSE(validate_value(PropType::Boolean, "TRUE"));
    EXPECT_FALSE(validate_value(PropType::Count, "18446744073709551616"));
    EXPECT_FALSE(validate_value(PropType::NetAddrV4, "300.1.1.1"));
    EXPECT_FALSE(validate_value(PropType::Hostname, "-bad"));
    EXPECT_FALSE(validate_value(PropType::Opaque, "abc"));
    EXPECT_FALSE(validate_value(PropType::Fmri, "store"));
    EXPECT_FALSE(validate_value(PropType::Time, "1.x"));
}

TEST(SmfTypes, EncodeDecodeRoundTrip) {
    PgSet set;
    auto& g = set.get_or_add("config", "application");
    g.set(Property{"s", PropType::Astring, {"a \"quoted\"\tvalue\n", "", "\\"}});
    g.set(Property{"n", PropType::Integer, {"196"}});
    set.get_or_add("restarter", "framework", false);
    auto back = decode(encode(set));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, set);
    EXPECT_FALSE(decode("prop x astring \"a\"\n"));  // no group
    EXPECT_FALSE(decode("pg x y P\nprop a nosuchtype 1\n"));
    EXPECT_FALSE(decode("pg x y P\nprop a astring \"open\n"));
}

TEST(SmfTypes, ComposeTakesInstanceFirst) {
    PgSet svc, inst;
    svc.get_or_add("config", "application").set(Property{"a", PropType::Integer, {"1"}});
    svc.get_or_add("config", "application").set(Property{"b", PropType::Integer, {"2"}});
    inst.get_or_add("config", "application").set(Property{"a", PropType::Integer, {"10"}});
    PgSet c = compose(svc, inst);
    EXPECT_EQ(c.first("config", "a"), "10");
    EXPECT_EQ(c.first("config", "b"), "2");
}

TEST(SmfTypes, Names) {
    EXPECT_TRUE(check_name("property", "dom0-min-mem"));
    EXPECT_FALSE(check_name("property", "a/b"));
    EXPECT_FALSE(check_name("property", ""));
    EXPECT_FALSE(check_name("property", "1abc"));
}

}  // namespace
}  // namespace xvm::smf
