// svcs - report service status (SMF.md section 11).
//   svcs [-aHpv] [-o col,...] [-s col] [-S col] [fmri|pattern...]
//   svcs -l | -x | -d | -D | -L [fmri...]
// Exit status: 0 ok, 1 error (e.g. an operand matching nothing), 2 usage.
#include <getopt.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <set>

#include <sys/stat.h>

#include "lib/base/file.h"
#include "lib/base/paths.h"
#include "lib/base/format.h"
#include "lib/smf/smf_contract.h"
#include "lib/smf/smf_fmri.h"
#include "cmd/svcs/svcs.h"

namespace xvm::svcs {

std::vector<Dep> dependencies(smf::Repository& repo, const std::string& instance) {
    std::vector<Dep> out;
    auto view = repo.snapshot(instance, "running");
    if (!view) view = repo.composed_current(instance);
    if (!view) return out;
    for (const smf::PropertyGroup& g : view->pgs) {
        if (g.type != "dependency") continue;
        const smf::Property* e = g.find("entities");
        for (const std::string& f : e ? e->values : std::vector<std::string>{}) {
            Dep d{g.name, view->first(g.name, "grouping").value_or(""),
                  view->first(g.name, "restart_on").value_or("none"), f, "absent", {}};
            if (f.starts_with("file://")) {
                std::string p = f.substr(7);
                if (p.starts_with("localhost")) p = p.substr(9);
                d.status = read_text_file(root_path(p)) ? "online" : "absent";
            } else if (auto m = smf::resolve_operand(repo, f, smf::OperandRule::All); m) {
                d.instances = *m;
                if (m->size() > 1) d.status = "multiple";
                else if (auto i = smf::instance_info(repo, m->front())) d.status = i->state;
            }
            out.push_back(std::move(d));
        }
    }
    return out;
}

std::vector<std::string> dependents(smf::Repository& repo, const std::string& instance) {
    std::vector<std::string> out;
    auto all = smf::all_instances(repo);
    for (const std::string& other : all ? *all : std::vector<std::string>{})
        for (const Dep& d : dependencies(repo, other))
            if (std::find(d.instances.begin(), d.instances.end(), instance) != d.instances.end()) {
                out.push_back(other);
                break;
            }
    return out;
}

std::string common_name(smf::Repository& repo, const std::string& instance) {
    auto v = repo.composed_current(instance);
    return v ? v->first("tm_common_name", "C").value_or("") : "";
}

std::string long_time(const std::string& stamp) {
    if (stamp.empty()) return "-";
    time_t t = static_cast<time_t>(std::strtoll(stamp.c_str(), nullptr, 10));
    struct tm tm {};
    ::localtime_r(&t, &tm);
    char buf[64];
    ::strftime(buf, sizeof buf, "%a %b %e %T %Y", &tm);
    return buf;
}

}  // namespace xvm::svcs

