#include "daemons/xenconsoled/session.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm::console {

Session::Session(EventLoop& loop, SessionHost& host, UniqueFd fd, PeerCred peer, std::uint64_t id)
    : loop_(loop), host_(host), fd_(std::move(fd)), peer_(std::move(peer)), id_(id) {}

Session::~Session() {
    loop_.remove_fd(fd_.get());
    loop_.cancel_timer(timer_);
    loop_.cancel_timer(resume_timer_);
}

std::string Session::who() const { return cat("uid ", peer_.uid, " pid ", peer_.pid); }

Status Session::start() {
    epoll_events_ = EPOLLIN;
    Status s = loop_.add_fd(fd_.get(), epoll_events_, [this](std::uint32_t ev) { return on_io(ev); });
    if (!s) return s;
    // A connection that never attaches must not hold a descriptor forever.
    timer_ = loop_.add_timer(kAttachBudget, [this] {
        timer_ = 0;
        if (!attach_seen_)
            fail(ETIMEDOUT, cat("no ATTACH within ", kAttachBudget.count(), " s"));
        return Status();
    });
    return {};
}

void Session::end(const std::string& why) {
    if (ended_) return;
    ended_ = true;
    log_debug(cat("console client ", who(), ": ", why));
    loop_.remove_fd(fd_.get());
    host_.retire(*this);
}

Status Session::on_io(std::uint32_t events) {
    if (ended_) return {};
    if (events & EPOLLOUT) {
        if (Status s = flush(); !s) return s;
    }
    if (ended_) return {};
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) return read_some();
    return {};
}

Status Session::read_some() {
    if (closing_) {
        // Not reading any more: only notice a peer that went away.
        char c;
        ssize_t n = ::recv(fd_.get(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) end("client went away");
        else if (n > 0) update_events();  // unread input: stop asking for EPOLLIN
        return {};
    }
    if (input_paused_) {
        update_events();
        return {};
    }
    char buf[cons::kHeaderSize + cons::kMaxPayload];
    ssize_t n = ::read(fd_.get(), buf, reader_.room());
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return {};
    if (n <= 0) {
        end(n == 0 ? "client closed the connection" : cat("read failed: ", std::strerror(errno)));
        return {};
    }
    reader_.push(std::span<const char>(buf, static_cast<std::size_t>(n)));
    process_frames();
    return {};
}

void Session::process_frames() {
    while (!ended_ && !closing_ && !input_paused_) {
        auto frame = reader_.next();
        if (!frame) return fail(EPROTO, frame.error().message);
        if (!*frame) return;
        handle(**frame);
    }
    if (!ended_) update_events();
}

void Session::handle(const cons::FrameReader::Owned& frame) {
    if (frame.type == cons::MsgType::kAttach) {
        if (attach_seen_) return fail(EPROTO, "console protocol: ATTACH may be sent only once");
        auto request = cons::decode_attach(frame.payload);
        if (!request) return fail(request.error().code, request.error().message);
        attach_seen_ = true;
        loop_.cancel_timer(timer_);
        timer_ = 0;
        return host_.on_attach(*this, *request);
    }
    // INPUT: the parser admits nothing else from a client.
    if (!dom_) return fail(EPROTO, "console protocol: INPUT before ATTACH");
    if (role_ != cons::Role::kWriter)
        return fail(EPERM, "console protocol: this client is a read-only viewer: input refused");
    if (!host_.on_input(*this, frame.payload)) input_paused_ = true;
}

void Session::attached(DomId dom, const std::string& name, cons::Role role, std::size_t limit,
                       bool read_only) {
    dom_ = dom;
    role_ = role;
    read_only_ = read_only;
    out_.emplace(limit);
    control_.push_back(cons::encode_attached({dom, role, name}));
    (void)flush();  // errors end the session; nothing more to do here
}

void Session::fail(int code, const std::string& text) {
    if (ended_ || closing_) return;
    log_warnx(cat("console client ", who(), ": ", text));
    loop_.cancel_timer(timer_);
    control_.clear();
    out_.reset();
    final_ = cons::encode_error(code, text);
    closing_ = true;
    timer_ = loop_.add_timer(kCloseBudget, [this] {
        timer_ = 0;
        end("did not take its error message");
        return Status();
    });
    (void)flush();
}

void Session::output(std::string_view bytes) {
    if (ended_ || closing_ || !out_) return;
    out_->append(bytes);
    if (std::uint64_t lost = out_->take_discarded(); lost > 0) {
        if (!lost_reported_)
            log_warnx(cat("console client ", who(), " of domain ", *dom_,
                          " does not keep up: output discarded (limit ", out_->limit(),
                          " bytes; reported once per client)"));
        lost_reported_ = true;
        control_.push_back(cons::encode_notice(
            cat(lost, " bytes of console output were discarded: this client did not keep up")));
    }
    (void)flush();
}

void Session::notice(const std::string& text) {
    if (ended_ || closing_) return;
    control_.push_back(cons::encode_notice(text));
    (void)flush();
}

void Session::set_role(cons::Role role, const std::string& text) {
    if (ended_ || closing_) return;
    role_ = role;
    control_.push_back(cons::encode_role(role, text));
    (void)flush();
}

void Session::close(cons::CloseReason reason, const std::string& text) {
    if (ended_ || closing_) return;
    closing_ = true;
    final_ = cons::encode_closed(reason, text);
    loop_.cancel_timer(timer_);
    timer_ = loop_.add_timer(kCloseBudget, [this] {
        timer_ = 0;
        end("did not read its last output in time");
        return Status();
    });
    (void)flush();
}

void Session::resume_input() {
    if (!input_paused_ || ended_) return;
    input_paused_ = false;
    // Frames may already wait in the reader; take them after this pass,
    // never from inside the console call that made room.
    if (resume_timer_ == 0)
        resume_timer_ = loop_.add_timer(std::chrono::milliseconds(0), [this] {
            resume_timer_ = 0;
            process_frames();
            return Status();
        });
}

bool Session::next_frame() {
    if (!control_.empty()) {
        wire_ = std::move(control_.front());
        control_.pop_front();
        return true;
    }
    if (out_ && !out_->empty()) {
        std::string_view chunk = out_->pending().substr(0, cons::kMaxPayload);
        cons::append_frame(wire_, cons::MsgType::kOutput, chunk);
        out_->consume(chunk.size());
        return true;
    }
    if (closing_ && !final_.empty()) {
        wire_ = std::move(final_);
        final_.clear();
        final_sent_ = true;
        return true;
    }
    return false;
}

Status Session::flush() {
    while (!ended_) {
        if (wire_.empty() && !next_frame()) break;
        ssize_t n = ::send(fd_.get(), wire_.data(), wire_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        if (n < 0) {
            end(cat("write failed: ", std::strerror(errno)));
            return {};
        }
        wire_.erase(0, static_cast<std::size_t>(n));
    }
    if (ended_) return {};
    if (closing_ && final_sent_ && wire_.empty()) {
        end("session over");
        return {};
    }
    update_events();
    return {};
}

void Session::update_events() {
    if (ended_) return;
    std::uint32_t want = 0;
    if (!closing_ && !input_paused_) want |= EPOLLIN;
    bool pending = !wire_.empty() || !control_.empty() || (out_ && !out_->empty()) ||
                   (closing_ && !final_sent_);
    if (pending) want |= EPOLLOUT;
    if (want == epoll_events_) return;
    epoll_events_ = want;
    if (Status s = loop_.modify_fd(fd_.get(), want); !s) log_error(s.error());
}

}  // namespace xvm::console
