#include "cmd/svccfg/commands.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "cmd/svccfg/engine.h"
#include "lib/base/format.h"
#include "lib/smf/smf_control.h"
#include "lib/smf/smf_fmri.h"
#include "lib/smf/smf_walk.h"

namespace xvm::svccfg {
namespace {

const char* const kNotSelected = "An entity is not selected.\n";
const char* const kPermissionDenied = "Permission denied.\n";

bool selected() {
    if (!engine().selection.empty()) return true;
    semerr(kNotSelected);
    return false;
}

const std::string& sel() { return engine().selection; }
bool instance_selected() { return sel().find(':') != std::string::npos; }

// The selection's own groups; a user's copy withholds read-protected
// values, which svc.startd hands over to those allowed.
smf::PgSet own(bool reveal) {
    auto set = repo().current(sel());
    if (!set) {
        semerr("Current selection has been deleted.\n");
        return {};
    }
    if (reveal && repo().is_public()) (void)smf::reveal(*set, sel(), "current");
    return *set;
}

// A change through svc.startd or (as root) straight into the repository.
bool change(const smf::Request& r) {
    smf::Repository* writable = ::geteuid() == 0 ? &repo() : nullptr;
    auto st = smf::submit(writable, r);
    if (st) return true;
    if (st.error().code == EACCES || st.error().code == EPERM) {
        // svc.startd's refusal (which names the authorizations that would
        // do) follows illumos' line.
        const std::string& why = st.error().message;
        if (why.starts_with("permission denied:")) {
            message(kPermissionDenied);
            semerr(cat(why, "\n"));
        } else {
            semerr(kPermissionDenied);
        }
    } else if (st.error().code == EROFS) {
        semerr("Backend read-only.\n");
    } else {
        semerr(cat(st.error().message, "\n"));
    }
    return false;
}

// quote_and_print(): '"' and '\' get a backslash.
std::string quoted(const std::string& v) {
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

bool valid_name(const std::string& n) { return static_cast<bool>(smf::check_name("name", n)); }

// string_to_type(): "astring:" -> astring.
std::optional<smf::PropType> string_to_type(const std::string& t) {
    if (t.empty() || t.back() != ':') return std::nullopt;
    return smf::type_from_name(t.substr(0, t.size() - 1));
}

// string_to_value(): the canonical value, or nullopt after the error.
std::optional<std::string> string_to_value(const Word& w, smf::PropType ty, bool require_quotes) {
    if (require_quotes && !w.quoted) {
        semerr("Multiple string values or string values with spaces must be quoted with '\"'.\n");
        return std::nullopt;
    }
    auto v = smf::validate_value(ty, w.text);
    if (!v) {
        semerr(cat("Invalid \"", smf::type_name(ty), "\" value \"", w.text, "\".\n"));
        return std::nullopt;
    }
    return *v;
}

struct PgProp {
    std::string pg, prop;
};

std::optional<PgProp> split_pgprop(const std::string& s) {
    auto slash = s.find('/');
    if (slash == std::string::npos) {
        semerr("Property names must contain a `/'.\n");
        return std::nullopt;
    }
    return PgProp{s.substr(0, slash), s.substr(slash + 1)};
}

// The group must exist on the selection itself.
const smf::PropertyGroup* find_pg(const smf::PgSet& set, const std::string& pg) {
    if (!valid_name(pg)) {
        semerr(cat("Invalid property group name \"", pg, "\".\n"));
        return nullptr;
    }
    const smf::PropertyGroup* g = set.find(pg);
    if (g == nullptr) semerr(cat("No such property group \"", pg, "\".\n"));
    return g;
}

}  // namespace

void listprop(const std::string* pattern, bool only_pgs) {
    if (!selected()) return;
    smf::PgSet set = own(false);
    // The values of a read-protected group that is listed come from
    // svc.startd, for those allowed; anyone else is refused, as
    // svc.configd refuses the values to libscf.
    for (const smf::PropertyGroup& g : set.pgs) {
        if (only_pgs || !g.withheld || !repo().is_public()) continue;
        bool listed = pattern == nullptr || ::fnmatch(pattern->c_str(), g.name.c_str(), 0) == 0;
        for (const smf::Property& p : g.props)
            listed = listed || ::fnmatch(pattern->c_str(), cat(g.name, "/", p.name).c_str(), 0) == 0;
        if (!listed) continue;
        if (auto st = smf::reveal(set, sel(), "current", g.name); !st) {
            if (st.error().code != EACCES && st.error().code != EPERM) return semerr(cat(st.error().message, "\n"));
            message(kPermissionDenied);
            return semerr(cat(st.error().message, "\n"));
        }
    }
    struct Row {
        std::string name;
        const smf::PropertyGroup* g;
        const smf::Property* p;
    };
    std::vector<Row> rows;
    std::size_t max_len = 0;
    for (const smf::PropertyGroup& g : set.pgs) {
        bool print_props = false;
        if (pattern == nullptr || ::fnmatch(pattern->c_str(), g.name.c_str(), 0) == 0) {
            rows.push_back(Row{g.name, &g, nullptr});
            max_len = std::max(max_len, g.name.size());
            print_props = true;
        }
        if (only_pgs) continue;
        for (const smf::Property& p : g.props) {
            std::string name = cat(g.name, "/", p.name);
            if (pattern != nullptr && !print_props && ::fnmatch(pattern->c_str(), name.c_str(), 0) != 0) continue;
            max_len = std::max(max_len, name.size());
            rows.push_back(Row{name, &g, &p});
        }
    }
    int w = static_cast<int>(max_len);
    for (const Row& r : rows) {
        if (r.p == nullptr) {
            std::printf("%-*s  %s%s\n", w, r.name.c_str(), r.g->type.c_str(), r.g->persistent ? "" : "\tNONPERSISTENT");
            continue;
        }
        std::printf("%-*s  %-7s ", w, r.name.c_str(), std::string(smf::type_name(r.p->type)).c_str());
        if (!r.g->withheld) {
            bool multiple_strings = r.p->values.size() > 1 &&
                                    (r.p->type == smf::PropType::Astring || r.p->type == smf::PropType::Ustring);
            for (const std::string& v : r.p->values) {
                if (multiple_strings || v.find_first_of(" \t\n\"()") != std::string::npos)
                    std::printf(" %s", quoted(v).c_str());
                else
                    std::printf(" %s", v.c_str());
            }
        }
        std::putchar('\n');
    }
}

void addpg(const std::string& name, const std::string& type, const std::string* flags) {
    if (!selected()) return;
    bool nonpersistent = false;
    if (flags != nullptr) {
        for (char c : *flags) {
            if (c == 'P') nonpersistent = true;
            else if (c == 'p') nonpersistent = false;
            else return semerr(cat("Invalid property group flag ", std::string(1, c), ".\n"));
        }
    }
    if (!valid_name(name) || !valid_name(type)) return semerr("Name, type, or flags are invalid.\n");
    if (own(false).find(name) != nullptr) return semerr("Property group already exists.\n");
    (void)change(smf::Request{"addpg", sel(), {name, type, nonpersistent ? "NP" : "P"}});
}

void delpg(const std::string& name) {
    if (!selected()) return;
    if (name.find('/') != std::string::npos) return semerr(cat("Invalid property group name \"", name, "\".\n"));
    delprop(name);
}

void delprop(const std::string& pgprop) {
    if (!selected()) return;
    auto slash = pgprop.find('/');
    std::string pg = pgprop.substr(0, slash);
    smf::PgSet set = own(false);
    const smf::PropertyGroup* g = find_pg(set, pg);
    if (g == nullptr) return;
    if (slash == std::string::npos) {
        (void)change(smf::Request{"delpg", sel(), {pg}});
        return;
    }
    std::string prop = pgprop.substr(slash + 1);
    if (!valid_name(prop)) return semerr(cat("Invalid property name \"", prop, "\".\n"));
    if (g->find(prop) == nullptr) return semerr(cat("No such property ", pg, "/", prop, ".\n"));
    (void)change(smf::Request{"delprop", sel(), {pg, prop}});
}

void setprop(const std::vector<Word>& w) {
    // pg/prop = value | type value | ( values ) | type ( values )
    if (w.size() < 3 || w[1].quoted || w[1].text != "=") return synerr("setprop");
    std::size_t i = 2;
    std::optional<std::string> type_word;
    bool list = false;
    std::vector<Word> values;
    auto is = [&](std::size_t k, const char* t) { return k < w.size() && !w[k].quoted && w[k].text == t; };
    if (is(i, "(") || is(i + 1, "(")) {
        if (!is(i, "(")) type_word = w[i++].text;
        list = true;
        for (++i; i < w.size() && !is(i, ")"); ++i) {
            if (is(i, "(")) return synerr("setprop");
            values.push_back(w[i]);
        }
        if (i + 1 != w.size()) return synerr("setprop");
    } else if (w.size() == 3) {
        values.push_back(w[2]);
    } else if (w.size() == 4) {
        type_word = w[2].text;
        values.push_back(w[3]);
    } else {
        return synerr("setprop");
    }
    if (!selected()) return;
    auto pp = split_pgprop(w[0].text);
    if (!pp) return;
    std::optional<smf::PropType> ty;
    if (type_word) {
        ty = string_to_type(*type_word);
        if (!ty) return semerr(cat("Unknown type \"", *type_word, "\".\n"));
    }
    smf::PgSet set = own(false);
    const smf::PropertyGroup* g = find_pg(set, pp->pg);
    if (g == nullptr) return;
    if (!valid_name(pp->prop)) return semerr(cat("Invalid property name \"", pp->prop, "\".\n"));
    if (const smf::Property* p = g->find(pp->prop)) {
        if (!ty) ty = p->type;  // an explicit type changes the property's
    } else if (!ty) {
        // Infer: the service's property of the same name, for an instance.
        if (instance_selected()) {
            auto svc = repo().current(smf::service_of(sel()));
            if (svc)
                if (const smf::Property* sp = svc->find(pp->pg, pp->prop)) ty = sp->type;
        }
        if (!ty) return semerr("Type required for new properties.\n");
    }
    bool req_quotes = list && (*ty == smf::PropType::Astring || *ty == smf::PropType::Ustring);
    smf::Request r{"setprop", sel(), {pp->pg, pp->prop, std::string(smf::type_name(*ty))}};
    for (const Word& v : values) {
        auto canon = string_to_value(v, *ty, req_quotes);
        if (!canon) return;
        r.args.push_back(*canon);
    }
    (void)change(r);
}

void addpropvalue(const std::vector<Word>& w) {
    if (w.size() != 2 && w.size() != 3) return synerr("addpropvalue");
    if (!selected()) return;
    auto pp = split_pgprop(w[0].text);
    if (!pp) return;
    std::optional<smf::PropType> ty;
    const std::string* type_word = w.size() == 3 ? &w[1].text : nullptr;
    if (type_word) {
        ty = string_to_type(*type_word);
        if (!ty) return semerr(cat("Unknown type \"", *type_word, "\".\n"));
    }
    smf::PgSet set = own(false);
    const smf::PropertyGroup* g = find_pg(set, pp->pg);
    if (g == nullptr) return;
    if (!valid_name(pp->prop)) return semerr(cat("Invalid property name \"", pp->prop, "\".\n"));
    std::vector<std::string> values;
    if (const smf::Property* p = g->find(pp->prop)) {
        if (ty && *ty != p->type) return semerr(cat("Property \"", pp->prop, "\" is not of type \"", *type_word, "\".\n"));
        ty = p->type;
        values = p->values;
    } else if (!ty) {
        return semerr("Type required for new properties.\n");
    }
    auto v = string_to_value(w.back(), *ty, false);
    if (!v) return;
    values.push_back(*v);
    smf::Request r{"setprop", sel(), {pp->pg, pp->prop, std::string(smf::type_name(*ty))}};
    r.args.insert(r.args.end(), values.begin(), values.end());
    (void)change(r);
}

void delpropvalue(const std::string& pgprop, const std::string& glob) {
    if (!selected()) return;
    auto pp = split_pgprop(pgprop);
    if (!pp) return;
    smf::PgSet set = own(false);
    const smf::PropertyGroup* g = find_pg(set, pp->pg);
    if (g == nullptr) return;
    if (!valid_name(pp->prop)) return semerr(cat("Invalid property name \"", pp->prop, "\".\n"));
    const smf::Property* p = g->find(pp->prop);
    if (p == nullptr) return semerr(cat("No such property ", pp->pg, "/", pp->prop, ".\n"));
    smf::Request r{"setprop", sel(), {pp->pg, pp->prop, std::string(smf::type_name(p->type))}};
    for (const std::string& v : p->values)
        if (::fnmatch(glob.c_str(), v.c_str(), 0) != 0) r.args.push_back(v);
    (void)change(r);
}

void setenv_cmd(const std::vector<Word>& w, bool set) {
    const char* cmd = set ? "setenv" : "unsetenv";
    std::string method;
    bool service_level = false;
    std::size_t i = 0;
    for (; i < w.size() && w[i].text.starts_with("-") && w[i].text.size() > 1 && !w[i].quoted; ++i) {
        for (std::size_t k = 1; k < w[i].text.size(); ++k) {
            char c = w[i].text[k];
            if (c == 's') service_level = true;
            else if (c == 'i') service_level = false;
            else if (c == 'm') {
                std::string rest = w[i].text.substr(k + 1);
                if (rest.empty()) {
                    if (i + 1 >= w.size()) return synerr(cmd);
                    rest = w[++i].text;
                }
                method = rest;
                break;
            } else {
                return synerr(cmd);
            }
        }
    }
    if (w.size() - i != (set ? 2u : 1u)) return synerr(cmd);
    if (!selected()) return;
    std::string entity = service_level ? smf::service_of(sel()) : sel();
    const std::string& name = w[i].text;
    auto cur = repo().current(entity);
    if (!cur) return semerr("Current selection has been deleted.\n");
    if (method.empty()) {
        // start_method_name(): a start method group, instance first.
        for (const std::string& e : {entity, smf::service_of(entity)}) {
            auto s = repo().current(e);
            for (const char* m : {"start", "inetd_start"})
                if (s && method.empty() && s->find(m) && s->find(m)->type == "method") method = m;
        }
        if (method.empty()) return semerr("Couldn't find start method; please specify a method with '-m'.\n");
    }
    if (name.empty() || name.find('=') != std::string::npos)
        return semerr(cat("Invalid environment variable name \"", name, "\".\n"));
    const smf::Property* old = cur->find(method, "environment");
    std::vector<std::string> env = old ? old->values : std::vector<std::string>{};
    std::erase_if(env, [&](const std::string& e) { return e.starts_with(name + "="); });
    if (set) env.push_back(name + "=" + w[i + 1].text);
    std::string saved = engine().selection;
    engine().selection = entity;
    if (cur->find(method) == nullptr && !change(smf::Request{"addpg", entity, {method, "method", "P"}})) {
        engine().selection = saved;
        return;
    }
    smf::Request r{"setprop", entity, {method, "environment", "astring"}};
    r.args.insert(r.args.end(), env.begin(), env.end());
    (void)change(r);
    engine().selection = saved;
}

void refresh() {
    if (!selected()) return;
    std::vector<std::string> targets{sel()};
    if (!instance_selected()) {
        auto insts = repo().instances_of(sel());
        targets = insts ? *insts : std::vector<std::string>{};
    }
    for (const std::string& t : targets)
        if (!change(smf::Request{"refresh", t, {}})) return;
}

void describe(const std::vector<Word>& w) {
    std::size_t i = 0;
    bool template_only = false;
    for (; i < w.size() && w[i].text.starts_with("-") && !w[i].quoted; ++i) {
        for (char c : w[i].text.substr(1)) {
            if (c == 't') template_only = true;
            else if (c != 'v') return synerr("describe");
        }
    }
    if (w.size() - i > 1) return synerr("describe");
    if (!selected()) return;
    if (template_only) return;  // no template data is kept beyond the common name
    listprop(i < w.size() ? &w[i].text : nullptr, false);
}

void listsnap() {
    if (!instance_selected()) return semerr("Instance not selected.\n");
    auto snaps = repo().snapshots(sel());
    if (!snaps) return semerr(cat(snaps.error().message, "\n"));
    for (const std::string& s : *snaps) std::printf("%s\n", s.c_str());
}

void list(const std::string* pattern) {
    const std::string& s = sel();
    if (s.find(':') != std::string::npos) {
        std::fputs(":properties\n", stdout);
        return;
    }
    auto ents = repo().entities();
    if (!ents) return semerr(cat(ents.error().message, "\n"));
    if (!s.empty()) std::fputs(":properties\n", stdout);
    for (const std::string& e : *ents) {
        std::string name;
        if (s.empty()) {
            if (e.find(':') != std::string::npos) continue;
            name = e;
        } else {
            if (!e.starts_with(s + ":")) continue;
            name = e.substr(s.size() + 1);
        }
        if (pattern == nullptr || ::fnmatch(pattern->c_str(), name.c_str(), 0) == 0) std::printf("%s\n", name.c_str());
    }
}

void add(const std::string& name) {
    const std::string& s = sel();
    if (s.find(':') != std::string::npos) return semerr("Cannot add entities to an instance.\n");
    bool valid = s.empty() ? static_cast<bool>(smf::check_service_name(name))
                           : static_cast<bool>(smf::check_instance_name(name));
    if (!valid) return semerr("Invalid name.\n");
    std::string entity = s.empty() ? name : s + ":" + name;
    auto exists = repo().exists(entity);
    if (exists && *exists) return semerr(s.empty() ? "Service already exists.\n" : "Instance already exists.\n");
    if (::geteuid() != 0 || !repo().writable()) return semerr(kPermissionDenied);
    if (auto st = repo().create(entity); !st) semerr(cat(st.error().message, "\n"));
}

namespace {

bool may_be_running(const std::string& inst) {
    auto cur = repo().current(inst);
    auto st = cur ? cur->first("restarter", "state") : std::nullopt;
    return st && (*st == "online" || *st == "degraded");
}

// lscf_instance_delete() / lscf_service_delete(): a running instance
// only with -f.
bool delete_one(const std::string& entity, bool force) {
    std::vector<std::string> insts;
    if (entity.find(':') != std::string::npos) {
        insts.push_back(entity);
    } else if (auto i = repo().instances_of(entity)) {
        insts = *i;
    }
    for (const std::string& i : insts)
        if (!force && may_be_running(i)) {
            semerr(cat("Instance ", smf::entity_fmri(i), " may be running.  Use delete -f if it is not.\n"));
            return false;
        }
    if (::geteuid() != 0 || !repo().writable()) {
        semerr(kPermissionDenied);
        return false;
    }
    if (auto st = repo().remove(entity); !st) {
        semerr(cat(st.error().message, "\n"));
        return false;
    }
    (void)smf::send_request(smf::Request{"notify", entity, {}});
    if (engine().selection == entity || engine().selection.starts_with(entity + ":")) engine().selection.clear();
    return true;
}

}  // namespace

void delete_entity(const std::string& fmri, bool force) {
    const std::string& s = sel();
    // A name relative to the selection: an instance of the selected
    // service, a service of the scope.
    if (s.empty() && smf::check_service_name(fmri)) {
        auto e = repo().exists(fmri);
        if (e && *e) return (void)delete_one(fmri, force);
    } else if (!s.empty() && s.find(':') == std::string::npos && smf::check_instance_name(fmri)) {
        auto e = repo().exists(s + ":" + fmri);
        if (e && *e) return (void)delete_one(s + ":" + fmri, force);
    }
    auto r = smf::walk_fmri(repo(), {fmri}, smf::kWalkService);
    if (!r) return semerr(cat("Failed to walk instances: ", r.error().message, "\n"));
    for (const std::string& e : r->errors) semerr(e);
    for (const smf::Walked& w : r->walked) (void)delete_one(w.entity, force);
}

}  // namespace xvm::svccfg
