// The guest's console and behaviour parsing, on in-memory ring pages.
#include "cmd/xvm-guest/guest.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>

#include "cmd/xvm-guest/console.h"
#include "lib/base/unique_fd.h"

namespace xvm::guest {
namespace {

TEST(Behaviour, WordsFromKernelPathAndExtra) {
    Behaviour b = parse_behaviour("/boot/crash-on-boot", "quiet ignore-shutdown");
    EXPECT_TRUE(b.crash_on_boot);
    EXPECT_TRUE(b.ignore_shutdown);
    EXPECT_FALSE(b.die_on_boot);
    EXPECT_FALSE(b.no_xenstore);
    Behaviour none = parse_behaviour("/boot/vmlinuz", "crash-on-bootx");
    EXPECT_FALSE(none.crash_on_boot);
}

std::string drain_out(xencons_interface& page) {
    Ring out = console_output(&page);
    std::string got(8192, '\0');
    auto n = out.read(std::span<char>(got.data(), got.size()));
    EXPECT_TRUE(n);
    got.resize(n ? *n : 0);
    return got;
}

TEST(Console, LinesInOutputOutAndSpewFollowsTheConsumer) {
    xencons_interface page{};
    UniqueFd notify(::eventfd(0, EFD_NONBLOCK));
    Console console(&page, notify.get());
    std::vector<std::string> lines;
    console.on_line([&](std::string_view l) { lines.emplace_back(l); });
    Ring in = console_input(&page);
    std::string typed = "echo hi\r\nsecond";
    ASSERT_TRUE(in.write(typed));
    ASSERT_TRUE(console.pump());
    EXPECT_EQ(lines, (std::vector<std::string>{"echo hi", ""}));  // "second" waits for its newline

    console.spew(5000);  // more than the 2048-byte ring
    ASSERT_TRUE(console.pump());
    std::size_t total = drain_out(page).size();
    EXPECT_EQ(total, sizeof page.out);
    while (!console.idle()) {
        ASSERT_TRUE(console.pump());
        total += drain_out(page).size();
    }
    ASSERT_TRUE(console.pump());
    total += drain_out(page).size();
    EXPECT_EQ(total, 5000u);
}

TEST(Console, OverlongInputLineIsDropped) {
    xencons_interface page{};
    UniqueFd notify(::eventfd(0, EFD_NONBLOCK));
    Console console(&page, notify.get());
    std::vector<std::string> lines;
    console.on_line([&](std::string_view l) { lines.emplace_back(l); });
    Ring in = console_input(&page);
    std::string longline(kMaxLine + 10, 'a');
    longline += "\nok\n";
    ASSERT_TRUE(in.write(longline));
    ASSERT_TRUE(console.pump());
    EXPECT_EQ(lines, (std::vector<std::string>{"ok"}));
}

TEST(Console, CorruptRingIsAnError) {
    xencons_interface page{};
    page.in_prod = 100000;  // far ahead of the consumer
    UniqueFd notify(::eventfd(0, EFD_NONBLOCK));
    Console console(&page, notify.get());
    EXPECT_FALSE(console.pump());
}

}  // namespace
}  // namespace xvm::guest
