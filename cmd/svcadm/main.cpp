// svcadm - request administrative actions for service instances, as
// illumos usr/src/cmd/svc/svcadm/svcadm.c and synch.c:
//   svcadm [-S <state>] [-v] [-Z | -z zone] [cmd [args ... ]]
//   enable [-rst] | disable [-c comment] [-st] | restart [-d] | refresh |
//   mark [-It] maintenance|degraded | clear   [<service> ...]
//   milestone [-d] <milestone>
// Operands are walked as scf_walk_fmri does with SCF_WALK_UNIPARTIAL: a
// partial FMRI matching several instances is refused (lib/smf/smf_walk.h).
// Exit status: 0; 1 an error; 2 usage; with -s, 3 when the instance itself
// cannot get there and 4 when its dependencies or restarter cannot.
// Only the global zone exists here. "disable -c" (a comment recorded in
// general/comment) is from later illumos.
#include <getopt.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <clocale>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/base/unix_socket.h"
#include "lib/smf/scf_errors.h"
#include "lib/smf/smf_control.h"
#include "lib/smf/smf_fmri.h"
#include "lib/smf/smf_repo.h"
#include "lib/smf/smf_walk.h"

namespace {

using namespace xvm;

constexpr int kExitSvcFailure = 3, kExitDepFailure = 4;
constexpr const char* kStartd = "svc:/system/svc/restarter:default";

int exit_status = 0;
bool verbose = false;
std::string svcstate;  // -S
bool svcsearch = false;
std::string zone_prefix;  // " (zone)" with -Z
smf::Repository* repo = nullptr;
smf::Repository* writable = nullptr;  // root's: changes go straight in

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "Usage: svcadm [-S <state>] [-v] [-Z | -z zone] [cmd [args ... ]]\n\n"
                 "\tsvcadm enable [-rst] [<service> ...]\t- enable and online service(s)\n"
                 "\tsvcadm disable [-st] [<service> ...]\t- disable and offline service(s)\n"
                 "\tsvcadm restart [-d] [<service> ...]\t- restart specified service(s)\n"
                 "\tsvcadm refresh [<service> ...]\t\t- re-read service configuration\n"
                 "\tsvcadm mark [-It] <state> [<service> ...] - set maintenance state\n"
                 "\tsvcadm clear [<service> ...]\t\t- clear maintenance state\n"
                 "\tsvcadm milestone [-d] <milestone>\t- advance to a service milestone\n"
                 "\n\t"
                 "Services can be specified using an FMRI, abbreviation, or fnmatch(5)\n"
                 "\tpattern, as shown in these examples for svc:/network/smtp:sendmail\n"
                 "\n"
                 "\tsvcadm <cmd> svc:/network/smtp:sendmail\n"
                 "\tsvcadm <cmd> network/smtp:sendmail\n"
                 "\tsvcadm <cmd> network/*mail\n"
                 "\tsvcadm <cmd> network/smtp\n"
                 "\tsvcadm <cmd> smtp:sendmail\n"
                 "\tsvcadm <cmd> smtp\n"
                 "\tsvcadm <cmd> sendmail\n");
    std::exit(2);
}

[[noreturn]] void usage_milestone() {
    std::fprintf(stderr,
                 "Usage: svcadm milestone [-d] <milestone>\n\n"
                 "\t-d\tmake the specified milestone the default for system boot\n\n"
                 "\tMilestones can be specified using an FMRI or abbreviation.\n"
                 "\tThe major milestones are as follows:\n\n"
                 "\tall\n"
                 "\tnone\n"
                 "\tsvc:/milestone/single-user:default\n"
                 "\tsvc:/milestone/multi-user:default\n"
                 "\tsvc:/milestone/multi-user-server:default\n");
    std::exit(2);
}

// uu_warn() and svcadm's pr_warn() (which names the zone with -Z).
void uu_warn(const std::string& msg) { std::fprintf(stderr, "svcadm: %s", msg.c_str()); }
void pr_warn(const std::string& msg) { std::fprintf(stderr, "svcadm%s: %s", zone_prefix.c_str(), msg.c_str()); }
[[noreturn]] void die(const std::string& msg) {
    uu_warn(msg);
    std::exit(1);
}

