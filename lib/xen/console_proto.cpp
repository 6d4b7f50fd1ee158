#include "lib/xen/console_proto.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "lib/base/format.h"

namespace xvm::cons {
namespace {

// The protocol as a table: who sends each type and how long its payload
// may be. parse_frame() consults it before a payload byte is read.
struct TypeRule {
    MsgType type;
    std::string_view name;
    From from;
    std::uint32_t min_len;
    std::uint32_t max_len;
};

constexpr std::array<TypeRule, 8> kRules{{
    {MsgType::kAttach, "ATTACH", From::kClient, 9, 8 + kMaxDomainText},
    {MsgType::kInput, "INPUT", From::kClient, 1, kMaxPayload},
    {MsgType::kError, "ERROR", From::kDaemon, 4, 4 + kMaxText},
    {MsgType::kAttached, "ATTACHED", From::kDaemon, 8, 8 + kMaxText},
    {MsgType::kOutput, "OUTPUT", From::kDaemon, 1, kMaxPayload},
    {MsgType::kRole, "ROLE", From::kDaemon, 4, 4 + kMaxText},
    {MsgType::kNotice, "NOTICE", From::kDaemon, 0, kMaxText},
    {MsgType::kClosed, "CLOSED", From::kDaemon, 4, 4 + kMaxText},
}};

constexpr bool rules_fit() {
    for (const TypeRule& r : kRules)
        if (r.min_len > r.max_len || r.max_len > kMaxPayload) return false;
    return true;
}
static_assert(rules_fit(), "every payload rule fits in one frame");
static_assert(kRules.size() == 8, "one rule per MsgType");

const TypeRule* rule_of(std::uint32_t type) {
    for (const TypeRule& r : kRules)
        if (static_cast<std::uint32_t>(r.type) == type) return &r;
    return nullptr;
}

std::uint32_t get_u32(std::string_view in, std::size_t at) {
    std::uint32_t v;
    std::memcpy(&v, in.data() + at, sizeof v);
    return v;
}

void put_u32(std::string& out, std::uint32_t v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

Error bad(std::string_view type, std::string_view what) {
    return make_error(cat("console protocol: ", type, " ", what), EPROTO);
}

// A line of text: no NUL, no line break, within kMaxText.
Status check_text(std::string_view text, std::string_view type, std::string_view field) {
    if (text.size() > kMaxText)
        return bad(type, cat(field, " is ", text.size(), " bytes (limit ", kMaxText, ")"));
    for (char c : text)
        if (c == '\0' || c == '\n' || c == '\r')
            return bad(type, cat(field, " holds a NUL or line-break byte"));
    return {};
}

std::string clean_text(std::string_view text) {
    std::string out(text.substr(0, kMaxText));
    for (char& c : out)
        if (c == '\0' || c == '\n' || c == '\r') c = ' ';
    return out;
}

bool known_role(std::uint32_t r) {
    return r == static_cast<std::uint32_t>(Role::kWriter) ||
           r == static_cast<std::uint32_t>(Role::kViewer);
}

std::string frame(MsgType type, std::string_view payload) {
    std::string out;
    append_frame(out, type, payload);
    return out;
}

std::string u32_then_text(std::uint32_t v, std::string_view text) {
    std::string p;
    put_u32(p, v);
    p += clean_text(text);
    return p;
}

}  // namespace

std::string_view type_name(std::uint32_t type) {
    const TypeRule* r = rule_of(type);
    return r ? r->name : "UNKNOWN";
}

Result<std::optional<Frame>> parse_frame(std::span<const char> in, From from) {
    if (in.size() < kHeaderSize) return std::optional<Frame>();
    std::string_view view(in.data(), in.size());
    std::uint32_t type = get_u32(view, 0);
    std::uint32_t len = get_u32(view, 4);
    const TypeRule* rule = rule_of(type);
    std::string_view sender = from == From::kClient ? "a client" : "the daemon";
    if (rule == nullptr)
        return make_error(cat("console protocol: unknown message type ", type, " from ", sender),
                          EPROTO);
    if (rule->from != from)
        return make_error(cat("console protocol: ", rule->name, " may not come from ", sender),
                          EPROTO);
    if (len < rule->min_len || len > rule->max_len)
        return make_error(cat("console protocol: ", rule->name, " payload of ", len,
                              " bytes is outside ", rule->min_len, "..", rule->max_len),
                          EPROTO);
    if (in.size() < kHeaderSize + len) return std::optional<Frame>();
    return std::optional<Frame>(Frame{rule->type, view.substr(kHeaderSize, len)});
}

void append_frame(std::string& out, MsgType type, std::string_view payload) {
    put_u32(out, static_cast<std::uint32_t>(type));
    put_u32(out, static_cast<std::uint32_t>(payload.size()));
    out.append(payload);
}

Result<Attach> decode_attach(std::string_view p) {
    if (p.size() < 9) return bad("ATTACH", "is too short");
    Attach a;
    a.version = get_u32(p, 0);
    a.flags = get_u32(p, 4);
    std::string_view domain = p.substr(8);
    if (a.version != kVersion)
        return bad("ATTACH", cat("version ", a.version, " is not supported (this daemon speaks ",
                                 kVersion, ")"));
    if ((a.flags & ~kAttachKnownFlags) != 0)
        return bad("ATTACH", cat("flags 0x", std::hex, a.flags, " hold unknown bits"));
    if (domain.size() > kMaxDomainText)
        return bad("ATTACH", cat("domain is ", domain.size(), " bytes (limit ", kMaxDomainText, ")"));
    for (char c : domain)
        if (c < 0x20 || c > 0x7e)
            return make_error("console protocol: ATTACH domain holds a non-printable byte", EINVAL);
    a.domain = std::string(domain);
    return a;
}

Result<Attached> decode_attached(std::string_view p) {
    if (p.size() < 8) return bad("ATTACHED", "is too short");
    std::uint32_t role = get_u32(p, 4);
    if (!known_role(role)) return bad("ATTACHED", cat("role ", role, " is unknown"));
    std::string_view name = p.substr(8);
    if (Status s = check_text(name, "ATTACHED", "name"); !s) return std::move(s).error();
    return Attached{get_u32(p, 0), static_cast<Role>(role), std::string(name)};
}

Result<ErrorMsg> decode_error(std::string_view p) {
    if (p.size() < 4) return bad("ERROR", "is too short");
    std::uint32_t code = get_u32(p, 0);
    if (code == 0 || code > 4095) return bad("ERROR", cat("code ", code, " is not an errno value"));
    std::string_view text = p.substr(4);
    if (Status s = check_text(text, "ERROR", "text"); !s) return std::move(s).error();
    return ErrorMsg{static_cast<int>(code), std::string(text)};
}

Result<RoleMsg> decode_role(std::string_view p) {
    if (p.size() < 4) return bad("ROLE", "is too short");
    std::uint32_t role = get_u32(p, 0);
    if (!known_role(role)) return bad("ROLE", cat("role ", role, " is unknown"));
    std::string_view text = p.substr(4);
    if (Status s = check_text(text, "ROLE", "text"); !s) return std::move(s).error();
    return RoleMsg{static_cast<Role>(role), std::string(text)};
}

Result<std::string> decode_notice(std::string_view p) {
    if (Status s = check_text(p, "NOTICE", "text"); !s) return std::move(s).error();
    return std::string(p);
}

Result<Closed> decode_closed(std::string_view p) {
    if (p.size() < 4) return bad("CLOSED", "is too short");
    std::uint32_t reason = get_u32(p, 0);
    if (reason < static_cast<std::uint32_t>(CloseReason::kDomainGone) ||
        reason > static_cast<std::uint32_t>(CloseReason::kDaemonStopping))
        return bad("CLOSED", cat("reason ", reason, " is unknown"));
    std::string_view text = p.substr(4);
    if (Status s = check_text(text, "CLOSED", "text"); !s) return std::move(s).error();
    return Closed{static_cast<CloseReason>(reason), std::string(text)};
}

std::string encode_attach(const Attach& a) {
    std::string p;
    put_u32(p, a.version);
    put_u32(p, a.flags);
    p += std::string_view(a.domain).substr(0, kMaxDomainText);
    return frame(MsgType::kAttach, p);
}

std::string encode_attached(const Attached& a) {
    std::string p;
    put_u32(p, a.domid);
    put_u32(p, static_cast<std::uint32_t>(a.role));
    p += clean_text(a.name);
    return frame(MsgType::kAttached, p);
}

std::string encode_error(int code, std::string_view text) {
    // Every error frame carries a real errno value (decode_error insists).
    std::uint32_t c = code > 0 && code <= 4095 ? static_cast<std::uint32_t>(code) : EIO;
    return frame(MsgType::kError, u32_then_text(c, text));
}

std::string encode_role(Role role, std::string_view text) {
    return frame(MsgType::kRole, u32_then_text(static_cast<std::uint32_t>(role), text));
}

std::string encode_notice(std::string_view text) { return frame(MsgType::kNotice, clean_text(text)); }

std::string encode_closed(CloseReason reason, std::string_view text) {
    return frame(MsgType::kClosed, u32_then_text(static_cast<std::uint32_t>(reason), text));
}

DomainRef parse_domain_ref(std::string_view text) {
    bool digits = !text.empty() && text.size() <= 10 &&
                  std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                  (text.size() == 1 || text[0] != '0');
    if (digits) {
        std::uint64_t v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec == std::errc() && end == text.data() + text.size() && v <= 0xffffffffu)
            return DomainRef{static_cast<std::uint32_t>(v), {}};
    }
    return DomainRef{std::nullopt, std::string(text)};
}

std::size_t FrameReader::push(std::span<const char> bytes) {
    std::size_t n = std::min(bytes.size(), room());
    buf_.append(bytes.data(), n);
    return n;
}

Result<std::optional<FrameReader::Owned>> FrameReader::next() {
    auto f = parse_frame(buf_, from_);
    if (!f) return std::move(f).error();
    if (!*f) return std::optional<Owned>();
    Owned out{(*f)->type, std::string((*f)->payload)};
    buf_.erase(0, (*f)->wire_size());
    return std::optional<Owned>(std::move(out));
}

}  // namespace xvm::cons
