// xm - the administrator's command line (xm(1M)): one table of
// subcommands, each a handler that gets the words after "xm" (its own name
// first) and returns the exit status.
#include <cstdio>
#include <span>
#include <string_view>

#include "cmd/xm/console.h"

namespace {

using Handler = int (*)(std::span<char* const> args);

struct Command {
    std::string_view name;
    Handler handler;
    std::string_view usage;
    std::string_view summary;
};

constexpr Command kCommands[] = {
    {"console", xvm::xm::console_main, "console [-q] <Domain>", "Attach to <Domain>'s console."},
};

int usage(std::FILE* out, int status) {
    std::fprintf(out, "Usage: xm <subcommand> [args]\n\n");
    for (const Command& c : kCommands)
        std::fprintf(out, " %-30.*s %.*s\n", static_cast<int>(c.usage.size()), c.usage.data(),
                     static_cast<int>(c.summary.size()), c.summary.data());
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    std::span<char* const> args(argv + 1, argc > 0 ? static_cast<std::size_t>(argc - 1) : 0);
    if (args.empty()) return usage(stderr, 1);
    std::string_view sub = args[0];
    if (sub == "help" || sub == "-h" || sub == "--help") return usage(stdout, 0);
    for (const Command& c : kCommands)
        if (c.name == sub) return c.handler(args);
    std::fprintf(stderr, "Error: Subcommand %s not found!\n", args[0]);
    return usage(stderr, 1);
}
