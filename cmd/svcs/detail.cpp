// svcs -l: illumos svcs.c's print_detailed(), a paragraph per instance.
#include <cstdio>
#include <cstring>

#include "cmd/svcs/svcs.h"
#include "lib/smf/smf_types.h"

namespace xvm::svcs {
namespace {

constexpr int kDetailedWidth = 11 + 2;  // strlen("description") + 2

void line(const char* label, const std::string& value) {
    std::printf("%-*s%s\n", kDetailedWidth, label, value.c_str());
}

// print_detailed_dependency(): entities must be an fmri property; an
// unreadable grouping or restart_on shows as '?'.
void dependency_line(smf::Repository& repo, const smf::PropertyGroup& g) {
    const smf::Property* e = g.find("entities");
    if (e == nullptr || e->type != smf::PropType::Fmri) return;
    auto one = [&](const char* p) -> std::string {
        const smf::Property* v = g.find(p);
        return v && v->type == smf::PropType::Astring && v->values.size() == 1 ? v->values[0] : "?";
    };
    std::string out = one("grouping") + "/" + one("restart_on");
    for (const std::string& f : e->values) out += " " + f + " (" + fmri_state(repo, f) + ")";
    std::printf("%-*s%s\n", kDetailedWidth, "dependency", out.c_str());
}

// print_application_properties(): values with blanks, quotes or
// parentheses are quoted; others are followed by a space.
void application_properties(const Inst& i) {
    for (const smf::PropertyGroup& g : i.running.pgs) {
        if (g.type != "application") continue;
        std::printf("%s (application)\n", g.name.c_str());
        for (const smf::Property& p : g.props) {
            std::printf("%s/%s (%s) = ", g.name.c_str(), p.name.c_str(), std::string(smf::type_name(p.type)).c_str());
            for (const std::string& v : p.values) {
                if (v.find_first_of(" \t\n\"()") != std::string::npos) {
                    std::string q = "\"";
                    for (char c : v) {
                        if (c == '"' || c == '\\') q += '\\';
                        q += c;
                    }
                    std::printf("%s\"", q.c_str());
                } else {
                    std::printf("%s ", v.c_str());
                }
            }
            std::printf("\n");
        }
    }
}

}  // namespace

void print_detailed(smf::Repository& repo, const Inst& i, bool processes, bool verbose) {
    static bool first_paragraph = true;
    if (!first_paragraph) std::putchar('\n');
    first_paragraph = false;
    line("fmri", i.fmri);
    if (auto name = common_name(i)) line("name", *name);
    int perm = instance_enabled(i, false), temp = instance_enabled(i, true);
    if (temp != -1)
        line("enabled", std::string(temp ? "true" : "false") + (temp != perm ? " (temporary)" : ""));
    else if (perm != -1)
        line("enabled", perm ? "true" : "false");
    if (i.own.find("restarter") != nullptr) {
        for (const char* p : {"state", "next_state"})
            if (auto v = single(i.own, "restarter", p)) line(p, *v);
        if (auto t = state_time(i)) {
            time_t then = static_cast<time_t>(t->first);
            struct tm tm {};
            ::localtime_r(&then, &tm);
            char buf[64];
            ::strftime(buf, sizeof buf, "%c", &tm);
            line("state_time", buf);
        }
        for (const char* p : {"alt_logfile", "logfile"})
            if (auto v = single(i.own, "restarter", p)) line(p, *v);
    }
    line("restarter", single(i.composed, "general", "restarter").value_or("svc:/system/svc/restarter:default"));
    if (const smf::Property* c = i.own.find("restarter", "contract"); c && c->type == smf::PropType::Count) {
        std::printf("%-*s", kDetailedWidth, "contract_id");
        for (const std::string& v : c->values)
            if (v != "0") std::printf("%s ", v.c_str());
        std::putchar('\n');
    }
    for (const smf::PropertyGroup& g : i.running.pgs)
        if (g.type == "dependency") dependency_line(repo, g);
    if (processes && !contract_ids(i).empty()) {
        for (pid_t pid : instance_processes(i)) {
            std::printf("%-*s%ld", kDetailedWidth, "process", static_cast<long>(pid));
            if (auto ps = psinfo(pid)) std::printf(" %s", ps->args.c_str());
            std::putchar('\n');
        }
    }
    if (verbose) application_properties(i);
}

}  // namespace xvm::svcs
