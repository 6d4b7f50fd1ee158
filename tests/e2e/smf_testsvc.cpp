// The small services the SMF end-to-end tests run under svc.startd.
//   smf_testsvc daemon      forks a daemon (double fork, new session) and
//                           exits 0 once it runs - the classic contract
//                           service whose start method's parent exits
//   smf_testsvc crashloop   the same, but the daemon dies after 50 ms
//   smf_testsvc coredump    a daemon with a helper child; the daemon dumps
//                           core (in $XVM_ROOT) after 100 ms, the helper stays
//   smf_testsvc stubborn    a daemon that ignores SIGTERM (a stop that
//                           times out)
//   smf_testsvc exit-when PATH  a daemon that exits 0 by itself when PATH
//                           appears, removing it (all processes exited:
//                           not a fault); started again, it runs on
//   smf_testsvc exit N      exits with status N (a failing start method)
//   smf_testsvc print ARGS  prints its arguments (a refresh method)
//   smf_testsvc fds         prints the descriptors it was started with
//                           ("fds: 0 1 2"), then runs as "daemon" does
//   smf_testsvc hold-lock flock|fcntl|open PATH
//                           opens PATH read-only, takes a shared lock of
//                           that kind (open: none), prints "held" and
//                           keeps it until killed - the attacker of the
//                           lock tests; "open failed: <errno>" if it cannot
//   smf_testsvc flood PATH N  connects N times to the unix socket PATH,
//                           sends nothing, prints "connected K" and keeps
//                           the connections until killed
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

enum class Mode { Run, Crash, Core, Stubborn, Leave };

const char* leave_when = nullptr;  // Mode::Leave: the file that says so

[[noreturn]] void daemonize(Mode mode) {
    int ready[2];
    if (::pipe(ready) < 0) std::exit(1);
    pid_t pid = ::fork();
    if (pid < 0) std::exit(1);
    if (pid > 0) {
        ::close(ready[1]);
        char c;
        // The start method returns only when the daemon runs (docs/smf.md).
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
    if (mode == Mode::Stubborn) ::signal(SIGTERM, SIG_IGN);
    std::printf("daemon %d running\n", ::getpid());
    std::fflush(stdout);
    (void)!::write(ready[1], "r", 1);
    ::close(ready[1]);
    if (mode == Mode::Crash) {
        ::usleep(50 * 1000);
        ::_exit(1);
    }
    if (mode == Mode::Leave) {
        while (::unlink(leave_when) != 0) ::usleep(20 * 1000);
        ::_exit(0);
    }
    if (mode == Mode::Core) {
        ::usleep(100 * 1000);
        ::abort();
    }
    while (true) ::pause();
}

void print_fds() {
    std::string list;
    DIR* d = ::opendir("/proc/self/fd");
    if (d == nullptr) std::exit(1);
    std::vector<int> fds;
    while (struct dirent* e = ::readdir(d))
        if (e->d_name[0] != '.' && std::atoi(e->d_name) != ::dirfd(d)) fds.push_back(std::atoi(e->d_name));
    ::closedir(d);
    std::sort(fds.begin(), fds.end());
    for (int fd : fds) list += " " + std::to_string(fd);
    std::printf("fds:%s\n", list.c_str());
    std::fflush(stdout);
}

[[noreturn]] void hold_lock(const char* kind, const char* path) {
    int fd = ::open(path, O_RDONLY);
    if (fd < 0) {
        std::printf("open failed: %s\n", std::strerror(errno));
        std::exit(1);
    }
    int rc = 0;
    if (std::strcmp(kind, "flock") == 0) {
        rc = ::flock(fd, LOCK_SH);
    } else if (std::strcmp(kind, "fcntl") == 0) {
        struct flock fl {};
        fl.l_type = F_RDLCK;  // a whole-file read lock: blocks every tdb writer
        fl.l_whence = SEEK_SET;
        rc = ::fcntl(fd, F_SETLKW, &fl);
    }
    std::printf(rc == 0 ? "held\n" : "lock failed\n");
    std::fflush(stdout);
    while (true) ::pause();
}

[[noreturn]] void flood(const char* path, int n) {
    std::vector<int> fds;
    for (int i = 0; i < n; ++i) {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        struct sockaddr_un sa {};
        sa.sun_family = AF_UNIX;
        std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
        if (fd < 0) break;
        // Non-blocking: a full backlog fails the connect instead of waiting.
        if (::connect(fd, reinterpret_cast<struct sockaddr*>(&sa), sizeof sa) == 0 || errno == EINPROGRESS)
            fds.push_back(fd);
        else
            ::close(fd);
    }
    std::printf("connected %zu\n", fds.size());
    std::fflush(stdout);
    while (true) ::pause();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::strcmp(argv[1], "flood") == 0) flood(argv[2], std::atoi(argv[3]));
    if (argc >= 2 && std::strcmp(argv[1], "fds") == 0) {
        print_fds();
        daemonize(Mode::Run);
    }
    if (argc == 4 && std::strcmp(argv[1], "hold-lock") == 0) hold_lock(argv[2], argv[3]);
    if (argc >= 2 && std::strcmp(argv[1], "daemon") == 0) daemonize(Mode::Run);
    if (argc >= 2 && std::strcmp(argv[1], "crashloop") == 0) daemonize(Mode::Crash);
    if (argc >= 2 && std::strcmp(argv[1], "coredump") == 0) daemonize(Mode::Core);
    if (argc >= 2 && std::strcmp(argv[1], "stubborn") == 0) daemonize(Mode::Stubborn);
    if (argc == 3 && std::strcmp(argv[1], "exit-when") == 0) {
        leave_when = argv[2];
        daemonize(Mode::Leave);
    }
    if (argc == 3 && std::strcmp(argv[1], "exit") == 0) return std::atoi(argv[2]);
    if (argc >= 2 && std::strcmp(argv[1], "print") == 0) {
        for (int i = 2; i < argc; ++i) std::printf("%s%s", i > 2 ? " " : "", argv[i]);
        std::printf("\n");
        return 0;
    }
    std::fprintf(stderr, "usage: smf_testsvc daemon | crashloop | coredump | exit N | print ARGS | fds |\n"
                         "                   hold-lock flock|fcntl|open PATH\n");
    return 2;
}
