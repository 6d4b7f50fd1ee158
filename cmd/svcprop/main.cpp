// svcprop - report service configuration properties, as illumos
// usr/src/cmd/svc/svcprop/svcprop.c:
//   svcprop [-fqtv] [-C | -c | -s snapshot] [-z zone] [-p [name/]name]...
//           {FMRI | pattern}...
//   svcprop -w [-fqtv] [-z zone] [-p [name/]name] {FMRI | pattern}
// Operands are walked with SCF_WALK_PROPERTY | SERVICE | EXPLICIT
// (lib/smf/smf_walk.h): an instance match wins over its service's.
// Views: the running snapshot composed, plus the instance's non-persistent
// groups (the composed editing view when there is no running snapshot);
// -c composed editing view; -C the entity's own editing view; -s a named
// snapshot. Exit: 0; 1 not found or an error; 2 usage.
#include <getopt.h>
#include <unistd.h>

#include <chrono>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "lib/base/format.h"
#include "lib/smf/scf_errors.h"
#include "lib/smf/smf_control.h"
#include "lib/smf/smf_fmri.h"
#include "lib/smf/smf_repo.h"
#include "lib/smf/smf_walk.h"

namespace {

using namespace xvm;

struct PropArg {
    std::string comp1;
    std::optional<std::string> comp2;
};

// Options and illumos svcprop.c's globals.
bool quiet = false, types = false, verbose = false, fmris = false, wait_mode = false;
bool Cflag = false, cflag = false, sflag = false;
std::optional<std::string> snapshot_name = "running";
std::vector<PropArg> prop_list;
int return_code = 0;
smf::Repository* repo = nullptr;

bool print_noprop_errors() { return !quiet || verbose; }

void warn(const std::string& msg) {
    if (!quiet) std::fprintf(stderr, "svcprop: %s", msg.c_str());
}
void uu_warn(const std::string& msg) { std::fprintf(stderr, "svcprop: %s", msg.c_str()); }
[[noreturn]] void die(const std::string& msg) {
    std::fflush(stdout);
    warn(msg);
    std::exit(1);
}
[[noreturn]] void xdie_usage(const std::string& msg) {
    std::fflush(stdout);
    uu_warn(msg);
    std::exit(2);
}

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "Usage: svcprop [-fqtv] [-C | -c | -s snapshot] [-z zone] [-p [name/]name]... \n"
                 "         {FMRI | pattern}...\n"
                 "       svcprop -w [-fqtv] [-z zone] [-p [name/]name] {FMRI | pattern}\n");
    std::exit(2);
}

// uu_check_name(UU_NAME_DOMAIN): letters first, then letters, digits,
// '-', '_' and '.'; one ',' may separate a stock-symbol prefix.
bool check_domain_name(const std::string& n) {
    auto part = [](std::string_view p) {
        if (p.empty() || !std::isalpha(static_cast<unsigned char>(p[0]))) return false;
        for (char c : p)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
        return true;
    };
    auto comma = n.find(',');
    if (comma == std::string::npos) return part(n);
    return part(std::string_view(n).substr(0, comma)) && part(std::string_view(n).substr(comma + 1));
}

void add_prop(const std::string& property) {
    auto slash = property.find('/');
    if (slash != std::string::npos && property.find('/', slash + 1) != std::string::npos) {
        uu_warn(cat("-p argument `", property, "' has too many components.\n"));
        usage();
    }
    PropArg p{property.substr(0, slash), std::nullopt};
    if (slash != std::string::npos) p.comp2 = property.substr(slash + 1);
    if (!check_domain_name(p.comp1)) xdie_usage(cat("Invalid component name `", p.comp1, "'.\n"));
    if (p.comp2 && !check_domain_name(*p.comp2)) xdie_usage(cat("Invalid component name `", *p.comp2, "'.\n"));
    // Mixed -p forms: the group ones print as display_pg() does, so the
    // properties carry their names and types too.
    if (!prop_list.empty() && prop_list.back().comp2.has_value() != p.comp2.has_value()) types = true;
    prop_list.push_back(std::move(p));
}

// quote_for_shell(): the Bourne shell's metacharacters get a '\'.
std::string quote_for_shell(const std::string& s) {
    if (s.empty()) return "\"\"";
    std::string out;
    for (char c : s) {
        if (std::strchr(";&()|^<>\n \t\\\"'`", c) != nullptr) out += '\\';
        out += c;
    }
    return out;
}

