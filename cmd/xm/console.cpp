#include "cmd/xm/console.h"

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <variant>
#include <string>
#include <vector>

#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/base/unique_fd.h"
#include "lib/base/unix_socket.h"
#include "lib/xen/console_proto.h"

namespace xvm::xm {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kEscape = 0x1d;  // Ctrl-]
constexpr std::size_t kMaxQueuedInput = 64 * 1024;
constexpr auto kReplyTimeout = std::chrono::seconds(10);
// After xenconsoled went away (restarted by svc.startd), how long to keep
// trying to re-attach.
constexpr auto kReattachFor = std::chrono::seconds(30);
constexpr auto kReattachEvery = std::chrono::milliseconds(200);

constexpr const char* kUsage =
    "Usage: xm console [-q] <Domain>\n\n"
    "Attach to <Domain>'s console.\n"
    "  -q, --quiet    Do not print an error message if the domain does not exist.\n";

// Raw mode on a terminal for the session's life, restored on every way
// out (the destructor runs on each return path; signals arrive through a
// signalfd, never asynchronously).
class RawTerminal {
  public:
    explicit RawTerminal(int fd) : fd_(fd) {
        if (::tcgetattr(fd, &saved_) < 0) return;
        struct termios raw = saved_;
        ::cfmakeraw(&raw);
        active_ = ::tcsetattr(fd, TCSAFLUSH, &raw) == 0;
    }
    ~RawTerminal() {
        if (active_) (void)::tcsetattr(fd_, TCSAFLUSH, &saved_);
    }
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;
    bool active() const { return active_; }

  private:
    int fd_;
    struct termios saved_ {};
    bool active_ = false;
};

struct Options {
    bool quiet = false;
    std::string domain;
};

std::optional<Options> parse_options(std::span<char* const> args, std::string& error) {
    static const option kLong[] = {{"quiet", no_argument, nullptr, 'q'},
                                   {"help", no_argument, nullptr, 'h'},
                                   {nullptr, 0, nullptr, 0}};
    std::vector<char*> argv(args.begin(), args.end());
    argv.push_back(nullptr);
    Options o;
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(static_cast<int>(args.size()), argv.data(), "qh", kLong, nullptr)) !=
           -1) {
        if (opt == 'q') o.quiet = true;
        else if (opt == 'h') return std::nullopt;
        else {
            error = cat("Error: unknown option ", argv[optind - 1]);
            return std::nullopt;
        }
    }
    if (static_cast<std::size_t>(optind) + 1 != args.size()) {
        error = "Error: 'xm console' requires 1 argument.";
        return std::nullopt;
    }
    o.domain = args[optind];
    return o;
}

// A failed attach: what to tell the user and the exit status.
struct Failure {
    int status;
    std::string message;
    int code = 0;  // the daemon's errno value, when it answered
};

struct Link {
    UniqueFd fd;
    cons::Attached attached;
    cons::FrameReader reader{cons::From::kDaemon};
};

bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());  // SIGPIPE is ignored (console_main)
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// The next frame from the daemon, waiting at most `timeout`.
Result<cons::FrameReader::Owned> next_frame(Link& link, Clock::duration timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        auto f = link.reader.next();
        if (!f) return std::move(f).error();
        if (*f) return std::move(**f);
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd p{link.fd.get(), POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0)));
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) return make_error("xenconsoled did not answer", ETIMEDOUT);
        char buf[4096];
        ssize_t n = ::read(link.fd.get(), buf, std::min(sizeof buf, link.reader.room()));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return make_error("xenconsoled closed the connection", EPIPE);
        link.reader.push(std::span<const char>(buf, static_cast<std::size_t>(n)));
    }
}

Failure refused_or_missing(const cons::ErrorMsg& e, const std::string& domain) {
    if (e.code == EACCES) return {kConsoleRefused, cat("Error: ", e.text), e.code};
    if (e.code == ENOENT)
        return {kConsoleNoDomain, cat("Error: Domain '", domain, "' does not exist."), e.code};
    return {kConsoleNoDomain, cat("Error: ", e.text), e.code};
}

// Connects to xenconsoled and attaches to `domain`.
std::variant<Link, Failure> attach(const std::string& socket, const std::string& domain,
                                   std::uint32_t flags) {
    auto fd = connect_unix(socket);
    if (!fd)
        return Failure{kConsoleNoDaemon,
                       cat("Error: cannot reach xenconsoled: ", fd.error().message,
                           " (is svc:/system/xctl/console online?)"),
                       fd.error().code};
    Link link{std::move(*fd), {}, cons::FrameReader(cons::From::kDaemon)};
    std::string hello = cons::encode_attach({cons::kVersion, flags, domain});
    // A refused peer is told so and closed before it writes: its answer
    // is waiting even if this write fails.
    bool sent = write_all(link.fd.get(), hello);
    auto reply = next_frame(link, kReplyTimeout);
    if (!reply) {
        std::string why = sent ? reply.error().message : std::strerror(errno);
        return Failure{kConsoleNoDaemon, cat("Error: xenconsoled: ", why)};
    }
    if (reply->type == cons::MsgType::kError) {
        auto e = cons::decode_error(reply->payload);
        if (!e) return Failure{kConsoleNoDaemon, cat("Error: ", e.error().message)};
        return refused_or_missing(*e, domain);
    }
    if (reply->type != cons::MsgType::kAttached)
        return Failure{kConsoleNoDaemon,
                       cat("Error: xenconsoled answered ATTACH with ",
                           cons::type_name(static_cast<std::uint32_t>(reply->type)))};
    auto a = cons::decode_attached(reply->payload);
    if (!a) return Failure{kConsoleNoDaemon, cat("Error: ", a.error().message)};
    link.attached = *a;
    int flags_now = ::fcntl(link.fd.get(), F_GETFL);
    (void)::fcntl(link.fd.get(), F_SETFL, flags_now | O_NONBLOCK);  // best effort: poll guards
    return link;
}

