// svcs - report service status, as illumos usr/src/cmd/svc/svcs/svcs.c:
//   svcs [-aHpv] [-o col[,col ... ]] [-R restarter] [-sS col] [-Z | -z zone]
//        [<service> ...]
//   svcs -d | -D [-Hpv] [-o col[,col ... ]] [-Z | -z zone] [<service> ...]
//   svcs [-l | -L] [-Z | -z zone] <service> ...
//   svcs -x [-v] [-Z | -z zone] [<service> ...]
//   svcs -?
// Exit status: 0, 1 when an operand matched nothing or something failed,
// 2 for a usage error. Only the global zone exists here: -z takes
// "global", -Z lists it.
#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <clocale>
#include <cstdio>
#include <cstring>
#include <set>

#include "cmd/svcs/list.h"
#include "cmd/svcs/svcs.h"
#include "lib/base/format.h"
#include "lib/smf/scf_errors.h"
#include "lib/smf/smf_fmri.h"
#include "lib/smf/smf_walk.h"

namespace {

using namespace xvm;
using namespace xvm::svcs;

// '?' is left out: glibc reports "-?" as an unknown option with optopt
// '?', which is how "svcs -?" (help) is told from a bad option.
const char* kOptions = "+:aHpvno:R:s:S:dDlLxZz:";

void print_usage(FILE* f) {
    std::fprintf(f,
                 "Usage: svcs [-aHpv] [-o col[,col ... ]] [-R restarter] [-sS col] [-Z | -z zone ]\n"
                 "            [<service> ...]\n"
                 "       svcs -d | -D [-Hpv] [-o col[,col ... ]] [-sS col] [-Z | -z zone ]\n"
                 "            [<service> ...]\n"
                 "       svcs [-l | -L] [-Z | -z zone] <service> ...\n"
                 "       svcs -x [-v] [-Z | -z zone] [<service> ...]\n"
                 "       svcs -?\n");
}

[[noreturn]] void argserr() {
    print_usage(stderr);
    std::exit(2);
}

const char* description_of_column(const char* name) {
    static const std::pair<const char*, const char*> kDesc[] = {
        {"CTID", "contract ID for service (see contract(4))"},
        {"DESC", "human-readable description of the service"},
        {"FMRI", "Fault Managed Resource Identifier for service"},
        {"INST", "portion of the FMRI indicating service instance"},
        {"N", "abbreviation for next state (if in transition)"},
        {"NSTA", "abbreviation for next state (if in transition)"},
        {"NSTATE", "name for next state (if in transition)"},
        {"S", "abbreviation for current state"},
        {"SCOPE", "name for scope associated with service"},
        {"SN", "abbreviation for current state and next state"},
        {"SVC", "portion of the FMRI representing service name"},
        {"STA", "abbreviation for current state"},
        {"STATE", "name for current state"},
        {"STIME", "time of last state change"},
        {"ZONE", "name of zone"},
    };
    for (const auto& [n, d] : kDesc)
        if (std::strcmp(n, name) == 0) return d;
    return "";
}

void print_help() {
    print_usage(stdout);
    std::printf(
        "\n"
        "\t-a  list all service instances rather than only those that are enabled\n"
        "\t-d  list dependencies of the specified service(s)\n"
        "\t-D  list dependents of the specified service(s)\n"
        "\t-H  omit header line from output\n"
        "\t-l  list detailed information about the specified service(s)\n"
        "\t-L  list the log file associated with the specified service(s)\n"
        "\t-o  list only the specified columns in the output\n"
        "\t-p  list process IDs and names associated with each service\n"
        "\t-R  list only those services with the specified restarter\n"
        "\t-s  sort output in ascending order by the specified column(s)\n"
        "\t-S  sort output in descending order by the specified column(s)\n"
        "\t-v  list verbose information appropriate to the type of output\n"
        "\t-x  explain the status of services that might require maintenance,\n"
        "\t    or explain the status of the specified service(s)\n"
        "\t-z  from global zone, show services in a specified zone\n"
        "\t-Z  from global zone, show services in all zones\n"
        "\n\t"
        "Services can be specified using an FMRI, abbreviation, or fnmatch(5)\n"
        "\tpattern, as shown in these examples for svc:/network/smtp:sendmail\n"
        "\n"
        "\tsvcs [opts] svc:/network/smtp:sendmail\n"
        "\tsvcs [opts] network/smtp:sendmail\n"
        "\tsvcs [opts] network/*mail\n"
        "\tsvcs [opts] network/smtp\n"
        "\tsvcs [opts] smtp:sendmail\n"
        "\tsvcs [opts] smtp\n"
        "\tsvcs [opts] sendmail\n"
        "\n\t"
        "Columns for output or sorting can be specified using these names:\n"
        "\n");
    for (const Column& c : columns()) std::printf("\t%-6s  %s\n", c.name, description_of_column(c.name));
}

// getopt() as Solaris reports errors, before svcs's own handling.
int next_option(int argc, char** argv) {
    int c = ::getopt(argc, argv, kOptions);
    if (c == ':') {
        std::fprintf(stderr, "svcs: option requires an argument -- %c\n", optopt);
        return '!';
    }
    if (c == '?' && optopt != '?') {
        std::fprintf(stderr, "svcs: illegal option -- %c\n", optopt);
        return '!';
    }
    return c;
}

struct Restarter {
    std::string entity;
};

struct State {
    char mode = 0;  // 0, d, D, l, L, x
    bool show_all = false, header = true, verbose = false, show_zones = false;
    ListOptions list;
    std::string columns_str;
    bool columns_given = false;
    std::vector<std::string> restarters;  // entities
    std::optional<std::string> zone;
};

void add_sort_column(State& s, const std::string& col, bool reverse) {
    const Column* c = find_column(col);
    if (c == nullptr) die(cat("Unrecognized sort column \"", col, "\".\n"));
    s.list.sort.push_back(SortKey{c, reverse});
}

void add_restarter(State& s, const std::string& fmri) {
    auto f = smf::parse_fmri(fmri.starts_with("svc:") ? fmri : "svc:" + std::string(fmri.starts_with("/") ? "" : "/") + fmri);
    if (!f) die(cat("Restarter FMRI \"", fmri, "\" is invalid.\n"));
    if (!f->is_instance() || !f->pg.empty()) die(cat("Restarter FMRI \"", fmri, "\" does not designate an instance.\n"));
    s.restarters.push_back(f->entity());
}

// illumos svcs.c's main(): a first pass finds the mode, a second checks every
// option against it.
std::vector<std::string> parse(State& s, int argc, char** argv) {
    ::opterr = 0;
    for (int c; (c = next_option(argc, argv)) != -1;) {
        switch (c) {
        case '!': argserr();
        case '?': print_help(); std::exit(0);
        case 'd': case 'D': case 'l': case 'L': case 'n': case 'x':
            if (s.mode != 0 || c == 'n') argserr();  // -n: notification parameters are not kept here
            s.mode = static_cast<char>(c);
            break;
        default: break;
        }
    }
    ::optind = 0;  // glibc: a full reset
    for (int c; (c = next_option(argc, argv)) != -1;) {
        switch (c) {
        case 'a':
            if (s.mode != 0) argserr();
            s.show_all = true;
            break;
        case 'H':
            if (s.mode == 'l' || s.mode == 'x') argserr();
            s.header = false;
            break;
        case 'p':
            if (s.mode == 'x') argserr();
            s.list.processes = true;
            break;
        case 'v': s.verbose = true; break;
        case 'o':
            if (s.mode == 'l' || s.mode == 'x') argserr();
            s.columns_str = optarg;
            s.columns_given = true;
            break;
        case 'R':
            if (s.mode != 0) argserr();
            add_restarter(s, optarg);
            break;
        case 's':
        case 'S':
            if (s.mode != 0) argserr();
            add_sort_column(s, optarg, c == 'S');
            break;
        case 'z':
            if (s.show_zones) argserr();
            if (std::strcmp(optarg, "global") != 0) die(cat("invalid zone '", optarg, "'\n"));
            s.zone = optarg;
            break;
        case 'Z':
            if (s.zone) argserr();
            s.show_zones = true;
            break;
        case 'd': case 'D': case 'l': case 'L': case 'x': break;
        default: argserr();
        }
    }
    return std::vector<std::string>(argv + optind, argv + argc);
}

smf::WalkResult walk(smf::Repository& repo, const std::vector<std::string>& args, unsigned flags, bool report) {
    auto r = smf::walk_fmri(repo, args, flags);
    if (!r) {
        warn(cat("failed to iterate over instances: ", r.error().message, "\n"));
        exit_status = 1;
        return {};
    }
    if (report)
        for (const std::string& e : r->errors) warn(e);
    if (r->fatal) exit_status = 1;
    return *r;
}

// The instances a dependency FMRI selects for svcs -d
// (list_svc_or_inst_fmri() without complaints).
void dependency_instances(smf::Repository& repo, const std::string& fmri, std::vector<std::string>& out) {
    auto f = smf::parse_fmri(fmri.starts_with("svc:") ? fmri : "svc:" + std::string(fmri.starts_with("/") ? "" : "/") + fmri);
    if (!f) {
        exit_status = 1;  // file: and invalid FMRIs: silently fatal, as illumos svcs.c
        return;
    }
    if (!f->pg.empty()) return;
    auto exists = repo.exists(f->entity());
    if (f->is_instance()) {
        if (exists && *exists) out.push_back(f->entity());
        return;
    }
    if (!exists || !*exists) {
        exit_status = 1;
        return;
    }
    if (auto insts = repo.instances_of(f->service)) out.insert(out.end(), insts->begin(), insts->end());
    exit_status = 0;  // illumos svcs.c resets it after walking a service's instances
}

// walk_dependencies(): the running snapshot's dependency groups, but
// not exclude_all ones.
std::vector<std::string> cited(const Inst& i) {
    std::vector<std::string> out;
    for (const smf::PropertyGroup& g : i.running.pgs) {
        if (g.type != "dependency") continue;
        const smf::Property* gr = g.find("grouping");
        if (gr == nullptr || gr->type != smf::PropType::Astring || gr->values.size() != 1) continue;
        if (gr->values[0] == "exclude_all") continue;
        const smf::Property* e = g.find("entities");
        if (e == nullptr) continue;
        out.insert(out.end(), e->values.begin(), e->values.end());
    }
    return out;
}

// check_against_provider(): a dependency on the provider's service, or
// (for an instance provider) on that instance.
bool names_provider(const std::string& dep, const std::string& provider) {
    auto f = smf::parse_fmri(dep.starts_with("svc:") ? dep : "svc:" + std::string(dep.starts_with("/") ? "" : "/") + dep);
    if (!f || !f->pg.empty()) return false;
    auto colon = provider.find(':');
    std::string psvc = provider.substr(0, colon);
    if (f->service != psvc) return false;
    if (colon == std::string::npos) return !f->is_instance();
    return !f->is_instance() || f->instance == provider.substr(colon + 1);
}

bool restarter_matches(const State& s, const Inst& i) {
    if (s.restarters.empty()) return true;
    std::string r = single(i.composed, "general", "restarter").value_or("svc:/system/svc/restarter:default");
    auto f = smf::parse_fmri(r);
    if (!f) return false;
    return std::find(s.restarters.begin(), s.restarters.end(), f->entity()) != s.restarters.end();
}

int run(State& s, const std::vector<std::string>& args) {
    if (s.show_all && !args.empty()) warn("-a ignored when used with arguments.\n");
    auto opened = smf::Repository::open(false);
    if (!opened) {
        smf::ScfError e = smf::scf_error_of(opened.error());
        if (e == smf::ScfError::NotFound || e == smf::ScfError::Internal) e = smf::ScfError::NoServer;
        die(cat("Could not bind to repository server: ", smf::scf_strerror(e), ".  Exiting.\n", "svcs: ",
                opened.error().message, "\n"));
    }
    smf::Repository& repo = **opened;
    bool report = !s.show_zones;  // with -Z, illumos svcs.c ignores what the walk reports

    if (s.mode == 'l') {
        if (args.empty()) argserr();
        for (const smf::Walked& w : walk(repo, args, smf::kWalkMultiple, report).walked)
            if (auto i = load_instance(repo, w.entity)) print_detailed(repo, *i, s.list.processes, s.verbose);
        return exit_status;
    }
    if (s.mode == 'L') {
        for (const smf::Walked& w : walk(repo, args, smf::kWalkMultiple, true).walked)
            if (auto i = load_instance(repo, w.entity))
                if (auto log = single(i->own, "restarter", "logfile")) std::printf("%s\n", log->c_str());
        return exit_status;
    }
    if (s.mode == 'x') {
        explain(repo, s.verbose, args);
        return exit_status;
    }

    if (!s.columns_given) {
        if (s.list.sort.empty()) {
            if (s.show_zones) add_sort_column(s, "zone", false);
            for (const char* c : {"state", "stime", "fmri"}) add_sort_column(s, c, false);
        }
        s.columns_str = std::string(s.show_zones ? "zone," : "") +
                        (s.verbose ? "state,nstate,stime,ctid,fmri" : "state,stime,fmri");
    }
    if (s.columns_str.empty()) die("No columns specified.\n");
    for (std::size_t pos = 0; pos <= s.columns_str.size();) {
        auto comma = s.columns_str.find(',', pos);
        std::string name = s.columns_str.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        const Column* c = find_column(name);
        if (c == nullptr) die(cat("Unknown column \"", name, "\".\n"));
        std::string n = c->name;
        if (n == "N" || n == "SN" || n == "NSTA" || n == "NSTATE") s.list.nstate_shown = true;
        s.list.columns.push_back(c);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }

    // Lines in walk order, each instance once; then sorted by their keys
    // (a stable sort: what compares equal keeps the walk's order).
    std::vector<Line> lines;
    std::set<std::string> listed;
    auto list_instance = [&](const std::string& entity) {
        if (!listed.insert(entity).second) return;
        auto i = load_instance(repo, entity);
        if (!i || !restarter_matches(s, *i)) return;
        lines.push_back(make_line(*i, s.list));
    };
    if (s.mode == 0) {
        bool show_all = s.show_all || !args.empty() || !s.restarters.empty();
        for (const smf::Walked& w : walk(repo, args, smf::kWalkMultiple, report).walked) {
            if (!show_all) {
                auto i = load_instance(repo, w.entity);
                if (!i || (instance_enabled(*i, false) != 1 && instance_enabled(*i, true) != 1)) continue;
            }
            list_instance(w.entity);
        }
    } else if (s.mode == 'd') {
        if (args.empty()) argserr();
        for (const smf::Walked& w : walk(repo, args, smf::kWalkMultiple, report).walked) {
            auto i = load_instance(repo, w.entity);
            if (!i) continue;
            std::vector<std::string> deps;
            for (const std::string& f : cited(*i)) dependency_instances(repo, f, deps);
            for (const std::string& d : deps) list_instance(d);
        }
    } else if (s.mode == 'D') {
        if (args.empty()) argserr();
        auto all = walk(repo, {}, 0, false);
        for (const smf::Walked& w : walk(repo, args, smf::kWalkMultiple | smf::kWalkService, true).walked) {
            for (const smf::Walked& other : all.walked) {
                auto i = load_instance(repo, other.entity);
                if (!i) continue;
                auto deps = cited(*i);
                if (std::any_of(deps.begin(), deps.end(), [&](const std::string& d) { return names_provider(d, w.entity); }))
                    list_instance(other.entity);
            }
        }
    }
    std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.key < b.key; });
    if (s.header) std::printf("%s\n", header_line(s.list).c_str());
    for (const Line& l : lines) std::printf("%s\n", l.text.c_str());
    return exit_status;
}

}  // namespace

int main(int argc, char** argv) {
    std::setlocale(LC_ALL, "");
    xvm::svcs::now = ::time(nullptr);
    State s;
    auto args = parse(s, argc, argv);
    return run(s, args);
}