namespace {

using namespace xvm;
using xvm::smf::InstanceInfo;

std::string short_time(const std::string& stamp) {
    if (stamp.empty()) return "-";
    time_t t = static_cast<time_t>(std::strtoll(stamp.c_str(), nullptr, 10));
    time_t now = ::time(nullptr);
    struct tm tm {};
    ::localtime_r(&t, &tm);
    char buf[32];
    const char* fmt = now - t < 24 * 3600 ? "%k:%M:%S" : now - t < 360 * 24 * 3600 ? "%b_%d" : "%Y";
    ::strftime(buf, sizeof buf, fmt, &tm);
    return buf;
}

std::string abbrev(const std::string& state) {
    static const std::map<std::string, std::string> m{
        {"uninitialized", "UN"}, {"offline", "OFF"}, {"online", "ON"}, {"maintenance", "MNT"},
        {"disabled", "DIS"},     {"degraded", "DGD"}, {"legacy_run", "LRC"}};
    auto it = m.find(state);
    return it == m.end() ? "?" : it->second;
}

struct Column {
    const char* name;
    int width;  // 0: last-column style, unpadded
    std::function<std::string(const InstanceInfo&)> value;
};

std::vector<Column> all_columns() {
    auto svc = [](const InstanceInfo& i) { return "svc:/" + smf::service_of(i.entity); };
    return {
        {"STATE", 14, [](const InstanceInfo& i) { return i.state + (i.next_state != "none" ? "*" : ""); }},
        {"NSTATE", 14, [](const InstanceInfo& i) { return i.next_state == "none" ? "-" : i.next_state; }},
        {"STIME", 8, [](const InstanceInfo& i) { return short_time(i.stamp); }},
        {"CTID", 6, [](const InstanceInfo& i) { return i.contract == "0" ? "-" : i.contract; }},
        {"FMRI", 0, [](const InstanceInfo& i) { return "svc:/" + i.entity; }},
        {"SVC", 0, svc},
        {"INST", 0, [](const InstanceInfo& i) { return i.entity.substr(i.entity.find(':') + 1); }},
        {"STA", 4, [](const InstanceInfo& i) { return abbrev(i.state) + (i.next_state != "none" ? "*" : ""); }},
        {"NSTA", 4, [](const InstanceInfo& i) { return i.next_state == "none" ? "-" : abbrev(i.next_state); }},
        {"S", 1, [](const InstanceInfo& i) { return abbrev(i.state).substr(0, 1); }},
        {"N", 1, [](const InstanceInfo& i) { return i.next_state == "none" ? "-" : abbrev(i.next_state).substr(0, 1); }},
        {"SCOPE", 9, [](const InstanceInfo&) { return std::string("localhost"); }},
        {"ZONE", 8, [](const InstanceInfo&) { return std::string("global"); }},
        {"DESC", 0, [](const InstanceInfo&) { return std::string(); }},  // filled by caller
    };
}

struct Options {
    bool all = false, header = true, procs = false, longfmt = false, explain = false;
    bool deps = false, dependents = false, logpath = false;
    std::vector<std::string> columns{"STATE", "STIME", "FMRI"};
    std::string sort_col;
    bool descending = false;
};

Result<std::vector<std::string>> split_columns(const std::string& list) {
    std::vector<std::string> out;
    auto known = all_columns();
    std::size_t pos = 0;
    while (pos <= list.size()) {
        auto c = list.find(',', pos);
        std::string name = list.substr(pos, c == std::string::npos ? c : c - pos);
        std::transform(name.begin(), name.end(), name.begin(), ::toupper);
        if (std::none_of(known.begin(), known.end(), [&](const Column& k) { return name == k.name; }))
            return make_error(cat("Unrecognized column \"", name, "\"."));
        out.push_back(name);
        if (c == std::string::npos) break;
        pos = c + 1;
    }
    return out;
}

void process_lines(const InstanceInfo& i) {
    auto base = smf::contract_base();
    if (!base) return;
    for (pid_t pid : smf::Contract(*base, i.entity).pids()) {
        auto text = read_text_file(cat("/proc/", pid, "/comm"));
        std::string comm = text ? *text : "?";
        if (!comm.empty() && comm.back() == '\n') comm.pop_back();
        struct stat st {};
        std::string stime = "-";
        if (::stat(cat("/proc/", pid).c_str(), &st) == 0) stime = short_time(std::to_string(st.st_mtime));
        std::printf("%-15s%8s %7d %s\n", "", stime.c_str(), pid, comm.c_str());
    }
}

void print_table(smf::Repository& repo, std::vector<InstanceInfo> rows, const Options& o) {
    auto cols = all_columns();
    std::vector<const Column*> sel;
    for (const std::string& n : o.columns)
        for (const Column& c : cols)
            if (n == c.name) sel.push_back(&c);
    auto cell = [&](const Column* c, const InstanceInfo& i) {
        return std::string(c->name) == "DESC" ? xvm::svcs::common_name(repo, i.entity) : c->value(i);
    };
    if (!o.sort_col.empty()) {
        const Column* key = nullptr;
        for (const Column& c : cols)
            if (o.sort_col == c.name) key = &c;
        std::stable_sort(rows.begin(), rows.end(), [&](const InstanceInfo& a, const InstanceInfo& b) {
            return o.descending ? cell(key, b) < cell(key, a) : cell(key, a) < cell(key, b);
        });
    } else {
        std::sort(rows.begin(), rows.end(), [](const InstanceInfo& a, const InstanceInfo& b) {
            return std::tie(a.state, a.stamp, a.entity) < std::tie(b.state, b.stamp, b.entity);
        });
    }
    auto line = [&](const std::function<std::string(const Column*)>& text) {
        std::string out;
        for (std::size_t k = 0; k < sel.size(); ++k) {
            std::string t = text(sel[k]);
            bool last = k + 1 == sel.size();
            if (!last && sel[k]->width > 0 && static_cast<int>(t.size()) < sel[k]->width)
                t += std::string(static_cast<std::size_t>(sel[k]->width) - t.size(), ' ');
            out += t + (last ? "" : " ");
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        std::printf("%s\n", out.c_str());
    };
    if (o.header) line([](const Column* c) { return std::string(c->name); });
    for (const InstanceInfo& i : rows) {
        line([&](const Column* c) { return cell(c, i); });
        if (o.procs) process_lines(i);
    }
}

void print_long(smf::Repository& repo, const InstanceInfo& i, bool first) {
    if (!first) std::printf("\n");
    auto row = [](const char* label, const std::string& v) { std::printf("%-13s%s\n", label, v.c_str()); };
    row("fmri", "svc:/" + i.entity);
    if (std::string n = xvm::svcs::common_name(repo, i.entity); !n.empty()) row("name", n);
    row("enabled", std::string(i.enabled ? "true" : "false") + (i.temporary ? " (temporary)" : ""));
    row("state", i.state);
    row("next_state", i.next_state);
    row("state_time", xvm::svcs::long_time(i.stamp));
    if (!i.logfile.empty()) row("logfile", i.logfile);
    row("restarter", "svc:/system/svc/restarter:default");
    if (i.contract != "0") row("contract_id", i.contract);
    for (const auto& d : xvm::svcs::dependencies(repo, i.entity))
        row("dependency", cat(d.grouping, "/", d.restart_on, " ", d.fmri, " (", d.status, ")"));
}

int run(const Options& o, const std::vector<std::string>& operands) {
    auto repo = smf::Repository::open(false);
    if (!repo) return std::fprintf(stderr, "svcs: %s\n", repo.error().message.c_str()), 1;
    std::vector<std::string> ents;
    int rc = 0;
    if (operands.empty()) {
        auto all = smf::all_instances(**repo);
        if (all) ents = *all;
    }
    for (const std::string& op : operands) {
        auto m = smf::resolve_operand(**repo, op, smf::OperandRule::All);
        if (!m) {
            std::fprintf(stderr, "svcs: %s\n", m.error().message.c_str());
            rc = 1;
            continue;
        }
        for (const std::string& e : *m)
            if (std::find(ents.begin(), ents.end(), e) == ents.end()) ents.push_back(e);
    }
    if (o.explain) return std::max(rc, xvm::svcs::explain(**repo, ents, operands.empty()));
    if (o.deps || o.dependents) {
        std::set<std::string> rel;
        for (const std::string& e : ents) {
            if (o.deps)
                for (const auto& d : xvm::svcs::dependencies(**repo, e)) rel.insert(d.instances.begin(), d.instances.end());
            else
                for (const std::string& d : xvm::svcs::dependents(**repo, e)) rel.insert(d);
        }
        ents.assign(rel.begin(), rel.end());
    }
    std::vector<InstanceInfo> rows;
    for (const std::string& e : ents) {
        auto i = smf::instance_info(**repo, e);
        if (!i) {
            std::fprintf(stderr, "svcs: %s\n", i.error().message.c_str());
            rc = 1;
            continue;
        }
        // Enabled instances, temporarily disabled ones included (SMF.md 11).
        bool shown = o.all || !operands.empty() || o.deps || o.dependents || i->enabled ||
                     i->persistent_enabled || i->state != "disabled";
        if (shown) rows.push_back(*i);
    }
    if (o.logpath) {
        for (const InstanceInfo& i : rows) std::printf("%s\n", i.logfile.c_str());
    } else if (o.longfmt) {
        for (std::size_t k = 0; k < rows.size(); ++k) print_long(**repo, rows[k], k == 0);
    } else {
        print_table(**repo, rows, o);
    }
    return rc;
}

int usage() {
    std::fprintf(stderr,
                 "Usage: svcs [-aHpv] [-o col[,col]...] [-s col] [-S col] [<service> ...]\n"
                 "       svcs -d | -D [-Hpv] [-o col[,col]...] [<service> ...]\n"
                 "       svcs -l | -L <service> ...\n"
                 "       svcs -x [-v] [<service> ...]\n"
                 "Columns: CTID DESC FMRI INST N NSTA NSTATE S SCOPE STA STATE STIME SVC ZONE\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    int c;
    while ((c = ::getopt(argc, argv, "aHpvlxdDLo:s:S:?")) != -1) {
        switch (c) {
        case 'a': o.all = true; break;
        case 'H': o.header = false; break;
        case 'p': o.procs = true; break;
        case 'v': o.columns = {"STATE", "NSTATE", "STIME", "CTID", "FMRI"}; break;
        case 'l': o.longfmt = true; break;
        case 'x': o.explain = true; break;
        case 'd': o.deps = true; break;
        case 'D': o.dependents = true; break;
        case 'L': o.logpath = true; break;
        case 'o':
        case 's':
        case 'S': {
            auto cols = split_columns(optarg);
            if (!cols) return std::fprintf(stderr, "svcs: %s\n", cols.error().message.c_str()), 2;
            if (c == 'o') o.columns = *cols;
            else o.sort_col = cols->front(), o.descending = c == 'S';
            break;
        }
        default: return usage();
        }
    }
    if ((o.longfmt || o.logpath) && optind == argc) return usage();
    if (o.deps && o.dependents) return usage();
    return run(o, std::vector<std::string>(argv + optind, argv + argc));
}
