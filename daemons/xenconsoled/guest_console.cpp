#include "daemons/xenconsoled/guest_console.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/xen/ring.h"

namespace xvm::console {
namespace {

LogOptions log_options(const Settings& s) {
    return {.timestamps = s.timestamps(),
            .limit_bytes = static_cast<std::uint64_t>(s.log_limit_mib) << 20};
}

}  // namespace

GuestConsole::GuestConsole(ConsoleEnv& env, DomId dom)
    : env_(env),
      dom_(dom),
      history_(static_cast<std::size_t>(env.settings->history_kib) * 1024),
      rate_(env.settings->rate_limit_events,
            std::chrono::milliseconds(env.settings->rate_limit_period_ms)) {}

GuestConsole::~GuestConsole() { disconnect(); }

std::string GuestConsole::label() const {
    return name_.empty() ? cat(dom_) : cat(dom_, " (", name_, ")");
}

void GuestConsole::disconnect() {
    env_.loop.cancel_timer(unmask_timer_);
    unmask_timer_ = 0;
    if (channel_) env_.loop.remove_fd(channel_->fd());
    channel_.reset();
    if (pty_) env_.loop.remove_fd(pty_->master.get());
    pty_.reset();  // a reader of the slave (Xen's xenconsole) sees the end
    page_.reset();
    log_.reset();
}

void GuestConsole::leave_to(const std::string& type) {
    served_type_ = type;
    for (Session* s : sessions_) {
        s->forget_domain();
        s->close(cons::CloseReason::kDomainGone,
                 cat("domain ", label(), " now has a console of type ", type,
                     ", which its device model serves"));
    }
    sessions_.clear();
    writer_ = nullptr;
    disconnect();
}

Result<std::optional<std::string>> GuestConsole::connect(const ConsoleKeys& keys) {
    served_type_.clear();
    bool remap = !page_.valid() || !keys_ || keys_->ring_ref != keys.ring_ref;
    bool rebind = !channel_ || !keys_ || keys_->port != keys.port;
    if (remap) {
        auto page = env_.hv.map_console_page(dom_);
        if (!page) return page.error().context(cat("cannot map the console ring of domain ", label()));
        page_ = std::move(*page);
    }
    if (rebind) {
        if (channel_) env_.loop.remove_fd(channel_->fd());
        env_.loop.cancel_timer(unmask_timer_);
        unmask_timer_ = 0;
        channel_.reset();
        auto ch = env_.hv.evtchn_bind_interdomain(dom_, keys.port);
        if (!ch)
            return ch.error().context(
                cat("cannot bind console port ", keys.port, " of domain ", label()));
        channel_ = std::move(*ch);
        Status s = env_.loop.add_fd(channel_->fd(), EPOLLIN, [this](std::uint32_t) { return on_event(); });
        if (!s) return std::move(s).error();
    }
    keys_ = keys;
    std::optional<std::string> new_tty;
    if (!pty_) {
        auto pty = open_console_pty();
        if (!pty) return pty.error().context(cat("domain ", label()));
        pty_ = std::move(*pty);
        // Xen reads console/limit when it makes the pty.
        pty_out_ = OutputBuffer(keys.limit);
        pty_events_ = 0;
        pty_full_ = false;
        Status s = env_.loop.add_fd(pty_->master.get(), 0,
                                    [this](std::uint32_t ev) { return on_pty(ev); });
        if (!s) return std::move(s).error();
        new_tty = pty_->path;
    }
    if (!log_) open_log();
    // What the guest wrote before we were here (its boot messages, or what
    // it wrote while a previous xenconsoled was being restarted), and a
    // guest waiting on a full ring: serve both now.
    drain_ring();
    push_input();
    update_pty_events();
    if (Status s = channel_->notify(); !s) log_error(s.error());
    return new_tty;
}

void GuestConsole::open_log() {
    if (!env_.settings->logging() || env_.log_dir_fd < 0 || name_.empty()) return;
    auto log = GuestLog::open(env_.log_dir_fd, env_.log_dir, name_, log_options(*env_.settings));
    if (!log) {
        if (!log_name_reported_)
            log_warnx(cat("domain ", dom_, ": no console log: ", log.error().message));
        log_name_reported_ = true;
        return;
    }
    log_ = std::move(*log);
    log_name_ = name_;
}

Status GuestConsole::on_event() {
    if (!channel_) return {};
    if (Status s = channel_->ack(); !s) return s;
    bool over = rate_.count(RateLimit::Clock::now());
    drain_ring();
    push_input();
    update_pty_events();
    if (over) mask();
    return {};
}

void GuestConsole::mask() {
    if (!channel_ || unmask_timer_ != 0) return;
    env_.loop.remove_fd(channel_->fd());
    auto wait = rate_.period_end() - RateLimit::Clock::now();
    unmask_timer_ = env_.loop.add_timer(std::max<RateLimit::Clock::duration>(wait, {}), [this] {
        unmask_timer_ = 0;
        unmask();
        return Status();
    });
}

void GuestConsole::unmask() {
    rate_.unmask(RateLimit::Clock::now());
    if (!channel_) return;
    // A notification that came while masked is still counted in the
    // channel, so the loop calls on_event() at once if the guest wrote.
    if (Status s = env_.loop.add_fd(channel_->fd(), EPOLLIN, [this](std::uint32_t) { return on_event(); });
        !s)
        log_error(s.error());
}

void GuestConsole::drain_ring() {
    if (!page_.valid()) return;
    auto* intf = static_cast<xencons_interface*>(page_.data());
    Ring out = console_output(intf);
    // One ring's worth per notification, as Xen's buffer_append: the guest
    // refills while we deliver, and tells us.
    char buf[sizeof intf->out];
    auto n = out.read(buf);
    if (!n) {
        if (!corrupt_reported_)
            log_warnx(cat("domain ", label(), ": console output ", n.error().message,
                          ": ignored until they make sense (reported once)"));
        corrupt_reported_ = true;
        return;
    }
    if (*n == 0) return;
    if (Status s = channel_ ? channel_->notify() : Status(); !s) log_error(s.error());
    deliver(std::string_view(buf, *n));
}

void GuestConsole::deliver(std::string_view bytes) {
    // The log first: it is the record, whether or not anyone reads.
    if (log_) log_->write(bytes);
    history_.append(bytes);
    if (pty_) {
        pty_out_.append(bytes);
        if (pty_out_.take_discarded() > 0 && !overflow_reported_) {
            log_warnx(cat("domain ", label(), ": console output waiting for the pty reached ",
                          "console/limit (", pty_out_.limit(),
                          " bytes): discarding the middle as Xen's xenconsoled does "
                          "(reported once per domain)"));
            overflow_reported_ = true;
        }
        if (!pty_full_) flush_pty();
    }
    for (Session* s : sessions_) s->output(bytes);
}

void GuestConsole::flush_pty() {
    while (pty_ && !pty_out_.empty()) {
        std::string_view pending = pty_out_.pending();
        ssize_t n = ::write(pty_->master.get(), pending.data(), pending.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            pty_full_ = true;
            break;
        }
        if (n <= 0) {
            // The slave is held open here, so this is not a reader leaving.
            log_warn(cat("domain ", label(), ": cannot write to pty ", pty_->path));
            pty_out_.consume(pty_out_.size());
            break;
        }
        pty_out_.consume(static_cast<std::size_t>(n));
    }
}

static std::size_t ring_room(const Mapping& page) {
    if (!page.valid()) return 0;
    Ring in = console_input(static_cast<xencons_interface*>(page.data()));
    auto room = in.writable();
    return room ? *room : 0;  // corrupt indices: no room, as Xen's
}

void GuestConsole::read_pty() {
    char buf[1024];
    if (writer_ != nullptr) {
        // One writer at a time: the socket client holds the console.
        ssize_t n = ::read(pty_->master.get(), buf, sizeof buf);
        if (n > 0 && !pty_input_reported_)
            log_warnx(cat("domain ", label(), ": input from pty ", pty_->path,
                          " discarded: console client ", writer_->who(),
                          " holds the console (reported once per client)"));
        pty_input_reported_ = pty_input_reported_ || n > 0;
        return;
    }
    std::size_t room = std::min(ring_room(page_), sizeof buf);
    if (room == 0 || !input_.empty()) return;
    ssize_t n = ::read(pty_->master.get(), buf, room);
    if (n <= 0) return;
    input_.append(buf, static_cast<std::size_t>(n));
    push_input();
}

Status GuestConsole::on_pty(std::uint32_t events) {
    if (!pty_) return {};
    if (events & EPOLLOUT) {
        pty_full_ = false;
        flush_pty();
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_pty();
    update_pty_events();
    return {};
}

bool GuestConsole::push_input() {
    if (!input_.empty() && page_.valid()) {
        Ring in = console_input(static_cast<xencons_interface*>(page_.data()));
        auto n = in.write(input_);
        if (n && *n > 0) {
            input_.erase(0, *n);
            if (Status s = channel_ ? channel_->notify() : Status(); !s) log_error(s.error());
        }
    }
    bool room = input_.size() + cons::kMaxPayload <= kMaxInputQueue;
    if (room && writer_ != nullptr) writer_->resume_input();
    return room;
}

void GuestConsole::update_pty_events() {
    if (!pty_) return;
    std::uint32_t want = 0;
    if (writer_ != nullptr || (input_.empty() && ring_room(page_) > 0)) want |= EPOLLIN;
    if (!pty_out_.empty()) want |= EPOLLOUT;
    if (want == pty_events_) return;
    pty_events_ = want;
    if (Status s = env_.loop.modify_fd(pty_->master.get(), want); !s) log_error(s.error());
}

Status GuestConsole::attach(Session& s, const cons::Attach& request) {
    if (sessions_.size() >= kMaxClients)
        return make_error(cat("domain ", label(), " already has ", kMaxClients, " console clients"),
                          EBUSY);
    bool read_only = (request.flags & cons::kAttachReadOnly) != 0;
    bool writer = !read_only && writer_ == nullptr;
    std::size_t limit = keys_ ? keys_->limit : kDefaultLimit;
    s.attached(dom_, name_, writer ? cons::Role::kWriter : cons::Role::kViewer, limit, read_only);
    if (writer) writer_ = &s;
    sessions_.push_back(&s);
    if ((request.flags & cons::kAttachNoReplay) == 0) {
        // No more than the client's buffer holds: a replay never counts as
        // output the client failed to keep up with.
        std::string past = history_.contents();
        if (past.size() > limit) past.erase(0, past.size() - limit);
        if (!past.empty()) s.output(past);
    }
    if (!writer && !read_only)
        s.notice(cat("read-only: domain ", label(), " already has an interactive client (",
                     writer_->who(), "); you get the keyboard when it leaves"));
    if (!connected())
        s.notice(cat("domain ", label(), " has no console yet: waiting for its console keys"));
    update_pty_events();
    return {};
}

void GuestConsole::detach(Session& s) {
    std::erase(sessions_, &s);
    if (writer_ != &s) return;
    writer_ = nullptr;
    pty_input_reported_ = false;
    for (Session* next : sessions_) {
        if (next->read_only()) continue;
        writer_ = next;
        next->set_role(cons::Role::kWriter,
                       cat("you now have the keyboard of domain ", label(), ": the writer left"));
        break;
    }
    bool room = input_.size() + cons::kMaxPayload <= kMaxInputQueue;
    if (room && writer_ != nullptr) writer_->resume_input();
    update_pty_events();
}

bool GuestConsole::input(Session& s, std::string_view bytes) {
    if (&s != writer_) return true;  // the session checks its role; belt and braces
    input_.append(bytes);
    bool room = push_input();
    update_pty_events();
    return room;
}

void GuestConsole::refresh() {
    const Settings& st = *env_.settings;
    rate_.set(st.rate_limit_events, std::chrono::milliseconds(st.rate_limit_period_ms));
    if (!st.logging()) {
        log_.reset();
        return;
    }
    if (!log_) return open_log();
    // Rotation: the file was renamed away; the same name again, new options.
    if (Status s = log_->reopen(env_.log_dir_fd, log_options(st)); !s) {
        log_error(s.error());
        log_.reset();
    }
}

void GuestConsole::shut_down() {
    drain_ring();  // the guest's last words reach the log and the clients
    std::string why = cat("domain ", label(), " is gone");
    for (Session* s : sessions_) {
        s->forget_domain();
        s->close(cons::CloseReason::kDomainGone, why);
    }
    sessions_.clear();
    writer_ = nullptr;
    disconnect();
}

}  // namespace xvm::console
