#include "daemons/hvsim/sim.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>

#include "lib/base/file.h"
#include "lib/base/format.h"
#include "lib/xen/guest_abi.h"
#include "lib/base/log.h"

namespace xvm::hvsim {
namespace {

struct ProcSample {
    char state = '?';
    std::uint64_t cpu_ns = 0;
};

// State letter and user+system time of a guest from /proc/PID/stat; a
// guest that just exited reads as blocked with no time.
ProcSample sample(pid_t pid) {
    ProcSample s;
    auto text = read_text_file(cat("/proc/", pid, "/stat"));
    if (!text) return s;
    // The command may contain spaces and parentheses: fields start after
    // the last ')'.
    std::size_t close = text->rfind(')');
    if (close == std::string::npos || close + 2 >= text->size()) return s;
    std::string_view rest = std::string_view(*text).substr(close + 2);
    s.state = rest[0];
    std::uint64_t field[16] = {};
    std::size_t index = 0, pos = 0;
    while (index < 14 && pos < rest.size()) {
        std::size_t end = rest.find(' ', pos);
        if (end == std::string_view::npos) end = rest.size();
        std::from_chars(rest.data() + pos, rest.data() + end, field[index]);
        ++index;
        pos = end + 1;
    }
    // rest fields: 0 state ... 11 utime, 12 stime (stat fields 14 and 15).
    long ticks = ::sysconf(_SC_CLK_TCK);
    if (ticks > 0)
        s.cpu_ns = (field[11] + field[12]) * (1'000'000'000ull / static_cast<std::uint64_t>(ticks));
    return s;
}

}  // namespace

Result<std::unique_ptr<Sim>> Sim::create(EventLoop& loop, const SimConfig& config) {
    auto table = DomainTable::create(config.host);
    if (!table) return std::move(table).error();
    std::unique_ptr<Sim> sim(new Sim(loop, std::move(*table), config));
    sim->table_.on_change([s = sim.get()] { s->notify_subscribers(); });
    return sim;
}

Sim::~Sim() {
    shutdown_all();
}

void Sim::shutdown_all() {
    for (auto& [dom, guest] : guests_) {
        stop_guest(guest);
        remove_pages(guest.pages);
    }
    guests_.clear();
}

Result<DomId> Sim::create_domain(const DomainConfig& config) {
    return create_with(config, false);
}

Result<DomId> Sim::create_with(const DomainConfig& config, bool resume) {
    auto dom = table_.add(config);
    if (!dom) return std::move(dom).error();
    Guest guest;
    guest.resume = resume;
    auto pages = create_pages(config_.state_dir, *dom, config.memory_kib);
    // The domain builder's part: the store and console ports, remote dom0.
    auto store = pages ? evtchn_.alloc_unbound(*dom, kDom0) : Result<PortFds>(pages.error());
    auto console = store ? evtchn_.alloc_unbound(*dom, kDom0) : Result<PortFds>(store.error());
    if (!console) {
        if (pages) remove_pages(*pages);
        evtchn_.remove_domain(*dom);
        (void)table_.destroy(*dom);  // cannot fail: the domain was just added
        table_.remove(*dom);
        return console.error().context(cat("cannot create domain ", *dom));
    }
    guest.pages = std::move(*pages);
    guest.store = *store;
    guest.console = *console;
    table_.set_ports(*dom, store->port, console->port);
    guests_.emplace(*dom, std::move(guest));
    log_info(cat("created domain ", *dom, " (", config.memory_kib, " KiB, ", config.vcpus,
                 " vcpus, kernel '", config.kernel, "')"));
    return *dom;
}

Result<const Sim::Guest*> Sim::guest(DomId dom) const {
    auto it = guests_.find(dom);
    if (it == guests_.end()) {
        auto found = table_.find(dom);
        if (!found) return std::move(found).error();
        return make_error(cat("domain ", dom, " has no guest pages"), EINVAL);
    }
    return &it->second;
}

void Sim::stop_guest(Guest& guest) {
    if (!guest.process) return;
    loop_.remove_fd(guest.process->pidfd.get());
    loop_.remove_fd(guest.process->control.get());
    if (Status s = config_.launcher->kill_and_wait(*guest.process); !s) log_error(s.error());
    guest.process.reset();
}

void Sim::forget(DomId dom) {
    auto it = guests_.find(dom);
    if (it != guests_.end()) {
        stop_guest(it->second);
        remove_pages(it->second.pages);
        guests_.erase(it);
    }
    evtchn_.remove_domain(dom);
    table_.remove(dom);
}

Status Sim::destroy(DomId dom) {
    if (Status s = table_.destroy(dom); !s) return s;
    // Synchronous: the reply to destroy means the memory is free again.
    forget(dom);
    log_info(cat("destroyed domain ", dom));
    return {};
}

Status Sim::pause(DomId dom) {
    if (Status s = table_.pause(dom); !s) return s;
    auto it = guests_.find(dom);
    if (it != guests_.end() && it->second.process)
        return config_.launcher->signal(it->second.process->pid, SIGSTOP);
    return {};
}

Status Sim::unpause(DomId dom) {
    auto first = table_.unpause(dom);
    if (!first) return std::move(first).error();
    if (*first) return start_guest(dom);
    auto it = guests_.find(dom);
    if (it != guests_.end() && it->second.process)
        return config_.launcher->signal(it->second.process->pid, SIGCONT);
    return {};
}

Status Sim::shutdown(DomId dom, ShutdownReason reason) {
    if (Status s = table_.shutdown(dom, reason); !s) return s;
    if (auto it = guests_.find(dom); it != guests_.end()) stop_guest(it->second);
    log_info(cat("domain ", dom, " shut down by dom0: ", shutdown_reason_name(reason)));
    return {};
}

Status Sim::start_guest(DomId dom) {
    Guest& guest = guests_.at(dom);
    const Domain& d = **table_.find(dom);
    guest_abi::GuestStart args{.domid = dom,
                   .memory_kib = d.memory_kib,
                   .vcpus = d.vcpus_online,
                   .kernel = d.config.kernel,
                   .extra = d.config.cmdline,
                   .resume = guest.resume};
    auto process = config_.launcher->spawn(args, guest.pages, guest.store, guest.console);
    if (!process) {
        // The domain cannot run: it crashed on boot, as far as anyone sees.
        (void)table_.shutdown(dom, ShutdownReason::kCrash);
        return process.error().context(cat("domain ", dom));
    }
    guest.process = std::move(*process);
    int pidfd = guest.process->pidfd.get();
    int control = guest.process->control.get();
    Status watched =
        loop_.add_fd(pidfd, EPOLLIN, [this, dom](std::uint32_t) { return on_guest_exit(dom); });
    if (watched)
        watched =
            loop_.add_fd(control, EPOLLIN, [this, dom](std::uint32_t) { return on_control(dom); });
    if (!watched) {
        stop_guest(guest);
        (void)table_.shutdown(dom, ShutdownReason::kCrash);
        return watched.error().context(cat("domain ", dom));
    }
    log_info(cat("domain ", dom, ": guest process ", guest.process->pid, " started"));
    return {};
}

Status Sim::on_guest_exit(DomId dom) {
    auto it = guests_.find(dom);
    if (it == guests_.end() || !it->second.process) return {};
    // The pidfd is readable: the process has exited (the launcher reaps it).
    pid_t pid = it->second.process->pid;
    it->second.process->pid = -1;
    stop_guest(it->second);
    auto d = table_.find(dom);
    if (d && !(*d)->shutdown) {
        // Died without SCHEDOP_shutdown: that is a crash.
        log_warnx(
            cat("domain ", dom, ": guest process ", pid, " ended without shutting down: crashed"));
        (void)table_.shutdown(dom, ShutdownReason::kCrash);  // cannot fail: domain is live
    }
    return {};
}

Status Sim::on_control(DomId dom) {
    auto it = guests_.find(dom);
    if (it == guests_.end() || !it->second.process) return {};
    Guest& guest = it->second;
    char buf[512];
    ssize_t n = ::read(guest.process->control.get(), buf, sizeof buf);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return {};
        // The guest closed its end; its exit is handled through the pidfd.
        loop_.remove_fd(guest.process->control.get());
        return {};
    }
    guest.control_in.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = guest.control_in.find('\n')) != std::string::npos) {
        std::string line = guest.control_in.substr(0, nl);
        guest.control_in.erase(0, nl + 1);
        if (Status s = guest_says(dom, line); !s) log_error(s.error());
        if (guests_.find(dom) == guests_.end() || !guests_.at(dom).process) return {};
    }
    if (guest.control_in.size() > guest_abi::kMaxControlLine) {
        log_warnx(cat("domain ", dom, ": control line over ", guest_abi::kMaxControlLine,
                      " bytes: guest crashed"));
        (void)table_.shutdown(dom, ShutdownReason::kCrash);
        stop_guest(guest);
    }
    return {};
}

