// What hvsim hands a guest process (daemons/hvsim/guest_proc.cpp) and the
// guest program (cmd/xvm-guest) expects: descriptors at fixed numbers, and
// one-line text messages on the control channel, guest -> hvsim:
//   "shutdown <poweroff|reboot|suspend|crash|watchdog>\n"  (SCHEDOP_shutdown)
//   "balloon <KiB>\n"     (the balloon driver asks for a new allocation)
// and hvsim -> guest, the answer to each balloon request:
//   "balloon-done <KiB>\n" | "balloon-refused <KiB>\n"
// (as XENMEM_increase/decrease_reservation succeed or fail).
#pragma once

namespace xvm::guest_abi {

inline constexpr int kControlFd = 3;
inline constexpr int kXenstorePageFd = 4;
inline constexpr int kConsolePageFd = 5;
inline constexpr int kMemoryFd = 6;
inline constexpr int kStoreWaitFd = 7;
inline constexpr int kStoreNotifyFd = 8;
inline constexpr int kConsoleWaitFd = 9;
inline constexpr int kConsoleNotifyFd = 10;
inline constexpr int kFdCount = 8;  // 3..10

inline constexpr unsigned kMaxControlLine = 128;

}  // namespace xvm::guest_abi
