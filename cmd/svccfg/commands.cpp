#include "cmd/svccfg/commands.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstdio>

#include "lib/base/format.h"
#include "lib/smf/smf_control.h"
#include "lib/smf/smf_fmri.h"
#include "lib/smf/smf_repo.h"
#include "cmd/svccfg/syntax.h"

namespace xvm::svccfg {
namespace {

Status need_args(const std::vector<std::string>& a, std::size_t min, std::size_t max,
                 const char* usage) {
    if (a.size() - 1 < min || a.size() - 1 > max) return make_error(cat("usage: ", usage));
    return {};
}

Status setprop(const std::string& entity, const std::vector<std::string>& a) {
    std::vector<std::string> rest(a.begin() + 1, a.end());
    auto parsed = parse_setprop(join(rest, " "));
    if (!parsed) return std::move(parsed).error();
    smf::Request r{"setprop", entity,
                   {parsed->pg, parsed->prop,
                    parsed->type ? std::string(smf::type_name(*parsed->type)) : ""}};
    r.args.insert(r.args.end(), parsed->values.begin(), parsed->values.end());
    return smf::submit(r);
}

Status listprop(const std::string& entity, const std::vector<std::string>& a) {
    auto repo = smf::Repository::open(false);
    if (!repo) return std::move(repo).error();
    auto set = (*repo)->current(entity);
    if (!set) return std::move(set).error();
    // A user's copy withholds read-protected values: ask svc.startd.
    if ((*repo)->is_public())
        if (auto st = smf::reveal(*set, entity, "current"); !st) return st;
    std::string pattern = a.size() > 1 ? a[1] : "*";
    struct Row {
        std::string name, type, values;
    };
    std::vector<Row> rows;
    for (const smf::PropertyGroup& g : set->pgs) {
        bool pg_match = ::fnmatch(pattern.c_str(), g.name.c_str(), 0) == 0;
        if (pg_match) rows.push_back(Row{g.name, g.type, ""});
        for (const smf::Property& p : g.props) {
            std::string full = g.name + "/" + p.name;
            if (!pg_match && ::fnmatch(pattern.c_str(), full.c_str(), 0) != 0) continue;
            std::vector<std::string> vals;
            for (const std::string& v : p.values)
                vals.push_back(p.type == smf::PropType::Astring || smf::is_ustring(p.type)
                                   ? quote_if_needed(v)
                                   : v);
            rows.push_back(Row{full, std::string(smf::type_name(p.type)), join(vals, " ")});
        }
    }
    std::size_t w = 0;
    for (const Row& r : rows) w = std::max(w, r.name.size());
    for (const Row& r : rows) {
        std::string line = r.name + std::string(w - r.name.size() + 2, ' ');
        if (r.values.empty() && set->find(r.name) != nullptr) {
            line += r.type;
        } else {
            line += r.type + std::string(r.type.size() < 8 ? 8 - r.type.size() : 0, ' ') + " " + r.values;
            while (!line.empty() && line.back() == ' ') line.pop_back();
        }
        std::printf("%s\n", line.c_str());
    }
    return {};
}

Status refresh(const std::string& entity) {
    std::vector<std::string> targets{entity};
    if (entity.find(':') == std::string::npos) {
        auto repo = smf::Repository::open(false);
        if (!repo) return std::move(repo).error();
        auto insts = (*repo)->instances_of(entity);
        if (!insts) return std::move(insts).error();
        targets = *insts;
    }
    for (const std::string& t : targets)
        if (auto st = smf::submit(smf::Request{"refresh", t, {}}); !st) return st;
    return {};
}

Status listpg(const std::string& entity, const std::string& pattern) {
    auto repo = smf::Repository::open(false);
    if (!repo) return std::move(repo).error();
    auto set = (*repo)->current(entity);
    if (!set) return std::move(set).error();
    std::size_t w = 0;
    for (const smf::PropertyGroup& g : set->pgs) w = std::max(w, g.name.size());
    for (const smf::PropertyGroup& g : set->pgs)
        if (::fnmatch(pattern.c_str(), g.name.c_str(), 0) == 0)
            std::printf("%-*s  %s%s\n", static_cast<int>(w), g.name.c_str(), g.type.c_str(),
                        g.persistent ? "" : "  NONPERSISTENT");
    return {};
}

// addpropvalue pg/name [type:] value  |  delpropvalue pg/name glob:
// read-modify-write of the whole property through setprop, so the same
// type and authorization rules apply.
Status edit_values(const std::string& entity, const std::vector<std::string>& a) {
    bool add = a[0] == "addpropvalue";
    if (a.size() < 3 || a.size() > 4 || (!add && a.size() != 3))
        return make_error(add ? "usage: addpropvalue pg/name [type:] value" : "usage: delpropvalue pg/name glob");
    auto slash = a[1].find('/');
    if (slash == std::string::npos) return make_error(cat("\"", a[1], "\" is not pg/name"));
    std::string pg = a[1].substr(0, slash), name = a[1].substr(slash + 1);
    auto repo = smf::Repository::open(false);
    if (!repo) return std::move(repo).error();
    auto set = (*repo)->current(entity);
    if (!set) return std::move(set).error();
    repo->reset();
    const smf::Property* old = set->find(pg, name);
    std::vector<std::string> values = old ? old->values : std::vector<std::string>{};
    std::string type = old ? std::string(smf::type_name(old->type)) : "";
    if (add) {
        if (a.size() == 4) {
            if (!a[2].ends_with(":")) return make_error("addpropvalue: the type must end with ':'");
            type = a[2].substr(0, a[2].size() - 1);
        }
        values.push_back(a.back());
    } else {
        if (!old) return make_error(cat("property ", pg, "/", name, " does not exist"), ENOENT);
        std::erase_if(values, [&](const std::string& v) { return ::fnmatch(a[2].c_str(), v.c_str(), 0) == 0; });
    }
    smf::Request r{"setprop", entity, {pg, name, type}};
    r.args.insert(r.args.end(), values.begin(), values.end());
    return smf::submit(r);
}

// setenv [-m method] NAME value | unsetenv [-m method] NAME: the
// method_context (or the method's) environment list.
Status edit_env(const std::string& entity, const std::vector<std::string>& a) {
    bool set_it = a[0] == "setenv";
    std::size_t i = 1;
    std::string pg = "method_context";
    if (i + 1 < a.size() && a[i] == "-m") { pg = a[i + 1]; i += 2; }
    if (i < a.size() && (a[i] == "-s" || a[i] == "-i")) ++i;  // service / instance level: the selection decides
    if (a.size() - i != (set_it ? 2u : 1u))
        return make_error(set_it ? "usage: setenv [-m method] NAME value" : "usage: unsetenv [-m method] NAME");
    const std::string& var = a[i];
    if (var.empty() || var.find('=') != std::string::npos || var.starts_with("SMF_"))
        return make_error(cat("invalid environment variable name \"", var, "\""));
    auto repo = smf::Repository::open(false);
    if (!repo) return std::move(repo).error();
    auto set = (*repo)->current(entity);
    if (!set) return std::move(set).error();
    repo->reset();
    const smf::Property* old = set->find(pg, "environment");
    std::vector<std::string> env = old ? old->values : std::vector<std::string>{};
    std::erase_if(env, [&](const std::string& e) { return e.starts_with(var + "="); });
    if (set_it) env.push_back(var + "=" + a[i + 1]);
    if (!set->find(pg)) {
        if (auto st = smf::submit(smf::Request{"addpg", entity, {pg, "framework", "P"}}); !st) return st;
    }
    smf::Request r{"setprop", entity, {pg, "environment", "astring"}};
    r.args.insert(r.args.end(), env.begin(), env.end());
    return smf::submit(r);
}

}  // namespace

Result<std::string> select_entity(const std::string& operand) {
    auto repo = smf::Repository::open(false);
    if (!repo) return std::move(repo).error();
    auto all = (*repo)->entities();
    if (!all) return std::move(all).error();
    if (operand.starts_with("svc:")) {
        auto f = smf::parse_fmri(operand);
        if (!f) return std::move(f).error();
        if (!f->pg.empty()) return make_error(cat("\"", operand, "\" names a property, not an entity"));
    }
    auto m = smf::match_operand(operand, *all);
    if (m.empty()) return make_error(cat("Pattern '", operand, "' doesn't match any instances or services"), ENOENT);
    if (m.size() > 1)
        return make_error(cat("Pattern '", operand, "' matches ", m.size(),
                              " entities; use a full FMRI (", join(m, ", "), ")"));
    return m.front();
}

Status run_entity_command(const std::string& entity, const std::vector<std::string>& a) {
    if (a.empty()) return make_error("no subcommand given after -s");
    const std::string& cmd = a[0];
    if (cmd == "setprop") return setprop(entity, a);
    if (cmd == "listprop") {
        if (auto st = need_args(a, 0, 1, "listprop [pattern]"); !st) return st;
        return listprop(entity, a);
    }
    if (cmd == "delprop") {
        if (auto st = need_args(a, 1, 1, "delprop pg[/name]"); !st) return st;
        auto slash = a[1].find('/');
        smf::Request r{"delprop", entity, {a[1].substr(0, slash)}};
        if (slash != std::string::npos) r.args.push_back(a[1].substr(slash + 1));
        return smf::submit(r);
    }
    if (cmd == "addpg") {
        if (auto st = need_args(a, 2, 3, "addpg name type [P]"); !st) return st;
        if (a.size() == 4 && a[3] != "P") return make_error("addpg: the only flag is P (non-persistent)");
        return smf::submit(smf::Request{"addpg", entity, {a[1], a[2], a.size() == 4 ? "NP" : "P"}});
    }
    if (cmd == "delpg") {
        if (auto st = need_args(a, 1, 1, "delpg name"); !st) return st;
        return smf::submit(smf::Request{"delpg", entity, {a[1]}});
    }
    if (cmd == "listpg") {
        if (auto st = need_args(a, 0, 1, "listpg [pattern]"); !st) return st;
        return listpg(entity, a.size() > 1 ? a[1] : "*");
    }
    if (cmd == "addpropvalue" || cmd == "delpropvalue") return edit_values(entity, a);
    if (cmd == "setenv" || cmd == "unsetenv") return edit_env(entity, a);
    if (cmd == "refresh") {
        if (auto st = need_args(a, 0, 0, "refresh"); !st) return st;
        return refresh(entity);
    }
    return make_error(cat("unknown subcommand \"", cmd, "\""));
}

}  // namespace xvm::svccfg