// getopt() with Solaris' complaints.
int next_option(int argc, char** argv, const char* opts) {
    ::opterr = 0;
    int c = ::getopt(argc, argv, opts);
    if (c == '?') {
        if (optopt != '?') std::fprintf(stderr, "svcadm: illegal option -- %c\n", optopt);
    } else if (c == ':') {
        std::fprintf(stderr, "svcadm: option requires an argument -- %c\n", optopt);
        c = '?';
    }
    return c;
}

std::optional<smf::PgSet> own(const std::string& entity) {
    auto cur = repo->current(entity);
    if (!cur) return std::nullopt;
    return *cur;
}

// The running snapshot composed, else the composed editing view.
std::optional<smf::PgSet> running_or_current(const std::string& entity) {
    auto snap = repo->snapshot(entity, "running");
    if (snap) return *snap;
    auto cur = repo->composed_current(entity);
    if (cur) return *cur;
    return std::nullopt;
}

std::string entity_of(const std::string& fmri) {
    auto f = smf::parse_fmri(fmri);
    return f ? f->entity() : "";
}

// inst_get_state(): the state, or nullopt after a warning.
std::optional<std::string> inst_get_state(const std::string& entity, const std::string& fmri) {
    auto set = own(entity);
    if (!set || set->find("restarter") == nullptr) {
        uu_warn(cat(fmri, " is misconfigured (lacks \"restarter\" property group).\n"));
        return std::nullopt;
    }
    const smf::Property* p = set->find("restarter", "state");
    if (p == nullptr) {
        uu_warn(cat(fmri, " is misconfigured (\"restarter\" property group lacks \"state\" property).\n"));
        return std::nullopt;
    }
    if (p->values.size() != 1) {
        uu_warn(cat(fmri, " is misconfigured (\"restarter/state\" property is not single-valued).\n"));
        return std::nullopt;
    }
    if (p->type != smf::PropType::Astring) {
        uu_warn(cat(fmri, " is misconfigured (\"restarter/state\" property is not of type astring).\n"));
        return std::nullopt;
    }
    if (p->values[0].size() >= 14) {
        uu_warn(cat(fmri, " is misconfigured (\"restarter/state\" property value is too long).\n"));
        return std::nullopt;
    }
    return p->values[0];
}

// A refused change: svcadm's emsg_permission_denied and friends.
void report(const std::string& fmri, const Error& e, const std::string& pg) {
    if (e.code == EACCES || e.code == EPERM) {
        uu_warn(verbose ? cat(fmri, ": Couldn't modify \"", pg, "\" property group (permission denied).\n")
                        : cat(fmri, ": Permission denied.\n"));
        // svc.startd's refusal names the authorizations that would do.
        if (e.message.starts_with("permission denied:")) uu_warn(cat(e.message, "\n"));
    } else if (e.code == EROFS) {
        uu_warn(cat(fmri, ": Repository read-only.\n"));
    } else {
        uu_warn(cat(fmri, ": ", e.message, "\n"));
    }
    exit_status = 1;
}

std::string comment;  // disable -c

void set_inst_enabled(const std::string& fmri, const std::string& entity, bool temp, bool enable) {
    std::string verb = std::string(enable ? "enable" : "disable") + (temp ? "_t" : "");
    std::vector<std::string> args;
    if (!enable && !temp && !comment.empty()) args.push_back(comment);
    if (auto st = smf::submit(writable, smf::Request{verb, entity, args}); !st)
        return report(fmri, st.error(), temp ? "general_ovr" : "general");
    if (verbose)
        std::printf(temp ? (enable ? "%s temporarily enabled.\n" : "%s temporarily disabled.\n")
                         : (enable ? "%s enabled.\n" : "%s disabled.\n"),
                    fmri.c_str());
}

void set_inst_action(const std::string& fmri, const std::string& entity, const std::string& action) {
    if (auto st = smf::submit(writable, smf::Request{action, entity, {}}); !st)
        return report(fmri, st.error(), "restarter_actions");
    if (verbose) std::printf("Action %s set for %s.\n", action.c_str(), fmri.c_str());
}

