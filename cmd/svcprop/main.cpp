// svcprop - print property values (SMF.md section 10).
//   svcprop [-fqt] [-C | -c | -s snapshot] [-p pg | -p pg/prop]... fmri...
// Views: default = running snapshot (composed) plus the instance's
// non-persistent groups; -c composed editing view; -C editing view of the
// entity alone; -s a named snapshot. Exit: 0 ok, 1 error or not found,
// 2 usage.
#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "lib/base/format.h"
#include "lib/smf/smf_control.h"
#include "lib/smf/smf_fmri.h"
#include "lib/smf/smf_operands.h"
#include "lib/smf/smf_repo.h"

namespace {

using namespace xvm;

enum class View { Running, Composed, Current, Snapshot };

struct Options {
    bool full = false, quiet = false, typed = false;
    View view = View::Running;
    std::string snapshot;
    std::vector<std::string> props;  // "pg" or "pg/prop"
};

std::string escape(const smf::Property& p, const std::string& v) {
    if (p.type != smf::PropType::Astring && !smf::is_ustring(p.type)) return v;
    if (v.empty()) return "\"\"";
    std::string out;
    for (char c : v) {
        if (std::strchr(";&()|^<>\n \t\\\"'`", c) != nullptr) out += '\\';
        out += c;
    }
    return out;
}

std::string view_name(const Options& o) {
    switch (o.view) {
    case View::Running: return "running";
    case View::Composed: return "composed";
    case View::Current: return "current";
    case View::Snapshot: return "snapshot/" + o.snapshot;
    }
    return "running";
}

Result<smf::PgSet> load(smf::Repository& repo, const std::string& entity, const Options& o) {
    return repo.view(entity, view_name(o));
}

// Users other than root read a copy that withholds the values of
// read-protected groups; svc.startd hands them over to those allowed.
// svcprop.c: a denied value dies with "Permission denied." when -p named
// it, and prints as no values otherwise.
bool reveal(smf::Repository& repo, smf::PgSet& set, const std::string& entity, const Options& o,
            const std::string& pg) {
    if (!repo.is_public()) return true;
    auto st = smf::reveal(set, entity, view_name(o), pg);
    if (st || o.props.empty()) return true;
    if (st.error().code != EPERM && st.error().code != EACCES)
        std::fprintf(stderr, "svcprop: %s\n", st.error().message.c_str());
    else if (!o.quiet)
        std::fprintf(stderr, "svcprop: Permission denied.\n");
    return false;
}

void print(const smf::PropertyGroup& g, const smf::Property& p, const std::string& entity, bool typed,
           bool fmri) {
    std::string line;
    if (typed || fmri) {
        line = fmri ? cat("svc:/", entity, "/:properties/", g.name, "/", p.name) : cat(g.name, "/", p.name);
        line += cat(" ", smf::type_name(p.type));
    }
    for (const std::string& v : p.values) line += (line.empty() ? "" : " ") + escape(p, v);
    if (typed && p.values.empty()) line += " ";
    std::printf("%s\n", line.c_str());
}

int show(smf::Repository& repo, const std::string& entity, const Options& o, bool many) {
    auto set = load(repo, entity, o);
    if (!set) return std::fprintf(stderr, "svcprop: %s\n", set.error().message.c_str()), 1;
    bool mixed = false, has_pg = false;
    for (const std::string& p : o.props) has_pg |= p.find('/') == std::string::npos;
    mixed = has_pg && o.props.size() > 1;
    bool typed = o.typed || o.props.empty() || has_pg || mixed || many;
    bool fmri = o.full || many;
    int rc = 0;
    auto emit = [&](const smf::PropertyGroup& g, const smf::Property& p) {
        if (!o.quiet) print(g, p, entity, typed, fmri);
    };
    if (o.props.empty()) {
        (void)reveal(repo, *set, entity, o, "");  // denied groups print without values
        for (const smf::PropertyGroup& g : set->pgs)
            for (const smf::Property& p : g.props) emit(g, p);
        return 0;
    }
    for (const std::string& spec : o.props) {
        auto slash = spec.find('/');
        const smf::PropertyGroup* g = set->find(spec.substr(0, slash));
        const smf::Property* p = g && slash != std::string::npos ? g->find(spec.substr(slash + 1)) : nullptr;
        if (g == nullptr || (slash != std::string::npos && p == nullptr)) {
            if (!o.quiet)
                std::fprintf(stderr, "svcprop: Couldn't find property `%s' for %s `svc:/%s'.\n",
                             spec.c_str(), entity.find(':') == std::string::npos ? "service" : "instance",
                             entity.c_str());
            rc = 1;
            continue;
        }
        if (g->withheld && !reveal(repo, *set, entity, o, g->name)) std::exit(1);
        g = set->find(spec.substr(0, slash));  // revealed in place: look again
        p = slash != std::string::npos ? g->find(spec.substr(slash + 1)) : nullptr;
        if (p) emit(*g, *p);
        else for (const smf::Property& q : g->props) emit(*g, q);
    }
    return rc;
}

int usage() {
    std::fprintf(stderr,
                 "Usage: svcprop [-fqtv] [-C | -c | -s snapshot] [-p [name/]name]... {FMRI | pattern}...\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    int c, views = 0;
    while ((c = ::getopt(argc, argv, "fqtvCcs:p:")) != -1) {
        switch (c) {
        case 'f': o.full = true; break;
        case 'q': o.quiet = true; break;
        case 't': o.typed = true; break;
        case 'v': break;
        case 'C': o.view = View::Current, ++views; break;
        case 'c': o.view = View::Composed, ++views; break;
        case 's': o.view = View::Snapshot, o.snapshot = optarg, ++views; break;
        case 'p': o.props.push_back(optarg); break;
        default: return usage();
        }
    }
    if (views > 1 || optind == argc) return usage();
    auto repo = smf::Repository::open(false);
    if (!repo) return std::fprintf(stderr, "svcprop: %s\n", repo.error().message.c_str()), 1;
    std::vector<std::string> ents;
    int rc = 0;
    for (int i = optind; i < argc; ++i) {
        std::string op = argv[i];
        // A property FMRI selects its entity and property.
        if (auto f = smf::parse_fmri(op); f && !f->pg.empty()) {
            o.props.push_back(f->prop.empty() ? f->pg : f->pg + "/" + f->prop);
            op = f->str();
        }
        // Only an explicit service FMRI shows the service itself; an
        // abbreviation means its instances (svcprop -p restarter/state store).
        auto m = smf::resolve_operand(**repo, op, smf::OperandRule::All, op.starts_with("svc:"));
        if (!m) {
            std::fprintf(stderr, "svcprop: %s\n", m.error().message.c_str());
            rc = 1;
            continue;
        }
        ents.insert(ents.end(), m->begin(), m->end());
    }
    for (const std::string& e : ents) rc = std::max(rc, show(**repo, e, o, ents.size() > 1));
    return rc;
}
