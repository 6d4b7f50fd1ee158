#include "daemons/kit/service_config.h"

#include <charconv>

#include "lib/smf/scf.h"

namespace xvm::kit {
namespace {

bool kind_fits(scf_type_t type, ValueKind kind) {
    switch (kind) {
        case ValueKind::kNumber: return type == SCF_TYPE_COUNT || type == SCF_TYPE_INTEGER;
        case ValueKind::kBoolean: return type == SCF_TYPE_BOOLEAN;
        case ValueKind::kString:
            return type != SCF_TYPE_COUNT && type != SCF_TYPE_INTEGER &&
                   type != SCF_TYPE_BOOLEAN && type != SCF_TYPE_OPAQUE && type != SCF_TYPE_TIME;
    }
    return false;
}

const char* kind_name(ValueKind kind) {
    switch (kind) {
        case ValueKind::kNumber: return "count or integer";
        case ValueKind::kBoolean: return "boolean";
        case ValueKind::kString: return "astring";
    }
    return "?";
}

std::optional<std::string> first_value_text(scf_simple_prop_t* p, ValueKind kind) {
    switch (kind) {
        case ValueKind::kNumber:
            if (scf_simple_prop_type(p) == SCF_TYPE_COUNT) {
                if (std::uint64_t* v = scf_simple_prop_next_count(p)) return cat(*v);
            } else if (std::int64_t* v = scf_simple_prop_next_integer(p)) {
                return cat(*v);
            }
            return std::nullopt;
        case ValueKind::kBoolean:
            if (std::uint8_t* v = scf_simple_prop_next_boolean(p)) return *v ? "true" : "false";
            return std::nullopt;
        case ValueKind::kString:
            if (scf_simple_prop_type(p) == SCF_TYPE_ASTRING) {
                if (char* v = scf_simple_prop_next_astring(p)) return std::string(v);
            } else if (char* v = scf_simple_prop_next_ustring(p)) {
                return std::string(v);
            }
            return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

Result<std::optional<std::string>> read_running_property(const std::string& fmri,
                                                         std::string_view name, ValueKind kind) {
    std::string prop(name);
    std::string origin = cat("property config/", name, " of ", fmri);
    scf_simple_prop_t* p = scf_simple_prop_get_running(nullptr, fmri.c_str(), "config", prop.c_str());
    if (p == nullptr) {
        if (scf_error() == SCF_ERROR_NOT_FOUND) return std::optional<std::string>();
        return make_error(cat("cannot read ", origin, ": ", scf_strerror(scf_error())), EIO);
    }
    std::optional<std::string> text;
    std::string problem;
    if (!kind_fits(scf_simple_prop_type(p), kind))
        problem = cat("has the wrong type (", kind_name(kind), " expected)");
    else if (scf_simple_prop_numvalues(p) != 1)
        problem = cat("has ", scf_simple_prop_numvalues(p), " values (one expected)");
    else if (!(text = first_value_text(p, kind)))
        problem = "cannot be read";
    scf_simple_prop_free(p);
    if (!problem.empty()) return make_error(cat(origin, " ", problem));
    return text;
}

Result<std::int64_t> parse_number(std::string_view text, Range range, std::string_view origin) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < range.min ||
        value > range.max)
        return make_error(cat(origin, ": ", text.empty() ? "\"\"" : text, " is not in ", range.min,
                              "..", range.max));
    return value;
}

Result<bool> parse_boolean(std::string_view text, std::string_view origin) {
    if (text == "true" || text == "1") return true;
    if (text == "false" || text == "0") return false;
    return make_error(cat(origin, ": ", text.empty() ? "\"\"" : text, " is not true or false"));
}

Status check_choice(std::string_view text, std::span<const std::string_view> choices,
                    std::string_view origin) {
    if (choices.empty()) return {};
    for (std::string_view c : choices)
        if (c == text) return {};
    std::string all;
    for (std::string_view c : choices) all += cat(all.empty() ? "" : ", ", c);
    return make_error(cat(origin, ": ", text.empty() ? "\"\"" : text, " is not one of ", all));
}

}  // namespace xvm::kit