// get_inst_mult(): 0 with the instance, E2BIG for a service with several
// instances (no warning), or another errno after a warning.
int get_inst_mult(const std::string& fmri, std::string& entity) {
    if (fmri.starts_with("lrc:")) {
        uu_warn(cat("FMRI \"", fmri, "\" is a legacy service.\n"));
        exit_status = 1;
        return ENOTSUP;
    }
    auto f = smf::parse_fmri(fmri.starts_with("svc:") ? fmri : "svc:" + std::string(fmri.starts_with("/") ? "" : "/") + fmri);
    if (!f) {
        uu_warn(cat("FMRI \"", fmri, "\" is invalid.\n"));
        exit_status = 1;
        return EINVAL;
    }
    if (!f->pg.empty()) {
        uu_warn(cat("FMRI \"", fmri, "\" does not designate a service or instance.\n"));
        exit_status = 1;
        return ENOTDIR;
    }
    auto exists = repo->exists(f->entity());
    if (f->is_instance()) {
        if (exists && *exists) {
            entity = f->entity();
            return 0;
        }
        uu_warn(cat("No such instance \"", fmri, "\".\n"));
        exit_status = 1;
        return ENOENT;
    }
    if (!exists || !*exists) {
        uu_warn(cat("No such service \"", fmri, "\".\n"));
        exit_status = 1;
        return ENOENT;
    }
    auto insts = repo->instances_of(f->service);
    if (!insts || insts->empty()) {
        uu_warn(cat("Service \"", fmri, "\" has no instances.\n"));
        exit_status = 1;
        return ENOENT;
    }
    if (insts->size() > 1) return E2BIG;
    entity = insts->front();
    return 0;
}

// enable_fmri_rec(): the instance, its restarter, and what its
// require_all and (single-instance) require_any dependencies name.
int enable_fmri_rec(std::string fmri, bool temp, std::map<std::string, bool>& visited) {
    auto canon = smf::parse_fmri(fmri);
    if (!canon) return EINVAL;
    fmri = canon->pg.empty() ? canon->str() : fmri;
    if (auto it = visited.find(fmri); it != visited.end()) return it->second ? ELOOP : 0;
    visited[fmri] = true;  // active
    struct Done {
        std::map<std::string, bool>& v;
        std::string f;
        ~Done() { v[f] = false; }
    } done{visited, fmri};

    std::string entity;
    switch (get_inst_mult(fmri, entity)) {
    case 0: break;
    case E2BIG: return E2BIG;
    default: return 0;
    }
    set_inst_enabled(fmri, entity, temp, true);
    auto view = running_or_current(entity);
    if (!view || view->find("general") == nullptr) {
        uu_warn(cat("\"", fmri, "\" is misconfigured (lacks \"general\" property group).\n"));
        return 0;
    }
    if (const smf::Property* r = view->find("general", "restarter")) {
        if (r->values.size() != 1) {
            uu_warn(cat("\"", fmri, "\" is misconfigured (\"general/restarter\" property is not single-valued).\n"));
            return 0;
        }
        if (!smf::is_string_type(r->type)) {
            uu_warn(cat("\"", fmri, "\" is misconfigured (\"general/restarter\" property is not of astring type).\n"));
            return 0;
        }
        // svc.startd itself is not an instance here; it is always on.
        if (entity_of(r->values[0]) != entity_of(kStartd)) {
            switch (enable_fmri_rec(r->values[0], temp, visited)) {
            case 0: break;
            case EINVAL: uu_warn(cat("Restarter FMRI for \"", fmri, "\" is invalid.\n")); break;
            case E2BIG:
                uu_warn(cat("Restarter FMRI for \"", fmri, "\" identifies a service with multiple instances.\n"));
                break;
            case ELOOP: return ELOOP;
            }
        }
    }
    for (const smf::PropertyGroup& g : view->pgs) {
        if (g.type != "dependency") continue;
        auto astring = [&](const char* prop) -> std::optional<std::string> {
            const smf::Property* p = g.find(prop);
            if (p == nullptr) {
                uu_warn(cat("\"", fmri, "\" is misconfigured (\"", g.name, "\" dependency lacks \"", prop, "\" property.)\n"));
                return std::nullopt;
            }
            if (p->values.size() != 1) {
                uu_warn(cat("\"", fmri, "\" is misconfigured (\"", g.name, "/", prop, "\" property is not single-valued.)\n"));
                return std::nullopt;
            }
            if (!smf::is_string_type(p->type)) {
                uu_warn(cat("\"", fmri, "\" is misconfigured (\"", g.name, "/", prop, "\" property is not of astring type.)\n"));
                return std::nullopt;
            }
            return p->values[0];
        };
        auto type = astring("type");
        if (!type || *type != "service") continue;
        auto grouping = astring("grouping");
        if (!grouping || *grouping == "exclude_all" || *grouping == "optional_all") continue;
        if (*grouping != "require_all" && *grouping != "require_any") {
            uu_warn(cat("Dependency \"", g.name, "\" of \"", fmri, "\" has unknown type \"", *grouping, "\".\n"));
            continue;
        }
        const smf::Property* e = g.find("entities");
        if (e == nullptr) {
            uu_warn(cat("\"", fmri, "\" is misconfigured (\"", g.name, "\" dependency lacks \"entities\" property.)\n"));
            continue;
        }
        if (e->type != smf::PropType::Fmri) {
            uu_warn(cat("\"", fmri, "\" is misconfigured (property \"", g.name, "/entities\" is not of fmri type).\n"));
            continue;
        }
        if (*grouping == "require_any") {
            // multiple_instances(): more than one instance to choose from.
            int count = 0;
            bool multiple = false;
            for (const std::string& v : e->values) {
                std::string ent;
                int r = get_inst_mult(v, ent);
                if (r == E2BIG || (r == 0 && ++count > 1)) {
                    multiple = true;
                    break;
                }
            }
            if (multiple) {
                std::printf("%s requires one of:\n", fmri.c_str());
                for (const std::string& v : e->values) std::printf("  %s\n", v.c_str());
                continue;
            }
        }
        for (const std::string& v : e->values) {
            switch (enable_fmri_rec(v, temp, visited)) {
            case 0: break;
            case EINVAL:
                uu_warn(cat("\"", g.name, "\" dependency of \"", fmri, "\" has invalid FMRI \"", v, "\".\n"));
                break;
            case E2BIG: uu_warn(cat(fmri, " depends on ", v, ", which has multiple instances.\n")); break;
            case ELOOP: return ELOOP;
            }
        }
    }
    return 0;
}