class Client {
  public:
    Client(Options options, std::string socket) : o_(std::move(options)), socket_(std::move(socket)) {}
    int run();

  private:
    enum class End { kDetached, kClosed, kLost, kFailed };
    End session(Link& link);
    std::optional<Link> reattach(std::uint32_t dom, int& status);
    bool on_frame(const cons::FrameReader::Owned& f, End& end);
    bool read_stdin(bool& eof, std::string& queue, End& end);
    void say(const std::string& line);
    bool signalled();

    Options o_;
    std::string socket_;
    UniqueFd sigfd_;
    bool raw_ = false;
    bool stdin_done_ = false;
    cons::Role role_ = cons::Role::kWriter;
    int end_status_ = kConsoleEnded;
};

void Client::say(const std::string& line) {
    std::string text = raw_ ? cat("\r\n", line, "\r\n") : cat(line, "\n");
    (void)write_all(STDERR_FILENO, text);
}

bool Client::signalled() {
    signalfd_siginfo si{};
    return ::read(sigfd_.get(), &si, sizeof si) == sizeof si;
}

// Returns false when the session is over (`end` says how).
bool Client::on_frame(const cons::FrameReader::Owned& f, End& end) {
    switch (f.type) {
        case cons::MsgType::kOutput:
            if (!write_all(STDOUT_FILENO, f.payload)) {
                end = End::kDetached;  // nobody reads our output any more
                return false;
            }
            return true;
        case cons::MsgType::kNotice:
            if (auto n = cons::decode_notice(f.payload)) say(cat("[xm console: ", *n, "]"));
            return true;
        case cons::MsgType::kRole:
            if (auto r = cons::decode_role(f.payload)) {
                role_ = r->role;
                say(cat("[xm console: ", r->text, "]"));
            }
            return true;
        case cons::MsgType::kClosed: {
            auto c = cons::decode_closed(f.payload);
            // A daemon that stops (svcadm restart) is usually back soon:
            // wait for it as for one that was killed.
            if (c && c->reason == cons::CloseReason::kDaemonStopping) {
                end = End::kLost;
                return false;
            }
            say(c ? cat("xm console: ", c->text) : "xm console: the session ended");
            end = End::kClosed;
            return false;
        }
        case cons::MsgType::kError: {
            auto e = cons::decode_error(f.payload);
            say(cat("xm console: ", e ? e->text : e.error().message));
            end_status_ = e && e->code == EACCES ? kConsoleRefused : kConsoleNoDaemon;
            end = End::kFailed;
            return false;
        }
        default:
            say(cat("xm console: unexpected ", cons::type_name(static_cast<std::uint32_t>(f.type)),
                    " from xenconsoled"));
            end_status_ = kConsoleNoDaemon;
            end = End::kFailed;
            return false;
    }
}

// Reads what the user typed into `queue`; false when the user detached.
bool Client::read_stdin(bool& eof, std::string& queue, End& end) {
    char buf[512];
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (n <= 0) {
        eof = true;
        // On a terminal the end of input ends the session, as Xen's client;
        // a script's input ending leaves its output still flowing.
        if (raw_ || ::isatty(STDIN_FILENO)) {
            end = End::kDetached;
            return false;
        }
        return true;
    }
    // The escape only works when it arrives on its own (a paste that
    // contains it is just text).
    if (n == 1 && buf[0] == kEscape) {
        end = End::kDetached;
        return false;
    }
    if (role_ == cons::Role::kWriter)
        for (std::size_t at = 0; at < static_cast<std::size_t>(n); at += cons::kMaxPayload)
            cons::append_frame(queue, cons::MsgType::kInput,
                               std::string_view(buf + at, std::min<std::size_t>(n - at, cons::kMaxPayload)));
    return true;
}

