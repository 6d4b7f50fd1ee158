#include "cmd/svccfg/manifest.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <sys/stat.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/smf/smf_fmri.h"

namespace xvm::svccfg {
namespace {

using smf::PgSet;
using smf::Property;
using smf::PropertyGroup;
using smf::PropType;

struct DocDeleter {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

constexpr int kParseOptions = XML_PARSE_NONET | XML_PARSE_NOWARNING;

bool is(const xmlNode* n, const char* name) {
    return n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name);
}

std::optional<std::string> attr(const xmlNode* n, const char* name) {
    xmlChar* v = xmlGetProp(n, BAD_CAST name);
    if (v == nullptr) return std::nullopt;
    std::string out(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return out;
}

// Collects every semantic error with its position, so one run reports all.
struct Ctx {
    std::string origin;
    std::vector<std::string> errors;
    void error(const xmlNode* n, std::string_view msg) {
        errors.push_back(cat(origin, ":", xmlGetLineNo(n), ": ", msg));
    }
    std::string need(const xmlNode* n, const char* name) {
        auto v = attr(n, name);
        if (!v) error(n, cat("<", reinterpret_cast<const char*>(n->name), "> lacks ", name, "="));
        return v.value_or("");
    }
};

void add_value(Ctx& ctx, const xmlNode* n, Property& p, const std::string& value) {
    auto v = smf::validate_value(p.type, value);
    if (!v) {
        ctx.error(n, cat("property ", p.name, ": ", v.error().message));
        return;
    }
    p.values.push_back(std::move(*v));
}

void set_prop(Ctx& ctx, const xmlNode* n, PropertyGroup& g, const std::string& name, PropType type,
              const std::vector<std::string>& values) {
    if (auto st = smf::check_name("property", name); !st) return ctx.error(n, st.error().message);
    Property p{name, type, {}};
    for (const std::string& v : values) add_value(ctx, n, p, v);
    g.set(std::move(p));
}

void astring(Ctx& ctx, const xmlNode* n, PropertyGroup& g, const char* name,
             std::optional<std::string> v) {
    if (v) set_prop(ctx, n, g, name, PropType::Astring, {*v});
}

// <propval name type value/> and <property name type><T_list><value_node value/>...
void prop_children(Ctx& ctx, const xmlNode* parent, PropertyGroup& g) {
    for (const xmlNode* c = parent->children; c; c = c->next) {
        if (!is(c, "propval") && !is(c, "property")) continue;
        std::string name = ctx.need(c, "name");
        std::string tname = ctx.need(c, "type");
        auto type = smf::type_from_name(tname);
        if (!type) {
            if (!tname.empty()) ctx.error(c, cat("property ", name, ": unknown type \"", tname, "\""));
            continue;
        }
        std::vector<std::string> values;
        if (is(c, "propval")) {
            values.push_back(ctx.need(c, "value"));
        } else {
            for (const xmlNode* l = c->children; l; l = l->next)
                for (const xmlNode* v = l->children; v; v = v->next)
                    if (is(v, "value_node")) values.push_back(ctx.need(v, "value"));
        }
        set_prop(ctx, c, g, name, *type, values);
    }
}

std::vector<std::string> service_fmris(Ctx& ctx, const xmlNode* n) {
    std::vector<std::string> out;
    for (const xmlNode* c = n->children; c; c = c->next)
        if (is(c, "service_fmri")) out.push_back(ctx.need(c, "value"));
    return out;
}

void method_context(Ctx& ctx, const xmlNode* n, PropertyGroup& g) {
    astring(ctx, n, g, "working_directory", attr(n, "working_directory"));
    astring(ctx, n, g, "project", attr(n, "project"));
    astring(ctx, n, g, "resource_pool", attr(n, "resource_pool"));
    astring(ctx, n, g, "security_flags", attr(n, "security_flags"));
    for (const xmlNode* c = n->children; c; c = c->next) {
        if (is(c, "method_credential")) {
            set_prop(ctx, c, g, "use_profile", PropType::Boolean, {"false"});
            for (const char* a : {"user", "group", "supp_groups", "privileges", "limit_privileges"})
                astring(ctx, c, g, a, attr(c, a));
        } else if (is(c, "method_profile")) {
            set_prop(ctx, c, g, "use_profile", PropType::Boolean, {"true"});
            astring(ctx, c, g, "profile", attr(c, "name"));
        } else if (is(c, "method_environment")) {
            std::vector<std::string> env;
            for (const xmlNode* e = c->children; e; e = e->next) {
                if (!is(e, "envvar")) continue;
                std::string name = ctx.need(e, "name");
                if (name.starts_with("SMF_"))
                    ctx.error(e, cat("environment variable ", name, ": names starting SMF_ are reserved"));
                else if (name.empty() || name.find('=') != std::string::npos)
                    ctx.error(e, cat("invalid environment variable name \"", name, "\""));
                env.push_back(name + "=" + attr(e, "value").value_or(""));
            }
            set_prop(ctx, c, g, "environment", PropType::Astring, env);
        }
    }
}

PropertyGroup& new_pg(Ctx& ctx, const xmlNode* n, PgSet& set, const std::string& name,
                      const std::string& type) {
    if (auto st = smf::check_name("property group", name); !st) ctx.error(n, st.error().message);
    if (auto st = smf::check_name("property group type", type); !st) ctx.error(n, st.error().message);
    if (set.find(name) != nullptr && name != "general")
        ctx.error(n, cat("property group ", name, " is defined twice"));
    return set.get_or_add(name, type);
}

void dependency(Ctx& ctx, const xmlNode* n, PgSet& set) {
    PropertyGroup& g = new_pg(ctx, n, set, ctx.need(n, "name"), "dependency");
    std::string grouping = ctx.need(n, "grouping"), restart_on = ctx.need(n, "restart_on");
    astring(ctx, n, g, "grouping", grouping);
    astring(ctx, n, g, "restart_on", restart_on);
    astring(ctx, n, g, "type", ctx.need(n, "type"));
    set_prop(ctx, n, g, "entities", PropType::Fmri, service_fmris(ctx, n));
    prop_children(ctx, n, g);
}

void exec_method(Ctx& ctx, const xmlNode* n, PgSet& set) {
    PropertyGroup& g = new_pg(ctx, n, set, ctx.need(n, "name"), "method");
    astring(ctx, n, g, "type", ctx.need(n, "type"));
    astring(ctx, n, g, "exec", ctx.need(n, "exec"));
    std::string timeout = ctx.need(n, "timeout_seconds");
    // -1 (deprecated "no timeout") is kept as 0, which means the same.
    set_prop(ctx, n, g, "timeout_seconds", PropType::Count, {timeout == "-1" ? "0" : timeout});
    for (const xmlNode* c = n->children; c; c = c->next)
        if (is(c, "method_context")) method_context(ctx, c, g);
    prop_children(ctx, n, g);
}

void loctext_pg(Ctx& ctx, const xmlNode* n, PgSet& set, const std::string& pgname) {
    PropertyGroup& g = set.get_or_add(pgname, "template");
    for (const xmlNode* l = n->children; l; l = l->next) {
        if (!is(l, "loctext")) continue;
        xmlChar* text = xmlNodeGetContent(l);
        std::string body = text ? reinterpret_cast<const char*>(text) : "";
        xmlFree(text);
        auto b = body.find_first_not_of(" \t\n"), e = body.find_last_not_of(" \t\n");
        body = b == std::string::npos ? "" : body.substr(b, e - b + 1);
        xmlChar* lang = xmlNodeGetLang(l);
        std::string l10n = lang ? reinterpret_cast<const char*>(lang) : "C";
        xmlFree(lang);
        set_prop(ctx, l, g, l10n, PropType::Ustring, {body});
    }
}

void tmpl(Ctx& ctx, const xmlNode* n, PgSet& set) {
    for (const xmlNode* c = n->children; c; c = c->next) {
        if (is(c, "common_name")) loctext_pg(ctx, c, set, "tm_common_name");
        if (is(c, "description")) loctext_pg(ctx, c, set, "tm_description");
        if (!is(c, "documentation")) continue;
        for (const xmlNode* d = c->children; d; d = d->next) {
            if (is(d, "manpage")) {
                std::string title = ctx.need(d, "title"), section = ctx.need(d, "section");
                std::string pg = cat("tm_man_", title, section);
                if (auto st = smf::check_name("manpage title and section", pg); !st) ctx.error(d, st.error().message);
                PropertyGroup& g = set.get_or_add(pg, "template");
                astring(ctx, d, g, "title", title);
                astring(ctx, d, g, "section", section);
                astring(ctx, d, g, "manpath", attr(d, "manpath").value_or(":default"));
            } else if (is(d, "doc_link")) {
                std::string name = ctx.need(d, "name");
                if (auto st = smf::check_name("doc_link", name); !st) ctx.error(d, st.error().message);
                PropertyGroup& g = set.get_or_add(cat("tm_doc_", name), "template");
                astring(ctx, d, g, "name", name);
                astring(ctx, d, g, "uri", ctx.need(d, "uri"));
            }
        }
    }
}

void dependent(Ctx& ctx, const xmlNode* n, PgSet& set, const std::string& self, Bundle& out) {
    std::string name = ctx.need(n, "name");
    auto targets = service_fmris(ctx, n);
    if (targets.size() != 1) return ctx.error(n, cat("dependent ", name, " must name one service"));
    PropertyGroup& d = set.get_or_add("dependents", "framework");
    set_prop(ctx, n, d, name, PropType::Fmri, targets);
    auto f = smf::parse_fmri(targets[0]);
    if (!f) return ctx.error(n, f.error().message);
    PropertyGroup g{name, "dependency", true, false, {}};
    astring(ctx, n, g, "grouping", ctx.need(n, "grouping"));
    astring(ctx, n, g, "restart_on", ctx.need(n, "restart_on"));
    astring(ctx, n, g, "type", std::string("service"));
    set_prop(ctx, n, g, "entities", PropType::Fmri, {"svc:/" + self});
    out.injected.push_back(InjectedPg{f->entity(), std::move(g)});
}

// Children shared by <service> and <instance>.
void entity_children(Ctx& ctx, const xmlNode* n, PgSet& set, const std::string& self, Bundle& out) {
    for (const xmlNode* c = n->children; c; c = c->next) {
        if (is(c, "restarter")) {
            auto f = service_fmris(ctx, c);
            set_prop(ctx, c, set.get_or_add("general", "framework"), "restarter", PropType::Fmri, f);
        } else if (is(c, "single_instance")) {
            set_prop(ctx, c, set.get_or_add("general", "framework"), "single_instance",
                     PropType::Boolean, {"true"});
        } else if (is(c, "stability")) {
            astring(ctx, c, set.get_or_add("general", "framework"), "entity_stability",
                    ctx.need(c, "value"));
        } else if (is(c, "dependency")) {
            dependency(ctx, c, set);
        } else if (is(c, "dependent")) {
            dependent(ctx, c, set, self, out);
        } else if (is(c, "method_context")) {
            method_context(ctx, c, new_pg(ctx, c, set, "method_context", "framework"));
        } else if (is(c, "exec_method")) {
            exec_method(ctx, c, set);
        } else if (is(c, "property_group")) {
            std::string name = ctx.need(c, "name");
            prop_children(ctx, c, new_pg(ctx, c, set, name, ctx.need(c, "type")));
        } else if (is(c, "template")) {
            tmpl(ctx, c, set);
        }
    }
}

void instance(Ctx& ctx, const xmlNode* n, ServiceSpec& svc, Bundle& out) {
    InstanceSpec inst{ctx.need(n, "name"), {}};
    if (auto st = smf::check_instance_name(inst.name); !st) ctx.error(n, st.error().message);
    for (const InstanceSpec& other : svc.instances)
        if (other.name == inst.name) ctx.error(n, cat("instance ", inst.name, " is defined twice"));
    std::string enabled = ctx.need(n, "enabled");
    set_prop(ctx, n, inst.pgs.get_or_add("general", "framework"), "enabled", PropType::Boolean,
             {enabled});
    entity_children(ctx, n, inst.pgs, svc.name + ":" + inst.name, out);
    svc.instances.push_back(std::move(inst));
}

void service(Ctx& ctx, const xmlNode* n, Bundle& out) {
    ServiceSpec svc{ctx.need(n, "name"), {}, {}};
    if (auto st = smf::check_service_name(svc.name); !st) ctx.error(n, st.error().message);
    entity_children(ctx, n, svc.pgs, svc.name, out);
    for (const xmlNode* c = n->children; c; c = c->next) {
        if (is(c, "create_default_instance")) {
            InstanceSpec inst{"default", {}};
            set_prop(ctx, c, inst.pgs.get_or_add("general", "framework"), "enabled",
                     PropType::Boolean, {ctx.need(c, "enabled")});
            svc.instances.push_back(std::move(inst));
        } else if (is(c, "instance")) {
            instance(ctx, c, svc, out);
        }
    }
    out.services.push_back(std::move(svc));
}

// libxml2 reports through printf-style callbacks; collect the text.
void collect(void* user, const char* fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    *static_cast<std::string*>(user) += buf;
}

Result<DocPtr> read_doc(std::string_view xml, std::string_view origin) {
    std::string errors;
    xmlSetGenericErrorFunc(&errors, collect);
    xmlDoc* doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()),
                                std::string(origin).c_str(), nullptr, kParseOptions);
    xmlSetGenericErrorFunc(nullptr, nullptr);
    if (doc == nullptr) {
        while (!errors.empty() && errors.back() == '\n') errors.pop_back();
        return make_error(cat(origin, ": not well-formed XML", errors.empty() ? "" : ":\n", errors));
    }
    return DocPtr(doc);
}

}  // namespace

