// The syntax of xm configuration files: the Python 2 subset config_file.h
// describes (XEND.md section 4; the original executed the file with
// execfile(), tools/python/xen/xm/opts.py load()).
#include "cmd/xm/config_file.h"

#include <gtest/gtest.h>

namespace xvm::xm {

inline void PrintTo(const ConfigValue& v, std::ostream* os) { *os << v.repr(); }
inline void PrintTo(const ConfigProblem& p, std::ostream* os) { *os << "line " << p.line << ": " << p.text; }

namespace {

ConfigValue S(std::string s) { return ConfigValue{std::move(s)}; }
ConfigValue I(std::int64_t i) { return ConfigValue{i}; }
ConfigValue L(ConfigValue::List l) { return ConfigValue{std::move(l)}; }

// The value of the last assignment to `key`.
ConfigValue value_of(const ParsedConfig& c, std::string_view key) {
    for (auto it = c.assignments.rbegin(); it != c.assignments.rend(); ++it)
        if (it->key == key) return it->value;
    ADD_FAILURE() << "no assignment to " << key;
    return {};
}

std::vector<ConfigProblem> problems_of(std::string_view text) { return parse_config_file(text).problems; }

TEST(ConfigFile, TheShippedExampleShape) {
    auto c = parse_config_file(R"(#  -*- mode: python; -*-
# A guest for the simulated hypervisor.
kernel = "/usr/lib/xvm/guest"
memory = 64
name   = "example"
vcpus  = 2
cpus   = "0-3,^1"
disk   = [ 'file:/var/lib/xvm/example.img,xvda,w',
           'phy:/dev/vg0/x,xvdb,r', ]   # a trailing comma
vif    = [ '' ]
extra  = 'console=hvc0 ' \
         "quiet"
on_crash = 'coredump-restart'
)");
    EXPECT_TRUE(c.problems.empty()) << c.problems.size();
    ASSERT_EQ(c.assignments.size(), 9u);
    EXPECT_EQ(c.assignments[0].key, "kernel");
    EXPECT_EQ(c.assignments[0].line, 3);
    EXPECT_EQ(value_of(c, "memory"), I(64));
    EXPECT_EQ(value_of(c, "disk"), L({S("file:/var/lib/xvm/example.img,xvda,w"), S("phy:/dev/vg0/x,xvdb,r")}));
    EXPECT_EQ(value_of(c, "vif"), L({S("")}));
    EXPECT_EQ(value_of(c, "extra"), S("console=hvc0 quiet"));
    EXPECT_EQ(c.assignments[6].line, 10);  // vif: after the two-line disk list
    EXPECT_EQ(c.assignments[8].line, 13);
}

TEST(ConfigFile, StringsAsPython2) {
    auto c = parse_config_file(
        "a = 'it\\'s'\nb = \"tab\\there\"\nc = r'C:\\new'\nd = '''multi\nline'''\ne = \"\\x41\\101\"\n"
        "f = u'unicode'\ng = 'a' 'b'  \"c\"\nh = 'x' + 'y'\n");
    EXPECT_TRUE(c.problems.empty());
    EXPECT_EQ(value_of(c, "a"), S("it's"));
    EXPECT_EQ(value_of(c, "b"), S("tab\there"));
    EXPECT_EQ(value_of(c, "c"), S("C:\\new"));
    EXPECT_EQ(value_of(c, "d"), S("multi\nline"));
    EXPECT_EQ(value_of(c, "e"), S("AA"));
    EXPECT_EQ(value_of(c, "f"), S("unicode"));
    EXPECT_EQ(value_of(c, "g"), S("abc"));
    EXPECT_EQ(value_of(c, "h"), S("xy"));
}

TEST(ConfigFile, NumbersAsPython2) {
    auto c = parse_config_file("a = 0x10\nb = 0755\nc = 0o17\nd = 12L\ne = -3\nf = 1.5\ng = 1e3\nh = 0\ni = 2 + 3\n");
    EXPECT_TRUE(c.problems.empty());
    EXPECT_EQ(value_of(c, "a"), I(16));
    EXPECT_EQ(value_of(c, "b"), I(493));
    EXPECT_EQ(value_of(c, "c"), I(15));
    EXPECT_EQ(value_of(c, "d"), I(12));
    EXPECT_EQ(value_of(c, "e"), I(-3));
    EXPECT_EQ(value_of(c, "f"), ConfigValue{1.5});
    EXPECT_EQ(value_of(c, "g"), ConfigValue{1000.0});
    EXPECT_EQ(value_of(c, "h"), I(0));
    EXPECT_EQ(value_of(c, "i"), I(5));
}

TEST(ConfigFile, NamesAndLiteralsOfPython) {
    auto c = parse_config_file("memory = 256\nmaxmem = memory\nx = True\ny = None\nz = [memory, [1, 'a']]; w = 'v'\n");
    EXPECT_TRUE(c.problems.empty());
    EXPECT_EQ(value_of(c, "maxmem"), I(256));
    EXPECT_EQ(value_of(c, "x"), ConfigValue{true});
    EXPECT_EQ(value_of(c, "y").kind(), ConfigValue::Kind::kNone);
    EXPECT_EQ(value_of(c, "z"), L({I(256), L({I(1), S("a")})}));
    EXPECT_EQ(value_of(c, "w"), S("v"));
    EXPECT_EQ(value_of(c, "z").repr(), "[256, [1, 'a']]");
}

TEST(ConfigFile, EveryProblemIsReportedWithItsLine) {
    auto problems = problems_of(
        "memory = 128\n"             // 1 ok
        "name = 'open\n"             // 2 unterminated
        "vcpus = 2 3\n"              // 3 junk after value
        "  kernel = '/k'\n"          // 4 indented
        "import os\n"                // 5 a statement
        "disk = ['a',\n"             // 6 unclosed list, up to the end
        "extra = 'x'\n");
    ASSERT_EQ(problems.size(), 5u);
    EXPECT_EQ(problems[0], (ConfigProblem{2, "the string opened here is not closed before the end of the line"}));
    EXPECT_EQ(problems[1], (ConfigProblem{3, "unexpected number 3 after the value"}));
    EXPECT_EQ(problems[2], (ConfigProblem{4, "unexpected indent"}));
    EXPECT_EQ(problems[3], (ConfigProblem{5, "'import' statements are not supported, only settings (name = value)"}));
    EXPECT_EQ(problems[4], (ConfigProblem{6, "a bracket opened here is never closed"}));
}

TEST(ConfigFile, MoreProblems) {
    EXPECT_EQ(problems_of("x = y\n"),
              (std::vector<ConfigProblem>{{1, "name 'y' is not defined (values must be written out)"}}));
    EXPECT_EQ(problems_of("x = (1, 2)\n"),
              (std::vector<ConfigProblem>{{1, "tuples are not supported: write a list [...]"}}));
    EXPECT_EQ(problems_of("x = 'a' + 1\n"), (std::vector<ConfigProblem>{{1, "cannot add 'a' and 1"}}));
    EXPECT_EQ(problems_of("x = 12abc\n"), (std::vector<ConfigProblem>{{1, "invalid number '12abc'"}}));
    EXPECT_EQ(problems_of("x = 08\n"), (std::vector<ConfigProblem>{{1, "invalid number '08'"}}));
    EXPECT_EQ(problems_of("x = 99999999999999999999\n"),
              (std::vector<ConfigProblem>{{1, "invalid number '99999999999999999999'"}}));
    EXPECT_EQ(problems_of("x = '\\x4'\n"),
              (std::vector<ConfigProblem>{{1, "bad string literal: invalid \\x escape at offset 0"}}));
    EXPECT_EQ(problems_of("x = [1 2]\n"), (std::vector<ConfigProblem>{{1, "expected ',' or ']' in a list, found number 2"}}));
    EXPECT_EQ(problems_of("x = ]\n"), (std::vector<ConfigProblem>{{1, "unmatched ']'"}}));
    EXPECT_EQ(problems_of("x = 1 * 2\n"), (std::vector<ConfigProblem>{{1, "unexpected '*' after the value"}}));
    EXPECT_EQ(problems_of("x = \n"), (std::vector<ConfigProblem>{{1, "a value is missing"}}));
    EXPECT_EQ(problems_of("= 3\n"), (std::vector<ConfigProblem>{{1, "expected a setting (name = value), found '='"}}));
    EXPECT_EQ(problems_of("True = 3\n"), (std::vector<ConfigProblem>{{1, "'True' cannot be assigned to"}}));
    EXPECT_EQ(problems_of("x = '''never\nclosed\n"),
              (std::vector<ConfigProblem>{{1, "a triple-quoted string opened here is never closed"}}));
    EXPECT_EQ(problems_of("x = 1\x01\n"), (std::vector<ConfigProblem>{{1, "invalid character code 1"}}));
}

TEST(ConfigFile, RecoversAfterAnError) {
    auto c = parse_config_file("a = ]\nb = 2\nc = 'x\nd = 4\n");
    EXPECT_EQ(c.problems.size(), 2u);
    ASSERT_EQ(c.assignments.size(), 2u);
    EXPECT_EQ(c.assignments[0].key, "b");
    EXPECT_EQ(c.assignments[1].key, "d");
    EXPECT_EQ(c.assignments[1].line, 4);
}

TEST(ConfigFile, CommentsBlankLinesAndLineEndings) {
    auto c = parse_config_file("\n# c\n   # indented comment is fine\r\nx = 1 # trailing\r\n\n y_not_indented_after = 0\n");
    ASSERT_EQ(c.problems.size(), 1u);
    EXPECT_EQ(c.problems[0], (ConfigProblem{6, "unexpected indent"}));
    EXPECT_EQ(value_of(c, "x"), I(1));
    EXPECT_TRUE(parse_config_file("").assignments.empty());
    EXPECT_TRUE(parse_config_file("x = 1").problems.empty());  // no final newline
}

TEST(ConfigFile, Limits) {
    std::string deep = "x = " + std::string(40, '[') + std::string(40, ']') + "\n";
    EXPECT_EQ(problems_of(deep), (std::vector<ConfigProblem>{{1, "lists nested deeper than 16"}}));
    std::string big(kMaxConfigBytes + 1, ' ');
    auto p = problems_of(big);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].line, 0);
    std::string wide = "x = [";
    for (std::size_t i = 0; i <= kMaxListItems; ++i) wide += "1,";
    wide += "]\n";
    EXPECT_EQ(problems_of(wide), (std::vector<ConfigProblem>{{1, "more than 65536 values in one setting"}}));
}

}  // namespace
}  // namespace xvm::xm
