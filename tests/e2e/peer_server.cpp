// Test server for the peer-credential check: a unix socket served by the
// library's event loop. Each connection is answered "accepted" or
// "refused: <reason>" according to the policy and closed; refusals are
// logged by the library with uid and pid.
//   peer_server --socket PATH --policy xvm_control|virt_manage|either
// Privilege files are read from XVM_ROOT. Prints "ready" once listening.
#include <sys/epoll.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "lib/base/event_loop.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/priv/priv_db.h"
#include "lib/priv/ucred.h"
#include "lib/base/unix_socket.h"
#include "lib/priv/peer_listener.h"
#include "lib/smf/scf.h"

namespace {

using namespace xvm;

Result<PrivSet> policy_set(const PrivDb& db, const std::string& policy) {
    if (policy == "either") return db.names().set_of({"xvm_control", "virt_manage"});
    return db.names().set_of({policy});
}

void answer(int fd, std::string_view text) {
    // The peer may already be gone; the test judges by what it read.
    (void)!::write(fd, text.data(), text.size());
}

}  // namespace

int main(int argc, char** argv) {
    log_init("peer_server");
    std::string socket_path, policy;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string opt = argv[i];
        if (opt == "--socket") socket_path = argv[i + 1];
        else if (opt == "--policy") policy = argv[i + 1];
    }
    if (socket_path.empty() || policy.empty()) {
        std::fprintf(stderr, "usage: peer_server --socket PATH --policy POLICY\n");
        return 2;
    }
    Result<PrivDb> db = PrivDb::load_installed();
    if (!db) { log_error(db.error()); return SMF_EXIT_ERR_CONFIG; }
    for (const std::string& warning : db->warnings()) log_warnx(warning);
    Result<PrivSet> required = policy_set(*db, policy);
    if (!required) { log_error(required.error().context("policy")); return SMF_EXIT_ERR_CONFIG; }
    Result<UniqueFd> listener = listen_unix(socket_path);
    if (!listener) { log_error(listener.error()); return SMF_EXIT_ERR_FATAL; }
    auto loop = EventLoop::create();
    if (!loop) { log_error(loop.error()); return SMF_EXIT_ERR_FATAL; }
    auto accepted = PeerListener::start(
        **loop, std::move(*listener), *db, {"test connection", *required},
        [](UniqueFd fd, PeerCred) { answer(fd.get(), "accepted\n"); },
        [](UniqueFd fd, PeerCred) { answer(fd.get(), cat("refused: ", std::strerror(EACCES), "\n")); });
    Status added = accepted ? Status() : Status(accepted.error());
    Status sig = (*loop)->add_signal(SIGTERM, [&](const signalfd_siginfo&) {
        (*loop)->stop();
        return Status();
    });
    if (!added || !sig) { log_warnx("cannot set up event loop"); return SMF_EXIT_ERR_FATAL; }
    std::printf("ready\n");
    std::fflush(stdout);
    Status ran = (*loop)->run();
    ::unlink(socket_path.c_str());
    return ran ? 0 : 1;
}