std::string dtd_path() {
    if (const char* env = std::getenv("SVCCFG_DTD")) return env;
    struct stat st {};
    for (std::string p : {root_path("/usr/share/lib/xml/dtd/service_bundle.dtd.1"),
                          std::string("/usr/share/lib/xml/dtd/service_bundle.dtd.1")})
        if (::stat(p.c_str(), &st) == 0) return p;
    return XVM_SOURCE_DTD;
}

Status validate_dtd(std::string_view xml, std::string_view origin, const std::string& dtd_file) {
    if (xml.size() > (1u << 26)) return make_error(cat(origin, ": manifest too large"));
    auto doc = read_doc(xml, origin);
    if (!doc) return std::move(doc).error();
    xmlDtd* dtd = xmlParseDTD(nullptr, BAD_CAST dtd_file.c_str());
    if (dtd == nullptr) return make_error(cat("cannot load DTD ", dtd_file), ENOENT);
    std::string errors;
    xmlValidCtxt* v = xmlNewValidCtxt();
    v->userData = &errors;
    v->error = collect;
    v->warning = collect;
    int ok = xmlValidateDtd(v, doc->get(), dtd);
    xmlFreeValidCtxt(v);
    xmlFreeDtd(dtd);
    if (ok == 1) return {};
    while (!errors.empty() && errors.back() == '\n') errors.pop_back();
    return make_error(cat(origin, ": does not conform to the service_bundle DTD:\n", errors));
}

Result<Bundle> parse_manifest(std::string_view xml, std::string_view origin) {
    if (xml.size() > (1u << 26)) return make_error(cat(origin, ": manifest too large"));
    auto doc = read_doc(xml, origin);
    if (!doc) return std::move(doc).error();
    Ctx ctx{std::string(origin), {}};
    xmlNode* root = xmlDocGetRootElement(doc->get());
    if (root == nullptr || !is(root, "service_bundle"))
        return make_error(cat(origin, ": the root element is not <service_bundle>"));
    Bundle out;
    out.name = attr(root, "name").value_or("");
    if (attr(root, "type").value_or("manifest") != "manifest")
        ctx.error(root, "only manifests (type='manifest') can be imported");
    for (const xmlNode* c = root->children; c; c = c->next)
        if (is(c, "service")) service(ctx, c, out);
    if (out.services.empty() && ctx.errors.empty()) ctx.error(root, "no <service> in the bundle");
    if (!ctx.errors.empty()) return make_error(join(ctx.errors, "\n"));
    return out;
}

}  // namespace xvm::svccfg
