// The launcher: hvsim's privileged half (see guest_proc.h for why it
// exists). Requests and replies are single SOCK_SEQPACKET messages with a
// fixed header; request_X() in hvsim pairs with on_X() in the launcher,
// both in launcher.cpp.
//   spawn:  header + kernel + extra, 8 descriptors -> pid + pidfd (or errno)
//   signal: pid + signal number -> errno (0 ok); only the launcher's own
//           living children may be signalled, anything else is EPERM.
// When hvsim goes away (socket EOF) the launcher kills every guest and
// exits: guests never outlive hvsim (hvsim(1M), RESTART).
#pragma once

#include <sys/types.h>

#include "daemons/hvsim/guest_proc.h"
#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm::hvsim {

class Launcher {
  public:
    // Forks the launcher. Call while still root, before dropping privileges.
    static Result<Launcher> start(const GuestSpec& spec);

    Result<GuestProcess> spawn(const guest_abi::GuestStart& args, const DomainPages& pages,
                               const PortFds& store, const PortFds& console);
    Status signal(pid_t pid, int signo);
    // SIGKILL, then wait (bounded) until the process has exited.
    Status kill_and_wait(GuestProcess& process);
    int fd() const { return sock_.get(); }
    pid_t pid() const { return pid_; }

  private:
    Launcher(UniqueFd sock, pid_t pid) : sock_(std::move(sock)), pid_(pid) {}
    Result<std::string> exchange(const std::string& request, std::span<const int> fds,
                                 std::vector<UniqueFd>& received);

    UniqueFd sock_;
    pid_t pid_ = -1;
};

}  // namespace xvm::hvsim
