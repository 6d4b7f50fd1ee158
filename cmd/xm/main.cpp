// xm - the administrator's command line (xm(1M)). One table of
// subcommands; main() looks the word up (exact name, a deprecated alias,
// or an unambiguous prefix, as main.py's xm_lookup_cmd did), runs the
// handler, and is the one place a Failure becomes xm's message and exit
// status (main.py _run_cmd; XEND.md 1.2): 0 on success, 1 otherwise, the
// "Error: ..." line on stderr and any usage text after it on stdout.
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cmd/xm/commands.h"
#include "cmd/xm/console.h"
#include "cmd/xm/output.h"
#include "cmd/xm/xend_client.h"
#include "lib/base/format.h"

namespace xvm::xm {
namespace {

struct OptionHelp {
    std::string_view flags;  // "-l, --long"
    std::string_view text;
};

using Handler = Outcome (*)(Context&, Args);

struct Command {
    std::string_view name;
    std::string_view synopsis;
    std::string_view summary;
    std::span<const OptionHelp> options;
    Handler run;
    bool common;  // listed by a bare `xm`
};

// console.h's handler takes the words after "xm", its own name first.
Outcome console_with(Args args) {
    std::vector<std::string> words{"console"};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    int status = console_main(argv);
    if (status != 0) return Failure::quiet(status);
    return {};
}

Outcome run_console(Context&, Args args) { return console_with(args); }

constexpr OptionHelp kConsoleOptions[] = {{"-q, --quiet", "No message when the domain does not exist"}};
constexpr OptionHelp kCreateOptions[] = {
    {"-q, --quiet", "Print nothing but errors"},
    {"-n, --dryrun", "Print the configuration S-expression; create nothing"},
    {"-p, --paused", "Leave the domain paused"},
    {"-c, --console_autoconnect", "Attach to the console once the domain runs"},
    {"-f, --defconfig=FILE", "The configuration file (also the first word)"},
    {"-F, --config=FILE", "Use an S-expression configuration file"},
    {"--path=PATH", "Directories to search for FILE (.:/etc/xen)"},
};
constexpr OptionHelp kStartOptions[] = {
    {"-p, --paused", "Leave the domain paused"},
    {"-c, --console_autoconnect", "Attach to the console once started"},
};
constexpr OptionHelp kShutdownOptions[] = {
    {"-w, --wait", "Wait until the domain has shut down"},
    {"-a, --all", "Every running domain but Domain-0"},
    {"-R, --reboot", "Reboot instead of powering off"},
    {"-H, --halt", "Halt instead of powering off"},
};
constexpr OptionHelp kRebootOptions[] = {
    {"-w, --wait", "Wait until the domain has rebooted"},
    {"-a, --all", "Every running domain but Domain-0"},
};
constexpr OptionHelp kListOptions[] = {
    {"-l, --long", "Every domain's full S-expression"},
    {"--state=<state>", "Only domains in this state"},
};
constexpr OptionHelp kDumpOptions[] = {
    {"-L, --live", "Dump without pausing the domain"},
    {"-C, --crash", "Crash the domain after the dump"},
    {"-R, --reset", "Reset the domain after the dump"},
};
constexpr OptionHelp kUptimeOptions[] = {{"-s, --short", "One line per domain, like uptime(1)"}};
constexpr OptionHelp kInfoOptions[] = {{"-c, --config", "Where xend's configuration lives"}};

constexpr Command kCommands[] = {
    {"console", "[-q|--quiet] <Domain>", "Attach the terminal to a domain's console.", kConsoleOptions, run_console,
     true},
    {"create", "<ConfigFile> [options] [vars]", "Create a domain from a configuration file.", kCreateOptions,
     cmd_create, true},
    {"delete", "<DomainName>", "Forget a halted domain that xend manages.", {}, cmd_delete, true},
    {"destroy", "<Domain>", "Stop a domain at once, without shutting it down.", {}, cmd_destroy, true},
    {"domid", "<DomainName>", "Print a domain's numeric id.", {}, cmd_domid, false},
    {"domname", "<DomId>", "Print a domain's name.", {}, cmd_domname, false},
    {"dump-core", "[-L|--live] [-C|--crash] [-R|--reset] <Domain> [Filename]",
     "Write a domain's memory to a core file.", kDumpOptions, cmd_dump_core, true},
    {"help", "", "List the subcommands.", {}, nullptr, true},
    {"info", "[-c|--config]", "Show the host's and the hypervisor's details.", kInfoOptions, cmd_info, false},
    {"list", "[options] [Domain, ...]", "List all domains, or those named.", kListOptions, cmd_list, true},
    {"mem-max", "<Domain> <Mem>", "Set the most memory a domain may have.", {}, cmd_mem_max, false},
    {"mem-set", "<Domain> <Mem>", "Set a domain's current memory.", {}, cmd_mem_set, true},
    {"new", "<ConfigFile> [options] [vars]", "Define a domain that xend manages, unstarted.", kCreateOptions, cmd_new,
     true},
    {"pause", "<Domain>", "Stop running a domain, keeping it in memory.", {}, cmd_pause, true},
    {"reboot", "<Domain> [-wa]", "Ask a domain to reboot.", kRebootOptions, cmd_reboot, true},
    {"shutdown", "<Domain> [-waRH]", "Ask a domain to shut down.", kShutdownOptions, cmd_shutdown, true},
    {"start", "<DomainName>", "Start a domain that xend manages.", kStartOptions, cmd_start, true},
    {"unpause", "<Domain>", "Let a paused domain run again.", {}, cmd_unpause, true},
    {"uptime", "[-s] [Domain, ...]", "Show how long domains have run.", kUptimeOptions, cmd_uptime, true},
    {"vcpu-list", "[Domain, ...]", "List the vcpus of all domains, or those named.", {}, cmd_vcpu_list, false},
    {"vcpu-pin", "<Domain> <VCPU|all> <CPUs|all>", "Choose the CPUs a vcpu may run on.", {}, cmd_vcpu_pin, false},
    {"vcpu-set", "<Domain> <vCPUs>", "Set how many of a domain's vcpus are online.", {}, cmd_vcpu_set, true},
};

constexpr bool table_is_sorted() {
    for (std::size_t i = 1; i < std::size(kCommands); ++i)
        if (!(kCommands[i - 1].name < kCommands[i].name)) return false;
    return true;
}
static_assert(table_is_sorted(), "kCommands must stay sorted by name (and without duplicates)");

// Deprecated names main.py still accepted, with a warning.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"balloon", "mem-set"},
    {"set-vcpus", "vcpu-set"},
};

constexpr std::string_view kFooter =
    "<Domain> is a domain's name, numeric id or UUID.\n"
    "xm(1M) describes every subcommand and the configuration file format.\n";

void out(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

void list_commands(bool common_only) {
    for (const Command& c : kCommands)
        if (c.common || !common_only) out(cat(" ", pad_right(std::string(c.name), 20), " ", c.summary, "\n"));
}

// A bare `xm`.
void short_help() {
    out("Usage: xm <subcommand> [args]\n\nManage the domains of this host through xend.\n\n");
    out("Common 'xm' commands:\n\n");
    list_commands(true);
    out(cat("\n", kFooter, "\nFor a complete list of subcommands run 'xm help'.\n"));
}

// `xm help`, `xm --help`.
void long_help() {
    out("Usage: xm <subcommand> [args]\n\nManage the domains of this host through xend.\n\n");
    out("xm full list of subcommands:\n\n");
    list_commands(false);
    out(cat("\n", kFooter));
}

void command_help(const Command& c) {
    out(cat("Usage: xm ", c.name, " ", c.synopsis, "\n\n", c.summary, "\n"));
    for (const OptionHelp& o : c.options) out(cat("  ", pad_right(std::string(o.flags), 30), " ", o.text, "\n"));
    if (!c.options.empty()) out("\n");
}

void error_line(std::string_view message) { std::fprintf(stderr, "Error: %.*s\n", static_cast<int>(message.size()), message.data()); }

const Command* find(std::string_view name) {
    for (const Command& c : kCommands)
        if (c.name == name) return &c;
    return nullptr;
}

// main.py xm_lookup_cmd(): the name, an alias, or a prefix (of two or
// more characters) that only one subcommand has.
const Command* lookup(std::string_view word) {
    if (const Command* c = find(word)) return c;
    for (const auto& [alias, name] : kAliases) {
        if (alias == word) {
            std::fprintf(stderr, "Command %.*s is deprecated.  Please use xm %.*s instead.\n",
                         static_cast<int>(alias.size()), alias.data(), static_cast<int>(name.size()), name.data());
            return find(name);
        }
    }
    if (word.size() < 2) return nullptr;
    const Command* match = nullptr;
    for (const Command& c : kCommands) {
        if (!c.name.starts_with(word)) continue;
        if (match) return nullptr;
        match = &c;
    }
    return match;
}

// The one place a failure becomes output (main.py _run_cmd).
int report(const Failure& f, const Command& c) {
    switch (f.kind) {
        case Failure::Kind::kFault:
            if (f.fault_code == rpc::kFaultInvalidDomain) {
                error_line(cat("Domain '", f.message, "' does not exist."));
            } else if (f.message.starts_with("permission denied")) {
                // xend refused this user before looking at the command:
                // the usage text would suggest a typing mistake.
                error_line(f.message);
            } else {
                error_line(f.message);
                command_help(c);
            }
            return 1;
        case Failure::Kind::kUsage:
            error_line(f.message);
            command_help(c);
            return 1;
        case Failure::Kind::kInvalidArgument:
            error_line("Invalid argument.");
            command_help(c);
            return 1;
        case Failure::Kind::kBadReply:
            std::fprintf(stderr, "%s\n", f.message.c_str());
            return 1;
        case Failure::Kind::kNoXend:
        case Failure::Kind::kPlain:
            error_line(f.message);
            return 1;
        case Failure::Kind::kQuiet:
            return f.fault_code;
    }
    return 1;
}

int run(const Command& c, Args args) {
    auto socket = XendClient::socket_from_environment();
    if (!socket) return report(socket.failure(), c);
    XendClient xend(*socket);
    Context ctx{xend};
    Outcome done = c.run(ctx, args);
    std::fflush(stdout);
    return done ? 0 : report(done.failure(), c);
}

}  // namespace

// Used by create -c and start -c.
Outcome attach_console(std::string_view domain) {
    std::vector<std::string> args{std::string(domain)};
    return console_with(args);
}

}  // namespace xvm::xm

int main(int argc, char** argv) {
    using namespace xvm::xm;
    std::vector<std::string> words(argv + 1, argv + argc);
    if (words.empty()) {
        short_help();
        return 1;
    }
    // main.py answered -h/--help anywhere: the full list when it comes
    // first, else the subcommand's usage (exit 1, as usage() exited).
    for (const std::string& w : words) {
        if (w != "-h" && w != "--help") continue;
        if (words[0] == w) {
            long_help();
            return 0;
        }
        const Command* c = lookup(words[0]);
        if (c && c->run) {
            command_help(*c);
        } else {
            short_help();
        }
        return 1;
    }
    const Command* c = lookup(words[0]);
    if (c && c->name == "help") {
        long_help();
        return 0;
    }
    if (!c) {
        error_line(xvm::cat("Subcommand ", words[0], " not found!"));
        short_help();
        return 1;
    }
    return run(*c, std::span<const std::string>(words).subspan(1));
}
