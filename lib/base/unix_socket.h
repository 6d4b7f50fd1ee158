// Local stream sockets. Listening sockets are created mode 0666: access is
// decided per connection from the peer's credentials (ucred.h), not by the
// file mode (docs/design.md section 2).
#pragma once

#include <sys/stat.h>

#include <string>

#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm {

// Binds and listens on `path` (a stale socket file is replaced; any other
// existing file is an error), non-blocking and close-on-exec.
Result<UniqueFd> listen_unix(const std::string& path, mode_t mode = 0666, int backlog = 4096);
// Connects a blocking, close-on-exec socket to `path`.
Result<UniqueFd> connect_unix(const std::string& path);
// Accepts one connection, non-blocking and close-on-exec. EAGAIN when none.
Result<UniqueFd> accept_unix(int listen_fd);

}  // namespace xvm