Status Sim::guest_says(DomId dom, std::string_view line) {
    auto word = line.substr(0, line.find(' '));
    auto arg = word.size() < line.size() ? line.substr(word.size() + 1) : std::string_view();
    if (word == "shutdown") {
        for (auto r : {ShutdownReason::kPoweroff, ShutdownReason::kReboot, ShutdownReason::kSuspend,
                       ShutdownReason::kCrash, ShutdownReason::kWatchdog}) {
            if (arg != shutdown_reason_name(r)) continue;
            if (Status s = table_.shutdown(dom, r); !s) return s;
            log_info(cat("domain ", dom, " shut down: ", arg));
            // A shut-down domain runs no more; its memory stays until destroy.
            stop_guest(guests_.at(dom));
            return {};
        }
        return make_error(cat("domain ", dom, ": unknown shutdown reason '", arg, "'"));
    }
    if (word == "balloon") {
        std::uint64_t kib = 0;
        auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), kib);
        if (ec != std::errc() || end != arg.data() + arg.size())
            return make_error(cat("domain ", dom, ": balloon size '", arg, "' is not a number"));
        Status done = set_memory_target(dom, kib);
        std::string answer = cat(done ? "balloon-done " : "balloon-refused ", kib, "\n");
        // One short line on a socket the guest drains: it fits; if the
        // guest stopped reading, it is its own balloon driver that waits.
        (void)!::write(guests_.at(dom).process->control.get(), answer.data(), answer.size());
        return done;
    }
    return make_error(cat("domain ", dom, ": unknown control message '", line, "'"));
}