Client::End Client::session(Link& link) {
    std::string queue;  // INPUT frames not yet written
    for (;;) {
        // Frames already read come first (the attach reply may have
        // brought history with it).
        for (;;) {
            auto f = link.reader.next();
            if (!f) {
                say(cat("xm console: ", f.error().message));
                end_status_ = kConsoleNoDaemon;
                return End::kFailed;
            }
            if (!*f) break;
            End end = End::kLost;
            if (!on_frame(**f, end)) return end;
        }
        pollfd p[3] = {{sigfd_.get(), POLLIN, 0},
                       {link.fd.get(), static_cast<short>(POLLIN | (queue.empty() ? 0 : POLLOUT)), 0},
                       {stdin_done_ || queue.size() >= kMaxQueuedInput ? -1 : STDIN_FILENO, POLLIN, 0}};
        if (::poll(p, 3, -1) < 0) {
            if (errno == EINTR) continue;
            return End::kLost;
        }
        if (p[0].revents && signalled()) return End::kDetached;
        if (p[2].revents) {
            End end = End::kDetached;
            if (!read_stdin(stdin_done_, queue, end)) return end;
        }
        if (p[1].revents & POLLOUT && !queue.empty()) {
            ssize_t n = ::send(link.fd.get(), queue.data(), queue.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) queue.erase(0, static_cast<std::size_t>(n));
            else if (n < 0 && errno != EAGAIN && errno != EINTR) return End::kLost;
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[cons::kHeaderSize + cons::kMaxPayload];
            ssize_t n = ::read(link.fd.get(), buf, link.reader.room());
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) return End::kLost;
            link.reader.push(std::span<const char>(buf, static_cast<std::size_t>(n)));
        }
    }
}

// xenconsoled went away mid-session (svc.startd restarts it): attach
// again to the same domain, by id, without replaying history the user has
// seen. Ctrl-] and signals still end the wait.
std::optional<Link> Client::reattach(std::uint32_t dom, int& status) {
    say(cat("[xm console: lost xenconsoled; re-attaching to domain ", dom, " (Ctrl-] to quit)]"));
    std::uint32_t flags = cons::kAttachNoReplay;
    auto deadline = Clock::now() + kReattachFor;
    while (Clock::now() < deadline) {
        auto r = attach(socket_, cat(dom), flags);
        if (auto* link = std::get_if<Link>(&r)) {
            role_ = link->attached.role;
            say(cat("[xm console: re-attached to domain ", dom, "]"));
            return std::move(*link);
        }
        const Failure& f = std::get<Failure>(r);
        if (f.code == ENOENT) {
            say(cat("xm console: domain ", dom, " is gone"));
            status = kConsoleEnded;
            return std::nullopt;
        }
        if (f.status == kConsoleRefused) {
            say(f.message);
            status = kConsoleRefused;
            return std::nullopt;
        }
        pollfd p[2] = {{sigfd_.get(), POLLIN, 0}, {stdin_done_ ? -1 : STDIN_FILENO, POLLIN, 0}};
        if (::poll(p, 2, static_cast<int>(kReattachEvery.count())) > 0) {
            if (p[0].revents && signalled()) break;
            if (p[1].revents) {
                char c[512];
                ssize_t n = ::read(STDIN_FILENO, c, sizeof c);
                if (n == 1 && c[0] == kEscape) break;
                if (n <= 0) stdin_done_ = true;
            }
        }
    }
    if (Clock::now() >= deadline) {
        say(cat("xm console: xenconsoled did not come back within ", kReattachFor.count(), " s"));
        status = kConsoleNoDaemon;
    } else {
        status = kConsoleDetached;
    }
    return std::nullopt;
}

int Client::run() {
    auto first = attach(socket_, o_.domain, 0);
    if (auto* f = std::get_if<Failure>(&first)) {
        if (!(o_.quiet && f->status == kConsoleNoDomain && f->code == ENOENT))
            std::fprintf(stderr, "%s\n", f->message.c_str());
        return f->status;
    }
    Link link = std::move(std::get<Link>(first));
    role_ = link.attached.role;
    sigset_t mask;
    ::sigemptyset(&mask);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) ::sigaddset(&mask, s);
    ::sigprocmask(SIG_BLOCK, &mask, nullptr);
    sigfd_.reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    RawTerminal term(STDIN_FILENO);
    raw_ = term.active();
    std::uint32_t dom = link.attached.domid;
    for (;;) {
        End end = session(link);
        if (end == End::kDetached) return kConsoleDetached;
        if (end == End::kClosed) return kConsoleEnded;
        if (end == End::kFailed) return end_status_;
        int status = kConsoleNoDaemon;
        auto again = reattach(dom, status);
        if (!again) return status;
        link = std::move(*again);
    }
}

}  // namespace

int console_main(std::span<char* const> args) {
    // A peer that closes on us (xenconsoled refusing us, a reader of our
    // output going away) is an error to report, not a death.
    ::signal(SIGPIPE, SIG_IGN);
    std::string error;
    auto o = parse_options(args, error);
    if (!o) {
        if (!error.empty()) std::fprintf(stderr, "%s\n\n", error.c_str());
        std::fputs(kUsage, error.empty() ? stdout : stderr);
        return error.empty() ? 0 : kConsoleNoDomain;
    }
    return Client(*o, root_path("/var/run/xenconsoled/socket")).run();
}

}  // namespace xvm::xm
