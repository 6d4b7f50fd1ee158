// svcs: what the listing (list.cpp), the long form (detail.cpp) and the
// explanations (explain.cpp) share. The layout, messages and exit codes
// are illumos' (usr/src/cmd/svc/svcs/svcs.c and explain.c).
#pragma once

#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/smf/smf_repo.h"

namespace xvm::svcs {

extern int exit_status;  // 0, or 1 once something failed (UU_EXIT_FATAL)
extern time_t now;

// uu_warn(): "svcs: " + the message (which carries its own newline).
void warn(const std::string& msg);
// uu_die(): warn, then exit 1.
[[noreturn]] void die(const std::string& msg);

// One instance as svcs reads it.
struct Inst {
    std::string entity, fmri;
    smf::PgSet own;       // its own groups (restarter, general, general_ovr)
    smf::PgSet composed;  // composed current configuration
    smf::PgSet running;   // the running snapshot, composed (else `composed`)
};
std::optional<Inst> load_instance(smf::Repository& repo, const std::string& entity);

// pg_get_single_val(): the single value of pg/prop, nullopt when the
// property is absent or has no or several values.
std::optional<std::string> single(const smf::PgSet& set, const std::string& pg, const std::string& prop);
// instance_enabled(): general/enabled (or general_ovr/enabled when
// `temp`) of the instance itself: 1, 0, or -1 when absent.
int instance_enabled(const Inst& i, bool temp);
// get_restarter_string_prop(): "" when absent.
std::string restarter_string(const Inst& i, const std::string& prop);
// restarter/state_timestamp as seconds and microseconds.
std::optional<std::pair<std::int64_t, std::int32_t>> state_time(const Inst& i);
// tm_common_name in the locale's language, else C; nullopt when none.
std::optional<std::string> common_name(const Inst& i);
// The processes of the contract restarter/contract names, sorted.
std::vector<pid_t> instance_processes(const Inst& i);
// restarter/contract: its values (none when the instance runs nothing).
std::vector<std::string> contract_ids(const Inst& i);

struct Psinfo {
    std::string fname;  // pr_fname: the command name
    std::string args;   // pr_psargs: the first 80 characters of the command line
    time_t start = 0;
};
std::optional<Psinfo> psinfo(pid_t pid);
// STIME's three forms: "%k:%M:%S" within a day, "%b_%d  " within 360
// days, "%Y    " before.
std::string stime_text(time_t then);
// get_fmri_state(): the state svcs -l shows after a dependency.
std::string fmri_state(smf::Repository& repo, const std::string& fmri);

// svcs -x [-v] [operands]: illumos explain.c.
void explain(smf::Repository& repo, bool verbose, const std::vector<std::string>& args);
// svcs -l: print_detailed() for one instance.
void print_detailed(smf::Repository& repo, const Inst& i, bool processes, bool verbose);

}  // namespace xvm::svcs
