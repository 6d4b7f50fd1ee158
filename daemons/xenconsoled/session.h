// One client connection on the console socket (lib/xen/console_proto.h):
// it waits for ATTACH within its time budget, then carries the guest's
// output out (history first) and, while it is the domain's writer, the
// user's keystrokes in.
//
// Bounded everywhere: input is read a frame at a time and only while the
// domain's input queue has room; output waits in an OutputBuffer bounded
// by the domain's console/limit (overflow discards as Xen's does, and the
// client is told how much it lost); control frames are few and small.
// A session never deletes itself: it asks the server to retire it, which
// happens after the current event-loop pass.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "daemons/xenconsoled/output_buffer.h"
#include "lib/base/event_loop.h"
#include "lib/base/unique_fd.h"
#include "lib/priv/ucred.h"
#include "lib/xen/console_proto.h"
#include "lib/xen/hypervisor.h"

namespace xvm::console {

class Session;

// What a session needs from the server.
class SessionHost {
  public:
    virtual ~SessionHost() = default;
    // The client asked to attach; the host answers through the session.
    virtual void on_attach(Session& s, const cons::Attach& request) = 0;
    // Keystrokes from the domain's writer; returns false when the domain's
    // input queue is full (the session stops reading until resume_input()).
    virtual bool on_input(Session& s, std::string_view bytes) = 0;
    // The session is over (closed, broken or timed out): detach and delete
    // it after this pass.
    virtual void retire(Session& s) = 0;
};

class Session {
  public:
    static constexpr auto kAttachBudget = std::chrono::seconds(10);
    static constexpr auto kCloseBudget = std::chrono::seconds(5);

    Session(EventLoop& loop, SessionHost& host, UniqueFd fd, PeerCred peer, std::uint64_t id);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    Status start();

    std::uint64_t id() const { return id_; }
    const PeerCred& peer() const { return peer_; }
    // "uid 0 pid 812"
    std::string who() const;
    std::optional<DomId> domain() const { return dom_; }
    bool read_only() const { return read_only_; }
    cons::Role role() const { return role_; }

    // Attaching (called by the host from on_attach).
    void attached(DomId dom, const std::string& name, cons::Role role, std::size_t limit,
                  bool read_only);
    // Refusal or protocol error: one ERROR frame, then close.
    void fail(int code, const std::string& text);

    void output(std::string_view bytes);
    void notice(const std::string& text);
    void set_role(cons::Role role, const std::string& text);
    // The domain is gone or the daemon stops: what is queued goes out,
    // then CLOSED, then the connection closes (within kCloseBudget).
    void close(cons::CloseReason reason, const std::string& text);
    // The domain's input queue has room again.
    void resume_input();
    // The console this session was attached to is gone.
    void forget_domain() { dom_.reset(); }

  private:
    Status on_io(std::uint32_t events);
    Status read_some();
    void process_frames();
    void handle(const cons::FrameReader::Owned& frame);
    Status flush();
    bool next_frame();
    void update_events();
    void end(const std::string& why);

    EventLoop& loop_;
    SessionHost& host_;
    UniqueFd fd_;
    PeerCred peer_;
    std::uint64_t id_;
    cons::FrameReader reader_{cons::From::kClient};
    std::optional<DomId> dom_;
    bool attach_seen_ = false;
    bool read_only_ = false;
    cons::Role role_ = cons::Role::kViewer;
    bool input_paused_ = false;
    bool closing_ = false;   // no more input; close once drained
    bool ended_ = false;     // retired: ignore everything
    std::optional<OutputBuffer> out_;  // guest output, once attached
    std::deque<std::string> control_;  // whole frames ahead of output
    std::string final_;                // CLOSED, after all output
    std::string wire_;                 // the frame being written
    std::uint32_t epoll_events_ = 0;
    bool final_sent_ = false;
    bool lost_reported_ = false;
    EventLoop::TimerId timer_ = 0;         // attach or close budget
    EventLoop::TimerId resume_timer_ = 0;  // input resumed: read buffered frames
};

}  // namespace xvm::console
