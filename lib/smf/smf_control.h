// svc.startd's control socket, <root>/etc/svc/volatile/startd.sock: one
// request line, one reply line. Root's commands change the repository
// themselves and send "notify" so the restarter looks again; other users'
// commands send the request itself, and svc.startd applies it only when
// the caller's RBAC authorizations allow (docs/design.md section 4, smf(5)).
//
//   request:  verb TAB entity [TAB arg]... LF   (\\ \t \n escaped)
//   reply:    ok LF  |  value TAB payload LF  |  error TAB errno TAB message LF
// "read TAB entity TAB view TAB pg" asks for the values of a read-protected
// property group the caller's copy of the repository withholds
// (smf_repo.h); the payload is the group in the record encoding
// (smf_types.h). Views: current, composed, running, snapshot/NAME.
#pragma once

#include <string>
#include <string_view>

#include "lib/base/result.h"
#include "lib/smf/smf_actions.h"

namespace xvm::smf {

inline constexpr std::string_view kControlSocket = "/etc/svc/volatile/startd.sock";
inline constexpr std::size_t kMaxRequest = 64 * 1024;
inline constexpr std::size_t kMaxReply = 1024 * 1024;

std::string encode_request(const Request& request);
Result<Request> decode_request(std::string_view line);
std::string encode_reply(const Status& status);
std::string encode_value_reply(std::string_view payload);
// The payload of a value reply, "" for ok, or the error.
Result<std::string> decode_reply(std::string_view line);

// Sends a request to svc.startd and waits for its reply.
Status send_request(const Request& request);
Result<std::string> send_query(const Request& request);

// Asks svc.startd for the values of read-protected group `pg` of
// `entity` in `view`; EACCES with svc.startd's explanation when the
// caller may not read them.
Result<PropertyGroup> read_protected_group(const std::string& entity, std::string_view view, std::string_view pg);
// Replaces the withheld groups of `set` (the public copy's view of
// `entity`) with their values, or only group `pg` when given. Stops at the
// first refusal and returns it; the groups not revealed stay withheld.
Status reveal(PgSet& set, const std::string& entity, std::string_view view, std::string_view pg = "");
// The one entry point of every command: as root, applies the request to
// the repository and notifies svc.startd when it runs; otherwise asks
// svc.startd, which checks authorizations.
Status submit(const Request& request);
// The same with the caller's writable repository (a process may open the
// repository once: tdb refuses a second open of the same file).
Status submit(Repository* writable, const Request& request);

}  // namespace xvm::smf
