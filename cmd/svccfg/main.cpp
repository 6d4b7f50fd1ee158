// svccfg - import, export and edit service configuration, as illumos
// usr/src/cmd/svc/svccfg/svccfg_main.c:
//   svccfg [-v] [-s FMRI] [-f file]
//   svccfg [-v] [-s FMRI] <command> [args]
// The arguments of a command are knitted into one statement and lexed
// again, so a value with blanks needs its double quotes to reach svccfg
// ('"two words"'), as on illumos. Without a command, statements come from
// standard input (interactively when it is a terminal). Exit status: 0; 1
// for a failed command or a syntax error; 2 for bad options.
#include <getopt.h>
#include <unistd.h>

#include <clocale>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cmd/svccfg/engine.h"
#include "cmd/svccfg/syntax.h"

namespace {

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "Usage:\tsvccfg [-v] [-s FMRI] [-f file]\n"
                 "\tsvccfg [-v] [-s FMRI] <command> [args]\n");
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace xvm::svccfg;
    std::setlocale(LC_ALL, "");
    const char* fmri = nullptr;
    const char* command_file = nullptr;
    ::opterr = 0;
    for (int c; (c = ::getopt(argc, argv, "+:vf:s:")) != -1;) {
        switch (c) {
        case 'v': engine().verbose = true; break;
        case 's': fmri = optarg; break;
        case 'f': command_file = optarg; break;
        case ':':
            std::fprintf(stderr, "svccfg: option requires an argument -- %c\n", optopt);
            usage();
        default:
            std::fprintf(stderr, "svccfg: illegal option -- %c\n", optopt);
            usage();
        }
    }
    if (fmri != nullptr) select(fmri);
    if (command_file != nullptr) {
        std::ifstream f(command_file);
        if (!f) {
            errno = errno ? errno : ENOENT;
            semerr(std::string("Could not open ") + command_file);
            return 1;
        }
        return run_source(f, std::string(command_file));
    }
    if (optind == argc) {
        if (::isatty(STDIN_FILENO)) return run_interactive();
        return run_source(std::cin, std::string("<stdin>"));
    }
    std::string cmd;
    for (int i = optind; i < argc; ++i) cmd += std::string(argv[i]) + " ";
    auto words = lex(cmd);
    if (!words) {
        synerr("");
        return 1;
    }
    (void)run_statement(*words, cmd);
    return engine().status;
}
