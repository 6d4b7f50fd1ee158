#include "daemons/svc.startd/svclog.h"

#include <gtest/gtest.h>

namespace xvm::startd {
namespace {

// An exec string or a property name with a newline cannot forge a line.
TEST(SvcLog, ControlCharactersAreEscaped) {
    EXPECT_EQ(printable("plain text"), "plain text");
    EXPECT_EQ(printable("a\nb\tc\x01\x7f"), "a\\nb\\tc\\x01\\x7f");
    std::string line = log_line("Executing start method (\"x\n[ Nov 22 18:04:45 Method \"start\" exited ]\").");
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    EXPECT_TRUE(line.ends_with("exited ]\"). ]\n")) << line;
}

}  // namespace
}  // namespace xvm::startd