Result<DomainInfo> Sim::info(DomId dom) const {
    auto found = table_.find(dom);
    if (!found) return std::move(found).error();
    const Domain& d = **found;
    DomainInfo i;
    i.domid = d.id;
    i.uuid = d.config.uuid;
    i.paused = d.paused && !d.shutdown && !d.dying;
    i.shutdown = d.shutdown;
    i.shutdown_reason = d.reason;
    i.crashed = d.shutdown && d.reason == ShutdownReason::kCrash;
    i.dying = d.dying;
    i.memory_kib = d.memory_kib;
    i.max_memory_kib = d.max_memory_kib;
    i.max_vcpus = static_cast<std::uint32_t>(d.affinity.size());
    i.vcpus_online = d.vcpus_online;
    i.ssidref = d.config.ssidref;
    i.hvm = d.config.hvm;
    i.store_port = d.store_port;
    i.console_port = d.console_port;
    bool live = !i.paused && !i.shutdown && !i.dying;
    if (dom == kDom0) {
        i.running = true;
    } else if (auto g = guests_.find(dom); g != guests_.end() && g->second.process && live) {
        ProcSample s = sample(g->second.process->pid);
        i.running = s.state == 'R';
        i.blocked = !i.running;
        i.cpu_time_ns = s.cpu_ns;
    }
    return i;
}

