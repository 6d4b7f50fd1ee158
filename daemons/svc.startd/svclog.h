// Instance logs (svc.startd(1M) "Logs"): <root>/var/svc/log/<logstem>, opened
// append-only, mode 0644. svc.startd's own lines are bracketed with a
// "%b %e %T" timestamp; the methods' stdout and stderr go to the same
// file unbracketed.
#pragma once

#include <string>
#include <string_view>

#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm::startd {

std::string log_path(std::string_view instance);
Result<UniqueFd> open_log(std::string_view instance);
// "[ Nov 22 18:04:45 message ]", control characters of the message
// escaped, so text from a manifest or a request (an exec string, a
// property name) cannot forge a line of its own.
std::string log_line(std::string_view message);
// Control characters as \n, \t, \xNN; everything else as it is.
std::string printable(std::string_view text);
// Appends one bracketed line; a log that cannot be written is reported
// on svc.startd's own stderr.
void instance_log(std::string_view instance, std::string_view message);

}  // namespace xvm::startd