// illumos synch.c: is_enabled() and has_potential().
bool is_enabled(const std::string& entity) {
    auto set = own(entity);
    if (!set) return false;
    for (const char* pg : {"general_ovr", "general"}) {
        const smf::Property* p = set->find(pg, "enabled");
        if (p && p->type == smf::PropType::Boolean && !p->values.empty()) return p->values[0] == "true";
    }
    return false;
}

bool startd_running() {
    auto fd = connect_unix(root_path(std::string(smf::kControlSocket)));
    return static_cast<bool>(fd);
}

bool has_potential(const std::string& entity, bool restarter_only, std::set<std::string>& seen);

int inst_has_potential(const std::string& entity, bool optional, bool exclude, std::set<std::string>& seen) {
    if (!is_enabled(entity)) return (optional || exclude) ? 2 : 0;
    auto state = inst_get_state(entity, smf::entity_fmri(entity));
    if (!state) return 0;
    if (optional && *state == "offline") return 2;
    if (*state == "maintenance") return (optional || exclude) ? 2 : 0;
    if (exclude) return 0;
    if (*state == "online" || *state == "degraded") return 1;
    return has_potential(entity, false, seen) ? 1 : 0;
}

bool fmri_has_potential(const std::string& fmri, bool isfile, bool optional, bool exclude, bool restarter,
                        std::set<std::string>& seen) {
    bool good = !exclude;
    if (isfile) {
        std::string path = fmri.starts_with("file://localhost/") ? fmri.substr(16)
                           : fmri.starts_with("file:///")        ? fmri.substr(7)
                           : fmri.starts_with("file:/")          ? fmri.substr(5)
                                                                 : "";
        if (path.empty()) return good;
        struct stat st {};
        if (::stat(root_path(path).c_str(), &st) == 0) return good;
        if (errno == EACCES) {
            uu_warn(cat("Unable to access \"", path, "\".\n"));
            return false;
        }
        return !good;
    }
    if (entity_of(fmri) == entity_of(kStartd)) return startd_running() ? good : !good;
    auto f = smf::parse_fmri(fmri);
    if (!f || !f->pg.empty()) return restarter ? false : good;
    auto exists = repo->exists(f->entity());
    if (f->is_instance()) {
        if (exists && *exists) return inst_has_potential(f->entity(), optional, exclude, seen) != 0;
        return restarter ? false : good;
    }
    if (!exists || !*exists) return restarter ? false : good;
    auto insts = repo->instances_of(f->service);
    if (!insts) return good;
    bool optbad = false;
    for (const std::string& i : *insts) {
        int r = inst_has_potential(i, optional, exclude, seen);
        if (exclude) r = r == 0;
        if (r == 1) return good;
        if (optional && r == 0) optbad = true;
    }
    return exclude || (optional && !optbad);
}

