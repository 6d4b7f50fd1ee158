// The small services the SMF end-to-end tests run under svc.startd.
//   smf_testsvc daemon      forks a daemon (double fork, new session) and
//                           exits 0 once it runs - the classic contract
//                           service whose start method's parent exits
//   smf_testsvc crashloop   the same, but the daemon dies after 50 ms
//   smf_testsvc coredump    a daemon with a helper child; the daemon dumps
//                           core (in $XVM_ROOT) after 100 ms, the helper stays
//   smf_testsvc exit N      exits with status N (a failing start method)
//   smf_testsvc print ARGS  prints its arguments (a refresh method)
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

enum class Mode { Run, Crash, Core };

[[noreturn]] void daemonize(Mode mode) {
    int ready[2];
    if (::pipe(ready) < 0) std::exit(1);
    pid_t pid = ::fork();
    if (pid < 0) std::exit(1);
    if (pid > 0) {
        ::close(ready[1]);
        char c;
        // The start method returns only when the daemon runs (SMF.md 5).
        std::exit(::read(ready[0], &c, 1) == 1 ? 0 : 1);
    }
    ::setsid();
    if (::fork() != 0) ::_exit(0);  // the middle process: the daemon is orphaned
    ::close(ready[0]);
    if (mode == Mode::Core) {
        // The core goes to the test's root, never to the real /.
        const char* root = std::getenv("XVM_ROOT");
        struct rlimit unlimited {RLIM_INFINITY, RLIM_INFINITY};
        if (root == nullptr || ::chdir(root) != 0 || ::setrlimit(RLIMIT_CORE, &unlimited) != 0) ::_exit(1);
        if (::fork() == 0)
            while (true) ::pause();  // the helper: keeps the contract non-empty
    }
    std::printf("daemon %d running\n", ::getpid());
    std::fflush(stdout);
    (void)!::write(ready[1], "r", 1);
    ::close(ready[1]);
    if (mode == Mode::Crash) {
        ::usleep(50 * 1000);
        ::_exit(1);
    }
    if (mode == Mode::Core) {
        ::usleep(100 * 1000);
        ::abort();
    }
    while (true) ::pause();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && std::strcmp(argv[1], "daemon") == 0) daemonize(Mode::Run);
    if (argc >= 2 && std::strcmp(argv[1], "crashloop") == 0) daemonize(Mode::Crash);
    if (argc >= 2 && std::strcmp(argv[1], "coredump") == 0) daemonize(Mode::Core);
    if (argc == 3 && std::strcmp(argv[1], "exit") == 0) return std::atoi(argv[2]);
    if (argc >= 2 && std::strcmp(argv[1], "print") == 0) {
        for (int i = 2; i < argc; ++i) std::printf("%s%s", i > 2 ? " " : "", argv[i]);
        std::printf("\n");
        return 0;
    }
    std::fprintf(stderr, "usage: smf_testsvc daemon | crashloop | coredump | exit N | print ARGS\n");
    return 2;
}