std::string prop_fmri(const std::string& entity, const std::string& pg, const std::string& prop) {
    return cat(smf::entity_fmri(entity), "/:properties/", pg, "/", prop);
}

// display_prop(). `denied`: the values are read-protected and svc.startd
// refused them - with -p that is fatal, otherwise the line has no values.
void display_prop(const std::string& entity, const smf::PropertyGroup& g, const smf::Property& p, bool denied) {
    if (types) {
        std::fputs(fmris ? prop_fmri(entity, g.name, p.name).c_str() : cat(g.name, "/", p.name).c_str(), stdout);
        std::printf(" %s ", std::string(smf::type_name(p.type)).c_str());
    }
    if (denied) {
        if (!prop_list.empty()) die("Permission denied.\n");
    } else {
        for (std::size_t k = 0; k < p.values.size(); ++k)
            std::printf("%s%s", k ? " " : "", quote_for_shell(p.values[k]).c_str());
    }
    std::putchar('\n');
}

// Users other than root read a copy of the repository that withholds
// the values of read-protected groups; svc.startd hands them over to
// those allowed (smf_control.h). Returns whether they stay withheld.
bool reveal(smf::PgSet& set, const std::string& entity, const std::string& view, const std::string& pg) {
    const smf::PropertyGroup* g = set.find(pg);
    if (g == nullptr || !g->withheld || !repo->is_public()) return false;
    auto st = smf::reveal(set, entity, view, pg);
    if (st) return false;
    if (st.error().code != EACCES && st.error().code != EPERM) warn(cat(st.error().message, "\n"));
    return true;
}

void display_pg(smf::PgSet& set, const std::string& entity, const std::string& view, const std::string& pg) {
    types = true;  // always, for whole property groups
    bool denied = reveal(set, entity, view, pg);
    const smf::PropertyGroup* g = set.find(pg);
    if (g == nullptr) return;
    for (const smf::Property& p : g->props) display_prop(entity, *g, p, denied);
}

void noprop_common_action() {
    if (!print_noprop_errors()) std::exit(1);
    return_code = 1;
}

// get_snapshot(): a missing snapshot is an error only when -s named it.
std::optional<smf::PgSet> get_snapshot(const std::string& entity) {
    if (!smf::check_name("snapshot", *snapshot_name)) die("Invalid snapshot name.\n");
    auto snap = repo->snapshot(entity, *snapshot_name);
    if (snap) return *snap;
    if (snap.error().code != ENOENT) die(cat("Unexpected libscf error: ", smf::scf_strerror(smf::scf_error_of(snap.error())), ".  Exiting.\n"));
    if (sflag) die("No such snapshot.\n");
    return std::nullopt;
}

smf::PgSet load(const std::string& entity, const std::string& view) {
    auto v = repo->view(entity, view);
    if (!v) die(cat("Unexpected libscf error: ", smf::scf_strerror(smf::scf_error_of(v.error())), ".  Exiting.\n"));
    return *v;
}