bool has_potential(const std::string& entity, bool restarter_only, std::set<std::string>& seen) {
    if (!seen.insert(entity).second) return true;  // a cycle: the restarter decides
    auto composed = repo->composed_current(entity);
    if (!composed) return false;
    std::string restarter = kStartd;
    if (const smf::Property* r = composed->find("general", "restarter")) {
        if (r->values.size() != 1 || !smf::is_string_type(r->type)) return false;
        restarter = r->values[0];
    }
    if (!fmri_has_potential(restarter, false, false, false, true, seen)) return false;
    if (restarter_only) return true;
    auto view = running_or_current(entity);
    if (!view) return true;
    for (const smf::PropertyGroup& g : view->pgs) {
        if (g.type != "dependency") continue;
        auto one = [&](const char* p) -> std::optional<std::string> {
            const smf::Property* v = g.find(p);
            if (v == nullptr || v->values.size() != 1) return std::nullopt;
            return v->values[0];
        };
        auto grouping = one("grouping"), type = one("type");
        if (!grouping || !type || (*type != "path" && *type != "service")) return true;
        bool isfile = *type == "path";
        const smf::Property* e = g.find("entities");
        if (e == nullptr) return true;
        int r;
        if (*grouping == "require_any") {
            r = e->values.empty() ? 1 : 0;  // an empty require_any is satisfied
            for (const std::string& v : e->values)
                if (fmri_has_potential(v, isfile, false, false, false, seen)) {
                    r = 1;
                    break;
                }
        } else if (*grouping == "require_all" || *grouping == "optional_all" || *grouping == "exclude_all") {
            r = 1;
            for (const std::string& v : e->values)
                if (!fmri_has_potential(v, isfile, *grouping == "optional_all", *grouping == "exclude_all", false,
                                        seen)) {
                    r = 0;
                    break;
                }
        } else {
            return true;
        }
        if (r == 0) return false;
    }
    return true;
}

// wait_fmri_enabled() / wait_fmri_disabled(): re-read every 100 ms
// (illumos waits on the restarter group with a 3 s bound).
void wait_for(const smf::Walked& w, bool enable) {
    using namespace std::chrono_literals;
    for (;;) {
        auto state = inst_get_state(w.entity, w.fmri);
        if (!state) {
            exit_status = kExitSvcFailure;
            return;
        }
        if (enable) {
            if (*state == "online" || *state == "degraded") return;
            if (*state == "maintenance") {
                uu_warn(cat("Instance \"", w.fmri, "\" is in maintenance state.\n"));
                exit_status = kExitSvcFailure;
                return;
            }
            if (!is_enabled(w.entity)) {
                uu_warn(cat("Instance \"", w.fmri, "\" has been disabled by another entity.\n"));
                exit_status = kExitSvcFailure;
                return;
            }
            std::set<std::string> seen;
            if (!has_potential(w.entity, false, seen)) {
                uu_warn(cat("Instance \"", w.fmri, "\" has unsatisfied dependencies.\n"));
                if (exit_status == 0) exit_status = kExitDepFailure;
                return;
            }
        } else {
            if (*state == "disabled") return;
            if (is_enabled(w.entity)) {
                uu_warn(cat("Instance \"", w.fmri, "\" has been enabled by another entity.\n"));
                exit_status = kExitSvcFailure;
                return;
            }
            std::set<std::string> seen;
            if (!has_potential(w.entity, true, seen)) {
                uu_warn(cat("Restarter for instance \"", w.fmri, "\" is unavailable.\n"));
                if (exit_status == 0) exit_status = kExitDepFailure;
                return;
            }
        }
        std::this_thread::sleep_for(100ms);
    }
}

// scf_walk_fmri(..., WALK_FLAGS, ...): the instances to act on, -S's
// state filter applied by the callers.
std::vector<smf::Walked> walk(const std::vector<std::string>& args, int* err, bool quiet) {
    auto r = smf::walk_fmri(*repo, args, smf::kWalkUnipartial | smf::kWalkMultiple);
    if (!r) {
        pr_warn(cat("failed to iterate over instances: ", r.error().message, "\n"));
        exit_status = 1;
        return {};
    }
    if (!quiet)
        for (const std::string& e : r->errors) pr_warn(e);
    if (r->fatal && err) *err = 1;
    std::vector<smf::Walked> out;
    for (const smf::Walked& w : r->walked)
        if (w.entity.find(':') != std::string::npos) out.push_back(w);
    return out;
}

