// One small log module. Lines go to stderr (the restarter appends a
// service's stderr to its SMF log), one write() per line so concurrent
// writers never interleave within a line:
//   2026-11-22T17:50:01.123Z xenstored[812]: message
// log_warn appends strerror(errno), log_warnx does not (OpenBSD naming).
#pragma once

#include <string_view>

#include "lib/base/result.h"

namespace xvm {

// Sets the role shown on every line ("xenstored") and whether debug lines
// are written. Call once from main().
void log_init(std::string_view role, bool debug = false);
// Redirects output (tests); the fd is not owned.
void log_set_fd(int fd);

void log_debug(std::string_view message);
void log_info(std::string_view message);
void log_warn(std::string_view message);  // + ": " + strerror(errno)
void log_warnx(std::string_view message);
void log_error(const Error& error);  // the error's message, as a warning

}  // namespace xvm
