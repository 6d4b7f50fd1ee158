// Sending and receiving descriptors over local stream sockets (SCM_RIGHTS).
// Used by the hvsim protocol: event channels, shared pages and dump files
// travel as descriptors, never as paths, so the receiver needs no path
// authority and a notify is a direct write with no daemon in between.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm {

inline constexpr std::size_t kMaxPassedFds = 8;

// Sends all of `data` on a blocking socket; `fds` (at most kMaxPassedFds)
// ride with the first byte.
Status send_with_fds(int sock, std::span<const char> data, std::span<const int> fds);

// One recvmsg(): up to out.size() bytes; received descriptors are appended
// to `fds` (close-on-exec). Returns 0 at end of stream. Descriptors beyond
// kMaxPassedFds in one message are closed and reported as an error.
Result<std::size_t> recv_with_fds(int sock, std::span<char> out, std::vector<UniqueFd>& fds);

}  // namespace xvm
