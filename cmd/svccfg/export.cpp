// svccfg export: repository content back to service_bundle XML, element
// order as the DTD demands (svccfg(1M)). Groups that have an
// element of their own (dependency, exec_method, method_context,
// templates) become that element; every other persistent group becomes a
// <property_group>, so an export imports back to the same content.
#include <algorithm>

#include "lib/base/format.h"
#include "cmd/svccfg/import.h"
#include "lib/smf/smf_control.h"

namespace xvm::svccfg {
namespace {

using smf::PgSet;
using smf::Property;
using smf::PropertyGroup;

std::string esc(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '\'': out += "&apos;"; break;
        case '"': out += "&quot;"; break;
        case '\n': out += "&#10;"; break;
        case '\t': out += "&#9;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string first(const PropertyGroup& g, std::string_view prop) {
    const Property* p = g.find(prop);
    return p && !p->values.empty() ? p->values.front() : "";
}

void props_xml(std::string& o, const std::string& ind, const PropertyGroup& g,
               const std::vector<std::string_view>& skip) {
    for (const Property& p : g.props) {
        if (std::find(skip.begin(), skip.end(), p.name) != skip.end()) continue;
        std::string t(smf::type_name(p.type));
        if (p.values.size() == 1) {
            o += cat(ind, "<propval name='", esc(p.name), "' type='", t, "' value='",
                     esc(p.values[0]), "'/>\n");
            continue;
        }
        o += cat(ind, "<property name='", esc(p.name), "' type='", t, "'>\n", ind, "  <", t, "_list>\n");
        for (const std::string& v : p.values) o += cat(ind, "    <value_node value='", esc(v), "'/>\n");
        o += cat(ind, "  </", t, "_list>\n", ind, "</property>\n");
    }
}

constexpr std::string_view kContextProps[] = {
    "working_directory", "project",    "resource_pool", "security_flags", "use_profile", "user",
    "group",             "supp_groups", "privileges",   "limit_privileges", "profile", "environment"};

bool has_context(const PropertyGroup& g) {
    for (std::string_view p : kContextProps)
        if (g.find(p)) return true;
    return false;
}

void context_xml(std::string& o, const std::string& ind, const PropertyGroup& g) {
    o += ind + "<method_context";
    for (const char* a : {"working_directory", "project", "resource_pool", "security_flags"})
        if (g.find(a)) o += cat(" ", a, "='", esc(first(g, a)), "'");
    o += ">\n";
    if (first(g, "use_profile") == "true") {
        o += cat(ind, "  <method_profile name='", esc(first(g, "profile")), "'/>\n");
    } else if (g.find("user")) {
        o += ind + "  <method_credential";
        for (const char* a : {"user", "group", "supp_groups", "privileges", "limit_privileges"})
            if (g.find(a)) o += cat(" ", a, "='", esc(first(g, a)), "'");
        o += "/>\n";
    }
    if (const Property* env = g.find("environment"); env && !env->values.empty()) {
        o += ind + "  <method_environment>\n";
        for (const std::string& e : env->values) {
            auto eq = e.find('=');
            o += cat(ind, "    <envvar name='", esc(e.substr(0, eq)), "' value='",
                     esc(eq == std::string::npos ? "" : e.substr(eq + 1)), "'/>\n");
        }
        o += ind + "  </method_environment>\n";
    }
    o += ind + "</method_context>\n";
}

void template_xml(std::string& o, const std::string& ind, const PgSet& set) {
    std::string body;
    for (const char* name : {"tm_common_name", "tm_description"}) {
        const PropertyGroup* g = set.find(name);
        if (!g) continue;
        const char* el = name == std::string_view("tm_common_name") ? "common_name" : "description";
        body += cat(ind, "  <", el, ">\n");
        for (const Property& p : g->props)
            body += cat(ind, "    <loctext xml:lang='", esc(p.name), "'>",
                        esc(p.values.empty() ? "" : p.values[0]), "</loctext>\n");
        body += cat(ind, "  </", el, ">\n");
    }
    std::string docs;
    for (const PropertyGroup& g : set.pgs) {
        if (g.name.starts_with("tm_man_"))
            docs += cat(ind, "    <manpage title='", esc(first(g, "title")), "' section='",
                        esc(first(g, "section")), "' manpath='", esc(first(g, "manpath")), "'/>\n");
        else if (g.name.starts_with("tm_doc_"))
            docs += cat(ind, "    <doc_link name='", esc(first(g, "name")), "' uri='",
                        esc(first(g, "uri")), "'/>\n");
    }
    if (!docs.empty()) body += cat(ind, "  <documentation>\n", docs, ind, "  </documentation>\n");
    if (!body.empty()) o += cat(ind, "<template>\n", body, ind, "</template>\n");
}

bool is_template(const PropertyGroup& g) {
    return g.name == "tm_common_name" || g.name == "tm_description" ||
           g.name.starts_with("tm_man_") || g.name.starts_with("tm_doc_");
}

// Everything up to and including the property groups (shared by service
// and instance elements).
void body_xml(std::string& o, const std::string& ind, const PgSet& set, bool service,
              smf::Repository& repo) {
    const PropertyGroup* gen = set.find("general");
    if (service && gen && first(*gen, "single_instance") == "true") o += ind + "<single_instance/>\n";
    if (gen && !first(*gen, "restarter").empty())
        o += cat(ind, "<restarter>\n", ind, "  <service_fmri value='", esc(first(*gen, "restarter")),
                 "'/>\n", ind, "</restarter>\n");
    for (const PropertyGroup& g : set.pgs) {
        if (!g.persistent || g.type != "dependency") continue;
        o += cat(ind, "<dependency name='", esc(g.name), "' grouping='", esc(first(g, "grouping")),
                 "' restart_on='", esc(first(g, "restart_on")), "' type='", esc(first(g, "type")), "'>\n");
        if (const Property* e = g.find("entities"))
            for (const std::string& v : e->values) o += cat(ind, "  <service_fmri value='", esc(v), "'/>\n");
        props_xml(o, ind + "  ", g, {"grouping", "restart_on", "type", "entities"});
        o += ind + "</dependency>\n";
    }
    if (const PropertyGroup* deps = set.find("dependents")) {
        for (const Property& p : deps->props) {
            if (p.values.empty()) continue;
            auto target = repo.current(p.values[0].substr(5));
            const PropertyGroup* tg = target ? target->find(p.name) : nullptr;
            if (!tg) continue;  // the injected group is gone; nothing to re-create
            o += cat(ind, "<dependent name='", esc(p.name), "' grouping='", esc(first(*tg, "grouping")),
                     "' restart_on='", esc(first(*tg, "restart_on")), "'>\n", ind,
                     "  <service_fmri value='", esc(p.values[0]), "'/>\n", ind, "</dependent>\n");
        }
    }
    if (const PropertyGroup* mc = set.find("method_context"); mc && mc->persistent) context_xml(o, ind, *mc);
    for (const PropertyGroup& g : set.pgs) {
        if (!g.persistent || g.type != "method") continue;
        o += cat(ind, "<exec_method type='", esc(first(g, "type")), "' name='", esc(g.name),
                 "' exec='", esc(first(g, "exec")), "' timeout_seconds='",
                 esc(first(g, "timeout_seconds")), "'>\n");
        if (has_context(g)) context_xml(o, ind + "  ", g);
        std::vector<std::string_view> skip{"type", "exec", "timeout_seconds"};
        skip.insert(skip.end(), std::begin(kContextProps), std::end(kContextProps));
        props_xml(o, ind + "  ", g, skip);
        o += ind + "</exec_method>\n";
    }
    for (const PropertyGroup& g : set.pgs) {
        if (!g.persistent || g.type == "dependency" || g.type == "method" || is_template(g) ||
            g.name == "method_context" || g.name == "dependents")
            continue;
        std::vector<std::string_view> skip;
        if (g.name == "general") skip = {"enabled", "restarter", "single_instance", "entity_stability"};
        if (g.name == "general" && !service) skip.pop_back();
        std::string props;
        props_xml(props, ind + "  ", g, skip);
        if (g.name == "general" && props.empty()) continue;
        o += cat(ind, "<property_group name='", esc(g.name), "' type='", esc(g.type), "'>\n", props,
                 ind, "</property_group>\n");
    }
}

}  // namespace

// The entity's current configuration with every value: a user's copy of
// the repository withholds read-protected ones, which svc.startd gives
// only to a user allowed to read them.
static Result<PgSet> full_current(smf::Repository& repo, const std::string& entity) {
    auto set = repo.current(entity);
    if (!set || !repo.is_public()) return set;
    if (auto st = smf::reveal(*set, entity, "current"); !st) return std::move(st).error();
    return set;
}

Result<std::string> export_service(smf::Repository& repo, const std::string& service) {
    auto set = full_current(repo, service);
    if (!set) return std::move(set).error();
    auto insts = repo.instances_of(service);
    if (!insts) return std::move(insts).error();
    std::string o = cat("<?xml version='1.0'?>\n",
                        "<!DOCTYPE service_bundle SYSTEM '/usr/share/lib/xml/dtd/service_bundle.dtd.1'>\n",
                        "<service_bundle type='manifest' name='export'>\n",
                        "  <service name='", esc(service), "' type='service' version='0'>\n");
    body_xml(o, "    ", *set, true, repo);
    for (const std::string& inst : *insts) {
        auto is = full_current(repo, inst);
        if (!is) return std::move(is).error();
        std::string enabled = is->first("general", "enabled").value_or("false");
        o += cat("    <instance name='", esc(inst.substr(inst.find(':') + 1)), "' enabled='", enabled, "'>\n");
        body_xml(o, "      ", *is, false, repo);
        template_xml(o, "      ", *is);
        o += "    </instance>\n";
    }
    if (auto stab = set->first("general", "entity_stability"))
        o += cat("    <stability value='", esc(*stab), "'/>\n");
    template_xml(o, "    ", *set);
    o += "  </service>\n</service_bundle>\n";
    return o;
}

}  // namespace xvm::svccfg
