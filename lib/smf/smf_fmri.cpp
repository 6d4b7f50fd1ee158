// FMRI parsing and operand matching. Matching works on whole name
// components only ("tore" never matches "store"), as svcs/svcadm do; exact
// FMRIs are parsed strictly so that a typo is an error, not a near match.
#include "lib/smf/smf_fmri.h"


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

}  // namespace xvm::smf
