// svc.startd's control socket, <root>/etc/svc/volatile/startd.sock: one
// request line, one reply line. Root's commands change the repository
// themselves and send "notify" so the restarter looks again; other users'
// commands send the request itself, and svc.startd applies it only when
// the caller's RBAC authorizations allow (DESIGN.md section 4, SMF.md 8).
//
//   request:  verb TAB entity [TAB arg]... LF   (\\ \t \n escaped)
//   reply:    ok LF  |  error TAB errno TAB message LF
#pragma once

#include <string>
#include <string_view>

#include "lib/base/result.h"
#include "lib/smf/smf_actions.h"

namespace xvm::smf {

inline constexpr std::string_view kControlSocket = "/etc/svc/volatile/startd.sock";
inline constexpr std::size_t kMaxRequest = 64 * 1024;

std::string encode_request(const Request& request);
Result<Request> decode_request(std::string_view line);
std::string encode_reply(const Status& status);
Status decode_reply(std::string_view line);

// Sends a request to svc.startd and waits for its reply.
Status send_request(const Request& request);
// The one entry point of every command: as root, applies the request to
// the repository and notifies svc.startd when it runs; otherwise asks
// svc.startd, which checks authorizations.
Status submit(const Request& request);

}  // namespace xvm::smf
