// Python 2's repr()/str() as xend's wire formats use them. Expected values
// follow CPython 2.7's string_repr (Objects/stringobject.c) and float str
// ("%.12g" + ".0"), as XEND.md 1.1 and 2.5 describe.
#include "lib/rpc/pystr.h"

#include <gtest/gtest.h>

namespace xvm::rpc {
namespace {

TEST(PyStr, ReprChoosesQuotesAsPython2) {
    EXPECT_EQ(python_repr("web01"), "'web01'");
    EXPECT_EQ(python_repr("it's"), "\"it's\"");
    EXPECT_EQ(python_repr("say \"hi\""), "'say \"hi\"'");
    EXPECT_EQ(python_repr("it's \"x\""), "'it\\'s \"x\"'");
    EXPECT_EQ(python_repr(""), "''");
}

TEST(PyStr, ReprEscapes) {
    EXPECT_EQ(python_repr("a\tb\nc\rd\\e"), "'a\\tb\\nc\\rd\\\\e'");
    EXPECT_EQ(python_repr(std::string("\x00\x01\x1f\x7f", 4)), "'\\x00\\x01\\x1f\\x7f'");
    EXPECT_EQ(python_repr("caf\xc3\xa9"), "'caf\\xc3\\xa9'");
    EXPECT_EQ(python_repr_body("line1\nline2"), "line1\\nline2");
}

TEST(PyStr, UnescapeUndoesReprForEveryByte) {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    all += "it's \"quoted\" \\ done";
    auto back = python_unescape(python_repr_body(all));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, all);
}

TEST(PyStr, UnescapeAsAPythonLiteral) {
    EXPECT_EQ(*python_unescape("\\101\\x42\\n"), "AB\n");
    EXPECT_EQ(*python_unescape("a\\\nb"), "ab");         // continuation line
    EXPECT_EQ(*python_unescape("\\q\\d"), "\\q\\d");     // unknown escapes kept
    EXPECT_EQ(*python_unescape("it's"), "it's");         // conv_string's \047
    EXPECT_EQ(*python_unescape("\\0"), std::string(1, '\0'));
    EXPECT_EQ(*python_unescape("\\1234"), "S4");          // at most 3 octal digits
}

TEST(PyStr, UnescapeErrors) {
    auto lone = python_unescape("abc\\");
    ASSERT_FALSE(lone);
    EXPECT_EQ(lone.error().message, "string ends in a lone backslash at offset 3");
    auto hex = python_unescape("x\\x4");
    ASSERT_FALSE(hex);
    EXPECT_EQ(hex.error().message, "invalid \\x escape at offset 1");
    EXPECT_FALSE(python_unescape("\\xzz"));
}

TEST(PyStr, FloatStrHasTwelveSignificantDigits) {
    EXPECT_EQ(python_float_str(1221745032.5234), "1221745032.52");
    EXPECT_EQ(python_float_str(42.318007121), "42.318007121");
    EXPECT_EQ(python_float_str(1.0), "1.0");
    EXPECT_EQ(python_float_str(0.0), "0.0");
    EXPECT_EQ(python_float_str(-2.5), "-2.5");
    EXPECT_EQ(python_float_str(1e16), "1e+16");
    EXPECT_EQ(python_float_str(1e-5), "1e-05");
    EXPECT_EQ(python_float_str(1.0 / 3), "0.333333333333");
    EXPECT_EQ(python_float_str(1.0 / 0.0), "inf");
}

}  // namespace
}  // namespace xvm::rpc
