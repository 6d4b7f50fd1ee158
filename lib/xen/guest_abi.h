// What hvsim hands a guest process (daemons/hvsim/launcher.cpp) and the
// guest program (cmd/xvm-guest) expects: its start arguments (GuestStart,
// as command-line words), descriptors at fixed numbers, and
// one-line text messages on the control channel, guest -> hvsim:
//   "shutdown <poweroff|reboot|suspend|crash|watchdog>\n"  (SCHEDOP_shutdown)
//   "balloon <KiB>\n"     (the balloon driver asks for a new allocation)
// and hvsim -> guest, the answer to each balloon request:
//   "balloon-done <KiB>\n" | "balloon-refused <KiB>\n"
// (as XENMEM_increase/decrease_reservation succeed or fail).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/base/result.h"

namespace xvm::guest_abi {

// The start arguments of a simulated guest, as its boot loader would pass
// them: written by hvsim's launcher, read by the guest program.
struct GuestStart {
    std::uint32_t domid = 0;
    std::uint64_t memory_kib = 0;
    std::uint32_t vcpus = 1;
    std::string kernel;  // the behaviour script (cmd/xvm-guest/guest.h)
    std::string extra;   // the kernel command line
    bool resume = false;  // restored from a save file, not a fresh boot
};

// "--domid 3 --memory-kib 65536 --vcpus 1 --kernel K --extra E [--resume]"
std::vector<std::string> to_words(const GuestStart& start);
// The inverse; an error names the option and the bad value.
Result<GuestStart> from_words(const std::vector<std::string>& words);

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