std::vector<DomainInfo> Sim::list() const {
    std::vector<DomainInfo> out;
    for (const auto& [id, d] : table_.domains())
        if (auto i = info(id)) out.push_back(*i);
    return out;
}

Status Sim::set_max_memory(DomId dom, std::uint64_t kib) {
    return table_.set_max_memory(dom, kib);
}

Status Sim::set_memory_target(DomId dom, std::uint64_t kib) {
    if (Status s = table_.set_allocation(dom, kib); !s) return s;
    if (auto it = guests_.find(dom); it != guests_.end())
        return resize_memory(it->second.pages, kib);
    return {};
}

Status Sim::set_vcpus(DomId dom, std::uint32_t count) {
    return table_.set_vcpus_online(dom, count);
}

Status Sim::set_affinity(DomId dom, std::uint32_t vcpu, const std::vector<std::uint32_t>& cpus) {
    return table_.set_affinity(dom, vcpu, cpus);
}

Result<std::vector<VcpuInfo>> Sim::vcpu_info(DomId dom) const {
    auto found = table_.find(dom);
    if (!found) return std::move(found).error();
    auto di = info(dom);
    if (!di) return std::move(di).error();
    const Domain& d = **found;
    std::vector<VcpuInfo> out;
    for (std::uint32_t v = 0; v < d.affinity.size(); ++v) {
        VcpuInfo vi;
        vi.vcpu = v;
        vi.online = v < d.vcpus_online;
        // The guest process is one thread: vcpu 0 carries its time and state.
        vi.running = vi.online && v == 0 && di->running;
        vi.blocked = vi.online && !vi.running && (di->blocked || v > 0);
        vi.cpu_time_ns = v == 0 ? di->cpu_time_ns : 0;
        // An online vcpu is on a CPU whether it runs or waits (Xen's
        // v->processor); an offline one reports none, as the xen backend.
        vi.cpu = vi.online ? static_cast<std::int32_t>(d.processor[v]) : -1;
        vi.affinity = d.affinity[v];
        out.push_back(std::move(vi));
    }
    return out;
}

Result<std::uint32_t> Sim::alloc_unbound(DomId dom, DomId remote) {
    auto d = table_.find(dom);
    if (!d) return d.error().context("cannot allocate an event channel");
    if (!table_.find(remote))
        return make_error(cat("cannot allocate an event channel in domain ", dom, " for domain ",
                              remote, ": no such domain"),
                          ESRCH);
    auto fds = evtchn_.alloc_unbound(dom, remote);
    if (!fds) return std::move(fds).error();
    return fds->port;
}

Result<PortFds> Sim::bind(std::uint64_t owner, DomId remote, std::uint32_t port) {
    auto d = table_.find(remote);
    if (!d) return d.error().context(cat("cannot bind to port ", port));
    return evtchn_.bind(kDom0, owner, remote, port);
}

Result<int> Sim::page_fd(DomId dom, HvPage page) const {
    auto g = guest(dom);
    if (!g) return g.error().context("cannot map its page");
    return page == HvPage::kXenstore ? (*g)->pages.xenstore.get() : (*g)->pages.console.get();
}

Result<int> Sim::subscribe(std::uint64_t owner) {
    auto it = subscribers_.find(owner);
    if (it != subscribers_.end()) return it->second.get();
    UniqueFd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!fd) return errno_error("cannot create a domain-event eventfd");
    int raw = fd.get();
    subscribers_.emplace(owner, std::move(fd));
    return raw;
}

void Sim::release_owner(std::uint64_t owner) {
    subscribers_.erase(owner);
    evtchn_.release_owner(owner);
}

void Sim::notify_subscribers() {
    const std::uint64_t one = 1;
    for (const auto& [owner, fd] : subscribers_)
        // EAGAIN only when the counter is saturated: the subscriber is
        // already told.
        (void)!::write(fd.get(), &one, sizeof one);
}

}  // namespace xvm::hvsim
