#include "lib/base/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace xvm {
namespace {

std::string logged(std::string_view message) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    log_set_fd(fds[1]);
    log_info(message);
    log_set_fd(STDERR_FILENO);
    ::close(fds[1]);
    char buf[4096];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    ::close(fds[0]);
    std::string line(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    return line.substr(line.find("]: ") + 3);
}

TEST(Log, ControlCharactersCannotForgeOrHideLines) {
    EXPECT_EQ(logged("plain text"), "plain text\n");
    EXPECT_EQ(logged("a\n2026-01-01T00:00:00.000Z xend[1]: forged"),
              "a\\n2026-01-01T00:00:00.000Z xend[1]: forged\n");
    EXPECT_EQ(logged("\x1b[2Jclear\r\ttab\\"), "\\x1b[2Jclear\\x0d\\ttab\\\\\n");
    EXPECT_EQ(logged(std::string_view("nul\0byte", 8)), "nul\\x00byte\n");
    EXPECT_EQ(logged("caf\xc3\xa9"), "caf\xc3\xa9\n");  // UTF-8 passes as it is
}

}  // namespace
}  // namespace xvm