// process_ent(): a service or an instance.
void process_ent(const std::string& entity) {
    bool service = entity.find(':') == std::string::npos;
    const char* type_name = service ? "service" : "instance";
    if (service && sflag) die("Only instances have snapshots.\n");
    std::optional<smf::PgSet> snap;
    if (!service && !Cflag && !cflag && snapshot_name) snap = get_snapshot(entity);
    std::string snap_view = snap ? "snapshot/" + *snapshot_name : "composed";
    if (prop_list.empty()) {
        if (quiet) return;
        if (cflag || Cflag || service) {
            std::string view = service || Cflag ? "current" : "composed";
            smf::PgSet set = load(entity, view);
            for (const smf::PropertyGroup& g : std::vector<smf::PropertyGroup>(set.pgs)) display_pg(set, entity, view, g.name);
            return;
        }
        smf::PgSet set = snap ? *snap : load(entity, "composed");
        for (const smf::PropertyGroup& g : std::vector<smf::PropertyGroup>(set.pgs)) display_pg(set, entity, snap_view, g.name);
        // Against the running snapshot: the current non-persistent groups too.
        if (!sflag && snap) {
            smf::PgSet cur = load(entity, "composed");
            for (const smf::PropertyGroup& g : std::vector<smf::PropertyGroup>(cur.pgs))
                if (!g.persistent) display_pg(cur, entity, "composed", g.name);
        }
        return;
    }
    smf::PgSet own = load(entity, "current");
    smf::PgSet composed = service ? own : load(entity, "composed");
    for (const PropArg& spn : prop_list) {
        smf::PgSet* set = nullptr;
        std::string view;
        if (!service) {
            if (Cflag) {
                set = &own, view = "current";
            } else if (snap) {
                set = &*snap, view = snap_view;
            } else {
                set = &composed, view = "composed";
            }
            // Not in the snapshot: the current values if the group is
            // non-persistent.
            if (set->find(spn.comp1) == nullptr && !Cflag && snap) {
                const smf::PropertyGroup* g = composed.find(spn.comp1);
                if (g && !g->persistent) set = &composed, view = "composed";
            }
        } else {
            set = &own, view = "current";
        }
        const smf::PropertyGroup* g = set->find(spn.comp1);
        if (g == nullptr) {
            if (print_noprop_errors())
                uu_warn(cat("Couldn't find property group `", spn.comp1, "' for ", type_name, " `",
                            smf::entity_fmri(entity), "'.\n"));
            noprop_common_action();
            continue;
        }
        if (!spn.comp2) {
            if (!quiet) display_pg(*set, entity, view, spn.comp1);
            continue;
        }
        if (g->find(*spn.comp2) == nullptr) {
            if (print_noprop_errors())
                uu_warn(cat("Couldn't find property `", spn.comp1, "/", *spn.comp2, "' for ", type_name, " `",
                            smf::entity_fmri(entity), "'.\n"));
            noprop_common_action();
            continue;
        }
        if (quiet) continue;
        bool denied = reveal(*set, entity, view, spn.comp1);
        g = set->find(spn.comp1);
        display_prop(entity, *g, *g->find(*spn.comp2), denied);
    }
}

// process_pg(): a property group operand.
void process_pg(const smf::Walked& w) {
    const std::string view = "current";  // the entity's own group, as the FMRI names it
    smf::PgSet set = load(w.entity, view);
    std::string pg_fmri = cat(smf::entity_fmri(w.entity), "/:properties/", w.pg);
    if (prop_list.empty()) {
        if (!quiet) display_pg(set, w.entity, view, w.pg);
        return;
    }
    for (const PropArg& spn : prop_list) {
        if (spn.comp2)
            xdie_usage(cat("-p argument `", spn.comp1, "/", *spn.comp2, "' has too many components for property group `",
                           pg_fmri, "'.\n"));
        const smf::PropertyGroup* g = set.find(w.pg);
        if (g && g->find(spn.comp1)) {
            if (quiet) continue;
            bool denied = reveal(set, w.entity, view, w.pg);
            g = set.find(w.pg);
            display_prop(w.entity, *g, *g->find(spn.comp1), denied);
            continue;
        }
        if (print_noprop_errors())
            uu_warn(cat("Couldn't find property `", spn.comp1, "' in property group `", pg_fmri, "'.\n"));
        noprop_common_action();
    }
}

void process_prop(const smf::Walked& w) {
    if (!prop_list.empty()) {
        uu_warn("The -p option cannot be used with property operands.\n");
        usage();
    }
    if (quiet) return;
    smf::PgSet set = load(w.entity, "current");
    bool denied = reveal(set, w.entity, "current", w.pg);
    const smf::PropertyGroup* g = set.find(w.pg);
    if (g && g->find(w.prop)) display_prop(w.entity, *g, *g->find(w.prop), denied);
}

void process_fmri(const smf::Walked& w, std::size_t count) {
    if (count > 1) types = fmris = true;  // several matches: say which is which
    if (!w.prop.empty()) process_prop(w);
    else if (!w.pg.empty()) process_pg(w);
    else process_ent(w.entity);
}

