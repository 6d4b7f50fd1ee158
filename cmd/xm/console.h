// xm console [-q] <Domain>: the guest's console on this terminal, through
// xenconsoled's socket (lib/xen/console_proto.h) - not a set-uid client:
// the daemon decides from this process's credentials. The terminal is put
// in raw mode (when standard input is one) and restored however the
// session ends; Ctrl-] read on its own detaches, as with Xen's xenconsole.
#pragma once

#include <span>

namespace xvm::xm {

// Exit statuses (xm(1M), "console"):
inline constexpr int kConsoleDetached = 0;  // Ctrl-], end of input on a terminal, a signal
inline constexpr int kConsoleNoDomain = 1;  // no such domain, or a usage error
inline constexpr int kConsoleEnded = 2;     // the domain went away
inline constexpr int kConsoleRefused = 3;   // xenconsoled refused this user
inline constexpr int kConsoleNoDaemon = 4;  // xenconsoled cannot be reached, did not come back, or misbehaved

// `args` are the words after "xm": args[0] is "console".
int console_main(std::span<char* const> args);

}  // namespace xvm::xm