bool state_selected(const smf::Walked& w) {
    if (!svcsearch) return true;
    auto state = inst_get_state(w.entity, w.fmri);
    return state && *state == svcstate;
}

std::vector<std::string> operands(int argc, char** argv) {
    std::vector<std::string> ops(argv + optind, argv + argc);
    if (ops.empty() && !svcsearch) usage();
    if (!ops.empty() && svcsearch) usage();
    return ops;
}

int enable_disable(bool enable, int argc, char** argv) {
    bool recursive = false, temp = false, wait = false;
    ++optind;
    for (int o; (o = next_option(argc, argv, enable ? "+rst" : "+c:st")) != -1;) {
        if (o == 'r') recursive = true;
        else if (o == 't') temp = true;
        else if (o == 's') wait = true;
        else if (o == 'c') comment = optarg;
        else usage();
    }
    auto ops = operands(argc, argv);
    int error = 0;
    // enable reports walk errors through its own variable (and still
    // waits); disable through exit_status (and then does not).
    for (const smf::Walked& w : walk(ops, enable ? &error : &exit_status, false)) {
        if (!state_selected(w)) continue;
        if (recursive) {
            std::map<std::string, bool> visited;
            switch (enable_fmri_rec(w.fmri, temp, visited)) {
            case E2BIG:
                uu_warn(cat("operation on service ", w.fmri, " is ambiguous; instance specification needed.\n"));
                break;
            case ELOOP: uu_warn(cat(w.fmri, ": Dependency cycle detected.\n")); break;
            }
        } else {
            set_inst_enabled(w.fmri, w.entity, temp, enable);
        }
    }
    if (wait && exit_status == 0)
        for (const smf::Walked& w : walk(ops, &error, true))
            if (state_selected(w)) wait_for(w, enable);
    if (error > 0) exit_status = error;
    return exit_status;
}

const char* validate_milestone(const std::string& m) {
    static const char* kMilestones[] = {"svc:/milestone/single-user:default", "svc:/milestone/multi-user:default",
                                        "svc:/milestone/multi-user-server:default"};
    if (m == "all") return "all";
    if (m == "none") return "none";
    for (const char* ms : kMilestones) {
        std::string_view s(ms);
        auto at = s.find(m);
        if (at == std::string_view::npos || m.empty()) continue;
        std::size_t end = at + m.size();
        if ((at == 0 || s[at - 1] == '/') && (end == s.size() || s[end] == ':')) return ms;
    }
    std::fprintf(stderr, "\"%s\" is not a valid major milestone.\n", m.c_str());
    usage_milestone();
}

