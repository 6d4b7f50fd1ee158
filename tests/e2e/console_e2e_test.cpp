// xenconsoled and `xm console` end to end under svc.startd on the
// simulated hypervisor: the "done when" list, each as a test.
#include <signal.h>
#include <sys/wait.h>

#include "tests/e2e/console_fixture.h"

namespace xvm::test {
namespace {

using namespace std::chrono_literals;

TEST_F(ConsoleStack, BannerCommandAndDetachThroughXmConsole) {
    DomId dom = boot_guest("web");
    EXPECT_EQ(identity_mismatch(xenconsoled(), "xenconsoled"), "");
    Terminal term(xm({"console", "web"}), env());
    struct termios before = term.modes();
    ASSERT_TRUE(term.expect("booting")) << term.output() << console_log();
    ASSERT_TRUE(term.expect("console ready")) << term.output();
    term.mark();
    term.type("uname\r");
    EXPECT_TRUE(term.expect("xvm-guest 1.0 domain " + std::to_string(dom))) << term.output();
    term.type("\x1d");
    auto st = term.wait();
    ASSERT_TRUE(st) << term.output();
    EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << *st;
    struct termios after = term.modes();
    EXPECT_EQ(after.c_lflag, before.c_lflag);
    EXPECT_EQ(after.c_iflag, before.c_iflag);
    EXPECT_EQ(after.c_oflag, before.c_oflag);
}

}  // namespace
}  // namespace xvm::test
