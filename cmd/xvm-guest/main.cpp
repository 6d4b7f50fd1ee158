// xvm-guest - the simulated guest kernel hvsim runs for each domain (see
// guest.h, guest_abi.h, hvsim(1M)). Start-up: arguments -> map the pages
// it was handed -> boot -> one event loop over its two event channels and
// its control channel. It ends when hvsim kills it (after a shutdown or a
// destroy) or closes the control channel.
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cmd/xvm-guest/console.h"
#include "lib/base/event_loop.h"
#include "lib/base/format.h"
#include "cmd/xvm-guest/guest.h"
#include "lib/xen/guest_abi.h"
#include "lib/xen/hypervisor.h"
#include "lib/base/log.h"
#include "lib/base/mapping.h"
#include "cmd/xvm-guest/xs_client.h"

namespace xvm::guest {
namespace {

Status drain(int fd) {
    std::uint64_t v;
    if (::read(fd, &v, sizeof v) < 0 && errno != EAGAIN)
        return errno_error("cannot read an event channel");
    return {};
}

int run(int argc, char** argv) {
    log_init(cat("xvm-guest"));
    auto args = guest_abi::from_words(std::vector<std::string>(argv + 1, argv + argc));
    if (!args) return log_error(args.error()), 2;
    using namespace guest_abi;
    auto xs_page = Mapping::map_shared(kXenstorePageFd, kPageSize, PROT_READ | PROT_WRITE);
    auto cons_page = Mapping::map_shared(kConsolePageFd, kPageSize, PROT_READ | PROT_WRITE);
    auto mem_page = Mapping::map_shared(kMemoryFd, kPageSize, PROT_READ | PROT_WRITE);
    for (const auto* m : {&xs_page, &cons_page, &mem_page})
        if (!*m) return log_error(m->error().context("xvm-guest: the descriptors hvsim passes")), 2;
    auto loop = EventLoop::create();
    if (!loop) return log_error(loop.error()), 2;

    XsClient xs(static_cast<xenstore_domain_interface*>(xs_page->data()), kStoreNotifyFd);
    Console console(static_cast<xencons_interface*>(cons_page->data()), kConsoleNotifyFd);
    Guest guest(*args, static_cast<KernelState*>(mem_page->data()), xs, console, kControlFd);
    console.on_line([&](std::string_view line) { guest.command(line); });

    bool running = guest.boot();
    auto pump_all = [&]() -> Status {
        Status s = xs.pump();
        if (!s) return s.error().context("xenstore ring");
        s = console.pump();
        if (!s) return s.error().context("console ring");
        return {};
    };
    Status ok = loop.value()->add_fd(kStoreWaitFd, EPOLLIN, [&](std::uint32_t) {
        if (Status s = drain(kStoreWaitFd); !s) return s;
        return pump_all();
    });
    if (ok)
        ok = loop.value()->add_fd(kConsoleWaitFd, EPOLLIN, [&](std::uint32_t) {
            if (Status s = drain(kConsoleWaitFd); !s) return s;
            return pump_all();
        });
    std::string from_hvsim;
    if (ok)
        ok = loop.value()->add_fd(kControlFd, EPOLLIN, [&](std::uint32_t) {
            char buf[256];
            ssize_t n = ::read(kControlFd, buf, sizeof buf);
            if (n <= 0) {
                loop.value()->stop();  // hvsim went away
                return Status();
            }
            from_hvsim.append(buf, static_cast<std::size_t>(n));
            for (std::size_t nl; (nl = from_hvsim.find('\n')) != std::string::npos;) {
                guest.from_hvsim(std::string_view(from_hvsim).substr(0, nl));
                from_hvsim.erase(0, nl + 1);
            }
            if (from_hvsim.size() > kMaxControlLine) from_hvsim.clear();  // not a line of ours
            return pump_all();
        });
    if (!ok) return log_error(ok.error()), 2;
    if (running) (void)pump_all();  // first requests; a corrupt ring shows on the next wake-up
    Status ran = loop.value()->run();
    return ran ? 0 : 1;
}

}  // namespace
}  // namespace xvm::guest

int main(int argc, char** argv) {
    return xvm::guest::run(argc, argv);
}
