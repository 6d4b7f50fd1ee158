// One guest's console: its ring page and event channel (through the
// hypervisor interface), its pty for Xen's tools, its log, its replay
// history, and the clients attached to it.
//
// The data path. Guest output: on a notification (rate-limited as Xen's,
// rate_limit.h) the "out" ring is drained - the ring is hostile input, so
// lib/xen/ring.h checks the indices and never reads outside the ring - and
// each chunk goes at once to the log, then the history, then the pty's
// buffer and every client's buffer (each bounded by console/limit,
// output_buffer.h). Keystrokes: from the domain's one writer (a socket
// client) or, when there is none, from the pty; queued (bounded) and
// moved into the "in" ring as the guest makes room. Nothing here waits:
// a reader that cannot take more gets its buffer, a guest that cannot
// take more keeps its keystrokes queued and the writer stops being read.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemons/xenconsoled/config.h"
#include "daemons/xenconsoled/console_keys.h"
#include "daemons/xenconsoled/guest_log.h"
#include "daemons/xenconsoled/history.h"
#include "daemons/xenconsoled/output_buffer.h"
#include "daemons/xenconsoled/pty.h"
#include "daemons/xenconsoled/rate_limit.h"
#include "daemons/xenconsoled/session.h"
#include "lib/base/event_loop.h"
#include "lib/base/mapping.h"
#include "lib/xen/hypervisor.h"

namespace xvm::console {

// What every console shares: the loop, the hypervisor, the settings in
// force (replaced on refresh) and the open log directory.
struct ConsoleEnv {
    EventLoop& loop;
    Hypervisor& hv;
    const Settings* settings;
    int log_dir_fd = -1;
    std::string log_dir;
};

class GuestConsole {
  public:
    static constexpr std::size_t kMaxInputQueue = 64 * 1024;
    static constexpr std::size_t kMaxClients = 16;

    GuestConsole(ConsoleEnv& env, DomId dom);
    ~GuestConsole();
    GuestConsole(const GuestConsole&) = delete;
    GuestConsole& operator=(const GuestConsole&) = delete;

    DomId domid() const { return dom_; }
    // "3 (web)" for messages.
    std::string label() const;
    const std::string& name() const { return name_; }
    void set_name(const std::string& name) { name_ = name; }
    bool connected() const { return channel_ != nullptr; }
    // False for a console this daemon leaves alone (console/type ioemu:
    // the device model serves it).
    bool served() const { return served_type_.empty(); }
    const std::string& foreign_type() const { return served_type_; }
    void leave_to(const std::string& type);

    // (Re)connects with the keys from the store: maps the ring page and
    // binds the event channel if they changed, makes the pty if there is
    // none. Returns the pty's path when a new one was made (the caller
    // writes console/tty).
    Result<std::optional<std::string>> connect(const ConsoleKeys& keys);

    // Sessions. attach() answers the client (writer or viewer, history).
    Status attach(Session& s, const cons::Attach& request);
    void detach(Session& s);
    bool input(Session& s, std::string_view bytes);

    // Settings changed (svcadm refresh): rate limit, log on/off, and the
    // log file reopened (rotation).
    void refresh();
    // The domain is gone: its last output is read, every client gets it
    // and CLOSED, the pty and log close.
    void shut_down();

    std::uint64_t discarded() const { return pty_out_.discarded_total(); }

  private:
    Status on_event();
    Status on_pty(std::uint32_t events);
    void drain_ring();
    void deliver(std::string_view bytes);
    void flush_pty();
    void read_pty();
    bool push_input();
    void update_pty_events();
    void mask();
    void unmask();
    void open_log();
    void disconnect();

    ConsoleEnv& env_;
    DomId dom_;
    std::string name_;
    std::optional<ConsoleKeys> keys_;
    std::string served_type_;  // non-empty: the console type someone else serves
    Mapping page_;
    std::unique_ptr<EventChannel> channel_;
    std::optional<Pty> pty_;
    std::uint32_t pty_events_ = 0;
    // The pty took no more (EAGAIN): wait for EPOLLOUT instead of trying
    // again with every chunk - nobody reads most ptys.
    bool pty_full_ = false;
    OutputBuffer pty_out_{kDefaultLimit};
    History history_;
    RateLimit rate_;
    EventLoop::TimerId unmask_timer_ = 0;
    std::optional<GuestLog> log_;
    std::string log_name_;  // the name the log was opened under
    std::string input_;     // keystrokes not yet in the ring
    std::vector<Session*> sessions_;  // in attach order
    Session* writer_ = nullptr;
    bool overflow_reported_ = false;
    bool corrupt_reported_ = false;
    bool pty_input_reported_ = false;
    bool log_name_reported_ = false;
};

}  // namespace xvm::console