int run(int argc, char** argv) {
    if (optind >= argc) usage();
    std::string cmd = argv[optind];
    if (cmd == "enable" || cmd == "disable") return enable_disable(cmd == "enable", argc, argv);
    if (cmd == "restart") {
        bool dump = false;
        ++optind;
        for (int o; (o = next_option(argc, argv, "+d")) != -1;) {
            if (o == 'd') dump = true;
            else usage();
        }
        auto ops = operands(argc, argv);
        if (dump)
            for (const smf::Walked& w : walk(ops, &exit_status, false))
                if (state_selected(w)) set_inst_action(w.fmri, w.entity, "dodump");
        for (const smf::Walked& w : walk(ops, &exit_status, false))
            if (state_selected(w)) set_inst_action(w.fmri, w.entity, "restart");
        return exit_status;
    }
    if (cmd == "refresh") {
        ++optind;
        auto ops = operands(argc, argv);
        for (const smf::Walked& w : walk(ops, &exit_status, false))
            if (state_selected(w)) set_inst_action(w.fmri, w.entity, "refresh");
        return exit_status;
    }
    if (cmd == "mark") {
        bool immediate = false, temporary = false;
        ++optind;
        for (int o; (o = next_option(argc, argv, "+It")) != -1;) {
            if (o == 'I') immediate = true;
            else if (o == 't') temporary = true;
            else usage();
        }
        if (argc - optind < 2) usage();  // so -S cannot be used with mark, as in illumos svcadm.c
        std::string state = argv[optind];
        bool degraded = state == "degraded";
        if (degraded && temporary) {
            std::fprintf(stderr, "svcadm: -t may not be used with degraded.\n");
            std::exit(2);
        }
        if (!degraded && state != "maintenance") usage();
        ++optind;
        auto ops = operands(argc, argv);
        for (const smf::Walked& w : walk(ops, &exit_status, false)) {
            if (degraded) {
                auto st = inst_get_state(w.entity, w.fmri);
                if (!st) {
                    exit_status = 1;
                    continue;
                }
                if (svcsearch && *st != svcstate) continue;
                if (*st != "online") {
                    uu_warn(cat("Instance \"", w.fmri, "\" is not online.\n"));
                    exit_status = 1;
                    continue;
                }
                set_inst_action(w.fmri, w.entity, immediate ? "degrade_immediate" : "degraded");
                continue;
            }
            if (!state_selected(w)) continue;
            set_inst_action(w.fmri, w.entity,
                            immediate ? (temporary ? "maint_on_immtemp" : "maint_on_immediate")
                                      : (temporary ? "maint_on_temporary" : "maint_on"));
        }
        return exit_status;
    }
    if (cmd == "clear") {
        ++optind;
        auto ops = operands(argc, argv);
        if (svcsearch && svcstate != "maintenance" && svcstate != "degraded")
            die("State must be 'maintenance' or 'degraded'\n");
        for (const smf::Walked& w : walk(ops, &exit_status, false)) {
            auto st = inst_get_state(w.entity, w.fmri);
            if (!st || (svcsearch && *st != svcstate)) continue;
            if (*st == "maintenance") set_inst_action(w.fmri, w.entity, "maint_off");
            else if (*st == "degraded") set_inst_action(w.fmri, w.entity, "restore");
            else {
                uu_warn(cat("Instance \"", w.fmri, "\" is not in a maintenance or degraded state.\n"));
                exit_status = 1;
            }
        }
        return exit_status;
    }
    if (cmd == "milestone") {
        ++optind;
        for (int o; (o = next_option(argc, argv, "+d")) != -1;)
            if (o != 'd') usage_milestone();
        if (optind >= argc) usage_milestone();
        (void)validate_milestone(argv[optind]);
        // set_milestone() writes options/milestone of svc.startd's own
        // instance, which this repository does not have.
        std::string ent;
        (void)get_inst_mult(kStartd, ent);
        return exit_status;
    }
    if (cmd == "_smf_backup") {
        ++optind;
        if (optind != argc - 1) usage();
        if (writable == nullptr) {
            pr_warn(cat("failed to backup repository: ", smf::scf_strerror(smf::ScfError::PermissionDenied), "\n"));
            return 1;
        }
        if (auto b = writable->backup(argv[optind]); !b) {
            pr_warn(cat("failed to backup repository: ", b.error().message, "\n"));
            return 1;
        }
        return 0;
    }
    usage();
}

}  // namespace

int main(int argc, char** argv) {
    std::setlocale(LC_ALL, "");
    if (argc < 2) usage();
    bool zones = false, a_zone = false;
    for (int o; (o = next_option(argc, argv, "+S:vZz:")) != -1;) {
        switch (o) {
        case 'S':
            svcstate = optarg;
            svcsearch = true;
            break;
        case 'v': verbose = true; break;
        case 'z':
            if (zones) usage();
            if (std::strcmp(optarg, "global") != 0) die(cat("invalid zone '", optarg, "'\n"));
            a_zone = true;
            break;
        case 'Z':
            if (a_zone) usage();
            zones = true;
            zone_prefix = " (global)";
            break;
        default: usage();
        }
    }
    auto opened = smf::Repository::open(::geteuid() == 0);
    if (!opened) {
        smf::ScfError e = smf::scf_error_of(opened.error());
        if (e == smf::ScfError::NotFound || e == smf::ScfError::Internal) e = smf::ScfError::NoServer;
        // The reason follows illumos' line (a damaged repository says how to restore it).
        die(cat("Couldn't bind to configuration repository: ", smf::scf_strerror(e), ".\n", "svcadm: ",
                opened.error().message, "\n"));
    }
    repo = opened->get();
    if (::geteuid() == 0) writable = repo;
    return run(argc, argv);
}
