// The simulated guest kernel: one process per domain, started by hvsim
// with its pages and event channels (guest_abi.h). It boots (banner on the
// console), registers with xenstore over its ring (GET_DOMAIN_PATH, the
// usual feature nodes, watches on control/shutdown and memory/target),
// obeys shutdown requests by telling hvsim (SCHEDOP_shutdown), follows its
// balloon target, and runs a small console shell (Guest::command).
//
// Its "kernel" and "extra" strings choose scripted misbehaviour, so tests
// can provoke every path of the daemons (words anywhere in either string):
//   crash-on-boot    - print the banner, then crash (SHUTDOWN_crash)
//   die-on-boot      - print the banner, then exit without a shutdown call
//   ignore-shutdown  - never act on control/shutdown
//   no-xenstore      - never talk to xenstore
// Its state that a save/restore must carry (boot count, first boot time,
// memory) lives in the first page of its memory image.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "cmd/xvm-guest/console.h"
#include "lib/xen/guest_abi.h"
#include "cmd/xvm-guest/xs_client.h"

namespace xvm::guest {


struct Behaviour {
    bool crash_on_boot = false;
    bool die_on_boot = false;
    bool ignore_shutdown = false;
    bool no_xenstore = false;
};
Behaviour parse_behaviour(const std::string& kernel, const std::string& extra);

// The first page of the memory image.
struct KernelState {
    std::uint64_t magic;
    std::uint32_t boot_count;
    std::uint32_t reserved;
    std::int64_t first_boot_unix;
    std::uint64_t memory_kib;
};
inline constexpr std::uint64_t kStateMagic = 0x584d56475354ull;  // "XMVGST"

class Guest {
  public:
    Guest(const guest_abi::GuestStart& args, KernelState* state, XsClient& xs, Console& console, int control_fd)
        : args_(args),
          behaviour_(parse_behaviour(args.kernel, args.extra)),
          state_(state),
          xs_(xs),
          console_(console),
          control_fd_(control_fd) {}

    // Prints the banner and starts the xenstore conversation. Returns false
    // when the scripted behaviour ended the domain during boot.
    bool boot();
    // A line typed on the console.
    void command(std::string_view line);
    // A line from hvsim on the control channel (guest_abi.h).
    void from_hvsim(std::string_view line);
    // True once the domain asked hvsim to end it.
    bool finished() const { return finished_; }

  private:
    void register_with_xenstore(std::string_view domain_path);
    void on_watch(std::string_view path);
    void on_shutdown_request(std::string_view value);
    void on_memory_target(std::string_view value);
    void shutdown(std::string_view reason);
    void tell_hvsim(const std::string& line);
    std::string mem_report() const;

    guest_abi::GuestStart args_;
    Behaviour behaviour_;
    KernelState* state_;
    XsClient& xs_;
    Console& console_;
    int control_fd_;
    std::string path_;  // /local/domain/<id>
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    bool finished_ = false;
};

}  // namespace xvm::guest
