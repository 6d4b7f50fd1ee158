// FMRI parsing and operand matching. Matching works on whole name
// components only ("tore" never matches "store"), as svcs/svcadm do; exact
// FMRIs are parsed strictly so that a typo is an error, not a near match.
#include "lib/smf/smf_fmri.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>

#include "lib/base/format.h"

namespace xvm::smf {
namespace {

bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == ',';
}

}  // namespace

std::string Fmri::entity() const { return instance.empty() ? service : service + ":" + instance; }

std::string Fmri::str() const { return "svc:/" + entity(); }

Status check_service_name(std::string_view name) {
    if (name.empty()) return make_error("empty service name");
    std::size_t start = 0;
    while (start <= name.size()) {
        auto slash = name.find('/', start);
        std::string_view comp =
            name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (comp.empty() || !std::isalpha(static_cast<unsigned char>(comp[0])) ||
            !std::all_of(comp.begin(), comp.end(), name_char))
            return make_error(cat("invalid service name \"", name, "\""));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return {};
}

Status check_instance_name(std::string_view name) {
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0])) ||
        !std::all_of(name.begin(), name.end(), name_char))
        return make_error(cat("invalid instance name \"", name, "\""));
    return {};
}

Result<Fmri> parse_fmri(std::string_view text) {
    std::string_view rest = text;
    auto invalid = [&](std::string_view why) {
        return make_error(cat("\"", text, "\" is not a valid FMRI: ", why));
    };
    if (rest.starts_with("svc://localhost/"))
        rest.remove_prefix(16);
    else if (rest.starts_with("svc:/"))
        rest.remove_prefix(5);
    else
        return invalid("it does not start with svc:/");
    Fmri f;
    auto props = rest.find("/:properties/");
    std::string_view ent = rest.substr(0, props);
    if (props != std::string_view::npos) {
        std::string_view pp = rest.substr(props + 13);
        auto slash = pp.find('/');
        f.pg = std::string(pp.substr(0, slash));
        if (slash != std::string_view::npos) f.prop = std::string(pp.substr(slash + 1));
        if (f.pg.empty() || (slash != std::string_view::npos && f.prop.empty()))
            return invalid("empty property group or property name");
    }
    auto colon = ent.find(':');
    f.service = std::string(ent.substr(0, colon));
    if (auto st = check_service_name(f.service); !st) return invalid(st.error().message);
    if (colon != std::string_view::npos) {
        f.instance = std::string(ent.substr(colon + 1));
        if (auto st = check_instance_name(f.instance); !st) return invalid(st.error().message);
    }
    return f;
}

std::string entity_fmri(std::string_view entity) { return cat("svc:/", entity); }

std::string service_of(std::string_view entity) {
    return std::string(entity.substr(0, entity.find(':')));
}

std::string log_stem(std::string_view instance_entity) {
    std::string s(instance_entity);
    std::replace(s.begin(), s.end(), '/', '-');
    return s + ".log";
}

namespace {

// "store" and "xctl/store" match "system/xctl/store"; "tore" does not.
bool trailing_components(std::string_view abbrev, std::string_view service) {
    if (abbrev.empty() || abbrev.size() > service.size() || !service.ends_with(abbrev))
        return false;
    return abbrev.size() == service.size() || service[service.size() - abbrev.size() - 1] == '/';
}

bool matches_abbrev(std::string_view op, std::string_view entity) {
    auto colon = entity.find(':');
    std::string_view svc = entity.substr(0, colon);
    std::string_view inst = colon == std::string_view::npos ? "" : entity.substr(colon + 1);
    auto opc = op.find(':');
    if (opc == std::string_view::npos)  // "store" (a service) or "default" (an instance)
        return inst.empty() ? trailing_components(op, svc) : op == inst;
    std::string_view osvc = op.substr(0, opc), oinst = op.substr(opc + 1);
    if (inst.empty() || oinst != inst) return false;
    return osvc.empty() || trailing_components(osvc, svc);
}

}  // namespace

std::vector<std::string> match_operand(std::string_view operand,
                                       const std::vector<std::string>& entities) {
    std::vector<std::string> out;
    if (operand.find_first_of("*?[") != std::string_view::npos) {
        std::string pat(operand);
        if (!pat.starts_with("svc:")) pat = "svc:/" + pat;
        for (const std::string& e : entities)
            if (e.find(':') != std::string::npos &&
                ::fnmatch(pat.c_str(), entity_fmri(e).c_str(), 0) == 0)
                out.push_back(e);
        return out;
    }
    if (operand.starts_with("svc:")) {
        auto f = parse_fmri(operand);
        if (!f || !f->pg.empty()) return out;
        std::string ent = f->entity();
        if (std::find(entities.begin(), entities.end(), ent) != entities.end())
            out.push_back(ent);
        return out;
    }
    for (const std::string& e : entities)
        if (matches_abbrev(operand, e)) out.push_back(e);
    return out;
}

}  // namespace xvm::smf
