// svccfg's command engine, as illumos usr/src/cmd/svc/svccfg/svccfg_main.c
// and illumos svccfg_engine.c run it: one statement from the command line (the
// arguments knitted together and lexed again), a command file (-f) or
// standard input, or an interactive session with a "svc:/...> " prompt.
// Messages: "svccfg: " before each, "svccfg (FILE, line N): " for a
// command file, none (on standard output) when interactive. A semantic
// error ends svccfg with status 1 unless it is interactive; a statement
// that does not parse is "Syntax error." (status 1).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cmd/svccfg/syntax.h"
#include "lib/smf/smf_repo.h"

namespace xvm::svccfg {

struct Engine {
    std::string selection;  // "" the scope, "a/b" a service, "a/b:i" an instance
    bool interactive = false;
    bool dont_exit = false;
    std::optional<std::string> cmd_filename;  // with -f or standard input
    int lineno = 0;
    bool verbose = false;  // -v
    int status = 0;
};

Engine& engine();

// vmessage(): the message, prefixed as the mode wants.
void message(const std::string& msg);
// warn(): a message.
void warn(const std::string& msg);
// semerr(): a message, then exit(1) unless interactive.
void semerr(const std::string& msg);
// synerr(): "Syntax error." (interactive: the command's help).
void synerr(const std::string& command);

// The repository for reading: opened once, the public copy for users
// other than root.
smf::Repository& repo();

// Runs one statement; false when it asked to end (end, exit, quit).
bool run_statement(const std::vector<Word>& words, const std::string& raw);
// Runs a whole command source: lines of statements.
int run_source(std::istream& in, const std::optional<std::string>& name);
// The interactive loop (standard input is a terminal).
int run_interactive();

// lscf_select(): relative to the current selection first, then as an
// FMRI or pattern (scf_walk_fmri with SCF_WALK_SERVICE).
void select(const std::string& fmri);

}  // namespace xvm::svccfg