// -w: waits for the group (the entity's own, not composed) to change,
// then prints it or the property.
void do_wait(const smf::Walked& w) {
    std::string pg, propname;
    if (!w.prop.empty()) {
        if (!prop_list.empty()) xdie_usage("-p cannot be used with property FMRIs.\n");
        pg = w.pg, propname = w.prop;
    } else if (!w.pg.empty()) {
        pg = w.pg;
        if (!prop_list.empty()) {
            const PropArg& p = prop_list.front();
            if (p.comp2)
                xdie_usage(cat("-p argument \"", p.comp1, "/", *p.comp2, "\" has too many components for property group ",
                               w.fmri, ".\n"));
            propname = p.comp1;
        }
    } else {
        if (prop_list.empty())
            xdie_usage(w.entity.find(':') == std::string::npos ? "Cannot wait for a service.\n"
                                                               : "Cannot wait for an instance.\n");
        pg = prop_list.front().comp1;
        propname = prop_list.front().comp2.value_or("");
    }
    auto current_group = [&]() -> std::optional<smf::PropertyGroup> {
        auto set = repo->current(w.entity);
        if (!set) return std::nullopt;
        const smf::PropertyGroup* g = set->find(pg);
        if (g == nullptr) return std::nullopt;
        return *g;
    };
    auto before = current_group();
    if (!before || (!propname.empty() && before->find(propname) == nullptr)) die("Not found.\n");
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        auto now = current_group();
        if (!now) die("Not found.\n");
        if (!(*now == *before)) break;
    }
    smf::PgSet set = load(w.entity, "current");
    if (propname.empty()) {
        if (!quiet) display_pg(set, w.entity, "current", pg);
        return;
    }
    const smf::PropertyGroup* g = set.find(pg);
    if (g && g->find(propname)) {
        if (!quiet) {
            bool denied = reveal(set, w.entity, "current", pg);
            g = set.find(pg);
            display_prop(w.entity, *g, *g->find(propname), denied);
        }
        return;
    }
    if (print_noprop_errors()) uu_warn("Not found.\n");
    return_code = 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::setlocale(LC_ALL, "");
    ::opterr = 0;
    for (int c; (c = ::getopt(argc, argv, "+:Ccfp:qs:tvwz:")) != -1;) {
        switch (c) {
        case 'C':
            if (cflag || sflag || wait_mode) usage();
            Cflag = true;
            snapshot_name.reset();
            break;
        case 'c':
            if (Cflag || sflag || wait_mode) usage();
            cflag = true;
            snapshot_name.reset();
            break;
        case 'f': types = fmris = true; break;
        case 'p': add_prop(optarg); break;
        case 'q': quiet = true; break;
        case 's':
            if (Cflag || cflag || wait_mode) usage();
            snapshot_name = optarg;
            sflag = true;
            break;
        case 't': types = true; break;
        case 'v': verbose = true; break;
        case 'w':
            if (Cflag || cflag || sflag) usage();
            wait_mode = true;
            break;
        case 'z':
            if (std::strcmp(optarg, "global") != 0) {
                if (!quiet) std::fprintf(stderr, "svcprop: invalid zone '%s'\n", optarg);
                return 1;
            }
            break;
        case ':':
            std::fprintf(stderr, "svcprop: option requires an argument -- %c\n", optopt);
            usage();
        default:
            std::fprintf(stderr, "svcprop: illegal option -- %c\n", optopt);
            usage();
        }
    }
    if (optind == argc) usage();
    auto opened = smf::Repository::open(false);
    if (!opened) {
        smf::ScfError e = smf::scf_error_of(opened.error());
        if (e == smf::ScfError::NotFound || e == smf::ScfError::Internal) e = smf::ScfError::NoServer;
        die(cat("Could not connect to configuration repository: ", smf::scf_strerror(e), ".\n", "svcprop: ",
                opened.error().message, "\n"));
    }
    repo = opened->get();
    unsigned flags = smf::kWalkProperty | smf::kWalkService | smf::kWalkExplicit;
    if (wait_mode) {
        if (prop_list.size() > 1 || argc - optind > 1) usage();
    } else {
        flags |= smf::kWalkMultiple;
    }
    auto walked = smf::walk_fmri(*repo, std::vector<std::string>(argv + optind, argv + argc), flags);
    if (!walked) {
        warn(cat("failed to iterate over instances: ", walked.error().message, "\n"));
        return 1;
    }
    for (const std::string& e : walked->errors) warn(e);
    if (walked->fatal) return_code = 1;
    for (const smf::Walked& w : walked->walked) {
        if (wait_mode) do_wait(w);
        else process_fmri(w, walked->count);
    }
    return return_code;
}
