// The xenconsoled socket protocol: how `xm console` (cmd/xm/console.cpp)
// talks to xenconsoled (daemons/xenconsoled) over the local stream socket
// /var/run/xenconsoled/socket. Both ends are on one host: integers are in
// host byte order.
//
// Framing: every message, both ways, is
//     u32 type, u32 len, len payload bytes          (len <= kMaxPayload)
// A frame whose type is not one the sender may send, or whose length is
// over kMaxPayload, breaks the framing: the receiver says why (kError, when
// it is the daemon) and closes. A payload must hold exactly the fields of
// its type.
//
// Who may send what, and when:
//   client -> daemon
//     kAttach   once, first:  u32 version (kVersion), u32 flags (AttachFlag;
//               unknown bits are an error), then the domain as text - a
//               domain id in decimal or a domain name, 1..kMaxDomainText
//               printable ASCII bytes.
//     kInput    only after kAttached and only while the client is the
//               domain's writer: 1..kMaxPayload bytes for the guest's
//               keyboard.
//   daemon -> client
//     kError    instead of kAttached, or on a protocol violation: u32 errno
//               value, then one line of text; the daemon closes after it.
//               A peer refused by its credentials gets kError EACCES before
//               it has sent anything.
//     kAttached the answer to kAttach: u32 domid, u32 role (Role), then the
//               domain's name (may be empty). Replayed history follows as
//               kOutput unless kAttachNoReplay was asked.
//     kOutput   1..kMaxPayload bytes the guest wrote to its console.
//     kRole     u32 role, then a line of text: the client's role changed
//               (a viewer became the writer because the writer left).
//     kNotice   a line of text for the user, no change of state (e.g.
//               output discarded because this client did not keep up).
//     kClosed   u32 reason (CloseReason), then a line of text; the last
//               frame of a session, after every kOutput still queued.
//               A client that does not read its output loses some
//               (kNotice says how much), never the session.
//
// One writer per domain (never two writers interleaved): the first client
// that attaches without kAttachReadOnly is the writer; a later one is a
// read-only viewer and is told so in kAttached (role kViewer, and a
// kNotice naming the writer). When the writer leaves, the longest-waiting
// viewer that did not ask to be read-only becomes the writer (kRole).
// Input from a viewer is a protocol violation.
//
// Limits that are the daemon's, not the protocol's (xenconsoled(1M)):
// clients per domain, connections in all, a time budget for kAttach.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "lib/base/result.h"

namespace xvm::cons {

inline constexpr std::uint32_t kVersion = 1;
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::uint32_t kMaxPayload = 16 * 1024;
inline constexpr std::size_t kMaxDomainText = 256;
inline constexpr std::size_t kMaxText = 1024;  // error, notice and name texts

enum class MsgType : std::uint32_t {
    kAttach = 1,
    kInput = 2,
    kError = 0x101,
    kAttached = 0x102,
    kOutput = 0x103,
    kRole = 0x104,
    kNotice = 0x105,
    kClosed = 0x106,
};

// Which end a frame comes from: a parser accepts only the other end's types.
enum class From : std::uint8_t { kClient, kDaemon };

enum AttachFlag : std::uint32_t {
    kAttachReadOnly = 1u << 0,  // a viewer even when nobody writes
    kAttachNoReplay = 1u << 1,  // no history (a client re-attaching)
};
inline constexpr std::uint32_t kAttachKnownFlags = kAttachReadOnly | kAttachNoReplay;

enum class Role : std::uint32_t { kWriter = 1, kViewer = 2 };

enum class CloseReason : std::uint32_t {
    kDomainGone = 1,      // the domain was destroyed or died
    kDaemonStopping = 2,  // xenconsoled is exiting (a client may attach again)
};

// "ATTACH"; "UNKNOWN" for a type outside the table.
std::string_view type_name(std::uint32_t type);

struct Frame {
    MsgType type;
    std::string_view payload;  // points into the parsed buffer
    std::size_t wire_size() const { return kHeaderSize + payload.size(); }
};

// The frame at the front of `in` sent by `from`: nullopt while incomplete;
// EPROTO when the type is not one `from` may send or the length is over
// the limit (checked from the header alone, before any payload arrives).
Result<std::optional<Frame>> parse_frame(std::span<const char> in, From from);
// Appends a frame; `payload` must be within kMaxPayload.
void append_frame(std::string& out, MsgType type, std::string_view payload);

// ---- payloads ----

struct Attach {
    std::uint32_t version = kVersion;
    std::uint32_t flags = 0;
    std::string domain;
};
struct Attached {
    std::uint32_t domid = 0;
    Role role = Role::kWriter;
    std::string name;
};
struct ErrorMsg {
    int code = 0;
    std::string text;
};
struct RoleMsg {
    Role role = Role::kWriter;
    std::string text;
};
struct Closed {
    CloseReason reason = CloseReason::kDomainGone;
    std::string text;
};

// Decoders check every field: exact length, known enum values and flags,
// text within its cap and free of NUL and line breaks. Errors are EPROTO
// (framing and fields) or EINVAL (a domain text that cannot name a domain),
// with a message naming the message type and the field.
Result<Attach> decode_attach(std::string_view payload);
Result<Attached> decode_attached(std::string_view payload);
Result<ErrorMsg> decode_error(std::string_view payload);
Result<RoleMsg> decode_role(std::string_view payload);
Result<std::string> decode_notice(std::string_view payload);
Result<Closed> decode_closed(std::string_view payload);

// Encoders produce whole frames. Texts longer than kMaxText are cut, and
// line breaks in them become spaces, so an encoder never makes a frame its
// own decoder would refuse.
std::string encode_attach(const Attach& a);
std::string encode_attached(const Attached& a);
std::string encode_error(int code, std::string_view text);
std::string encode_role(Role role, std::string_view text);
std::string encode_notice(std::string_view text);
std::string encode_closed(CloseReason reason, std::string_view text);

// A domain named in kAttach: an id when it is all decimal digits (no sign,
// no leading zeros except "0", within 32 bits), else a name.
struct DomainRef {
    std::optional<std::uint32_t> id;
    std::string name;
};
DomainRef parse_domain_ref(std::string_view text);

// Accumulates bytes from a stream and yields whole frames from `from`.
// Holds at most one frame: push() refuses input once kHeaderSize +
// kMaxPayload bytes are buffered, so a peer can never make it grow.
class FrameReader {
  public:
    explicit FrameReader(From from) : from_(from) {}
    // Room left for the next read (0 when a whole frame must be taken first).
    std::size_t room() const { return kHeaderSize + kMaxPayload - buf_.size(); }
    // Takes at most room() bytes; returns how many it took.
    std::size_t push(std::span<const char> bytes);
    // The next whole frame, copied out; nullopt when incomplete; an error
    // when the framing is broken (the connection must be closed).
    struct Owned {
        MsgType type;
        std::string payload;
    };
    Result<std::optional<Owned>> next();

  private:
    From from_;
    std::string buf_;
};

}  // namespace xvm::cons
