// Value validation and the record codec. Validation canonicalises values
// ("+007" -> "7") so equal values compare equal in snapshots and exports;
// the decoder accepts only canonical records (fuzzed: smf_record_fuzz).
#include "lib/smf/smf_types.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include "lib/base/format.h"

namespace xvm::smf {
namespace {

constexpr std::array<std::pair<std::string_view, PropType>, 14> kTypes{{
    {"boolean", PropType::Boolean},
    {"count", PropType::Count},
    {"integer", PropType::Integer},
    {"time", PropType::Time},
    {"astring", PropType::Astring},
    {"opaque", PropType::Opaque},
    {"ustring", PropType::Ustring},
    {"uri", PropType::Uri},
    {"fmri", PropType::Fmri},
    {"host", PropType::Host},
    {"hostname", PropType::Hostname},
    {"net_address_v4", PropType::NetAddrV4},
    {"net_address_v6", PropType::NetAddrV6},
    {"net_address", PropType::NetAddr},
}};

// Values are bounded like libscf's REP_PROTOCOL_VALUE_LEN.
constexpr std::size_t kMaxValue = 4096;

Error bad(std::string_view value, PropType type) {
    std::string shown(value.substr(0, 64));
    return make_error(cat("\"", shown, value.size() > 64 ? "..." : "", "\" is not a valid ",
                          type_name(type)));
}

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    T v{};
    if (text.empty()) return std::nullopt;
    if (text.front() == '+') text.remove_prefix(1);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
}

bool valid_hostname(std::string_view h) {
    if (h.empty() || h.size() > 253) return false;
    std::size_t label = 0;
    for (std::size_t i = 0; i < h.size(); ++i) {
        char c = h[i];
        if (c == '.') {
            if (label == 0 || h[i - 1] == '-') return false;
            label = 0;
            continue;
        }
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || (c == '-' && label > 0);
        if (!ok || ++label > 63) return false;
    }
    return h.back() != '-';
}

bool valid_inet(int family, std::string_view text) {
    unsigned char buf[16];
    std::string s(text);
    return ::inet_pton(family, s.c_str(), buf) == 1;
}

// libscf's scf_value_set_from_string() (illumos lowlevel.c): counts and
// integers through strtoull/strtoll with base 0 (0x hex, 0 octal, a sign
// and leading blanks allowed; "-1" as a count wraps, as strtoul does);
// times as seconds and up to nine digits of fraction, kept as "%lld" or
// "%lld.%09u".
template <typename F>
std::optional<std::string> c_number(std::string_view v, F convert) {
    std::string s(v);
    char* end = nullptr;
    errno = 0;
    auto n = convert(s.c_str(), &end);
    if (errno != 0 || end == s.c_str() || *end != '\0') return std::nullopt;
    return std::to_string(n);
}

Result<std::string> validate_time(std::string_view v, PropType type) {
    std::string s(v);
    char* end = nullptr;
    errno = 0;
    long long secs = std::strtoll(s.c_str(), &end, 10);
    if (errno != 0 || end == s.c_str() || (*end != '\0' && *end != '.')) return bad(v, type);
    if (*end == '\0') return std::to_string(secs);
    const char* ns_str = end + 1;
    std::size_t len = std::strlen(ns_str);
    if (len == 0 || len > 9) return bad(v, type);
    unsigned long ns = std::strtoul(ns_str, &end, 10);
    if (errno != 0 || end == ns_str || *end != '\0') return bad(v, type);
    while (len++ < 9) ns *= 10;
    if (ns >= 1000000000UL) return bad(v, type);
    if (ns == 0) return std::to_string(secs);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld.%09lu", secs, ns);
    return std::string(buf);
}

}  // namespace

std::optional<PropType> type_from_name(std::string_view name) {
    for (const auto& [n, t] : kTypes)
        if (n == name) return t;
    return std::nullopt;
}

std::string_view type_name(PropType type) {
    for (const auto& [n, t] : kTypes)
        if (t == type) return n;
    return "unknown";
}

bool is_ustring(PropType type) { return static_cast<int>(type) >= 100; }

Result<std::string> validate_value(PropType type, std::string_view v) {
    if (v.size() > kMaxValue)
        return make_error(cat("value of ", v.size(), " bytes is longer than ", kMaxValue));
    if (v.find('\0') != std::string_view::npos) return bad(v, type);
    switch (type) {
    case PropType::Boolean:
        if (v == "true" || v == "t" || v == "1") return std::string("true");
        if (v == "false" || v == "f" || v == "0") return std::string("false");
        return bad(v, type);
    case PropType::Count:
        if (auto n = c_number(v, [](const char* p, char** e) { return std::strtoull(p, e, 0); })) return *n;
        return bad(v, type);
    case PropType::Integer:
        if (auto n = c_number(v, [](const char* p, char** e) { return std::strtoll(p, e, 0); })) return *n;
        return bad(v, type);
    case PropType::Time:
        return validate_time(v, type);
    case PropType::Opaque:
        if (v.size() % 2 != 0 || !std::all_of(v.begin(), v.end(), [](char c) {
                return std::isxdigit(static_cast<unsigned char>(c)) != 0;
            }))
            return bad(v, type);
        break;
    case PropType::Uri:
        if (v.empty() || v.find_first_of(" \t\n") != std::string_view::npos) return bad(v, type);
        break;
    case PropType::Fmri:
        if (!(v.starts_with("svc:/") || v.starts_with("file://") || v.starts_with("lrc:/")))
            return bad(v, type);
        break;
    case PropType::Hostname:
        if (!valid_hostname(v)) return bad(v, type);
        break;
    case PropType::NetAddrV4:
        if (!valid_inet(AF_INET, v)) return bad(v, type);
        break;
    case PropType::NetAddrV6:
        if (!valid_inet(AF_INET6, v)) return bad(v, type);
        break;
    case PropType::NetAddr:
        if (!valid_inet(AF_INET, v) && !valid_inet(AF_INET6, v)) return bad(v, type);
        break;
    case PropType::Host:
        if (!valid_inet(AF_INET, v) && !valid_inet(AF_INET6, v) && !valid_hostname(v))
            return bad(v, type);
        break;
    case PropType::Astring:
    case PropType::Ustring:
        break;
    }
    return std::string(v);
}

Property* PropertyGroup::find(std::string_view prop) {
    for (Property& p : props)
        if (p.name == prop) return &p;
    return nullptr;
}

const Property* PropertyGroup::find(std::string_view prop) const {
    return const_cast<PropertyGroup*>(this)->find(prop);
}

void PropertyGroup::set(Property prop) {
    if (Property* old = find(prop.name))
        *old = std::move(prop);
    else
        props.push_back(std::move(prop));
}

bool PropertyGroup::remove(std::string_view prop) {
    return std::erase_if(props, [&](const Property& p) { return p.name == prop; }) > 0;
}

PropertyGroup* PgSet::find(std::string_view pg) {
    for (PropertyGroup& g : pgs)
        if (g.name == pg) return &g;
    return nullptr;
}

const PropertyGroup* PgSet::find(std::string_view pg) const {
    return const_cast<PgSet*>(this)->find(pg);
}

const Property* PgSet::find(std::string_view pg, std::string_view prop) const {
    const PropertyGroup* g = find(pg);
    return g ? g->find(prop) : nullptr;
}

PropertyGroup& PgSet::get_or_add(std::string_view pg, std::string_view type, bool persistent) {
    if (PropertyGroup* g = find(pg)) return *g;
    pgs.push_back(PropertyGroup{std::string(pg), std::string(type), persistent, false, {}});
    return pgs.back();
}

bool PgSet::remove(std::string_view pg) {
    return std::erase_if(pgs, [&](const PropertyGroup& g) { return g.name == pg; }) > 0;
}

std::optional<std::string> PgSet::first(std::string_view pg, std::string_view prop) const {
    const Property* p = find(pg, prop);
    if (p == nullptr || p->values.empty()) return std::nullopt;
    return p->values.front();
}

PgSet compose(const PgSet& service, const PgSet& instance) {
    PgSet out = instance;
    for (const PropertyGroup& sg : service.pgs) {
        PropertyGroup& g = out.get_or_add(sg.name, sg.type, sg.persistent);
        g.withheld = g.withheld || sg.withheld;  // a composed group is only as readable as its parts
        for (const Property& p : sg.props)
            if (g.find(p.name) == nullptr) g.props.push_back(p);
    }
    return out;
}

PgSet persistent_only(const PgSet& set) {
    PgSet out;
    for (const PropertyGroup& g : set.pgs)
        if (g.persistent) out.pgs.push_back(g);
    return out;
}

namespace {

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default: out += c;
        }
    }
    return out + "\"";
}

// Splits one encoded line into words; quoted words are unescaped.
Result<std::vector<std::string>> split_words(std::string_view line) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < line.size()) {
        if (line[i] == ' ') { ++i; continue; }
        std::string w;
        if (line[i] != '"') {
            while (i < line.size() && line[i] != ' ') w += line[i++];
            words.push_back(std::move(w));
            continue;
        }
        for (++i;; ++i) {
            if (i >= line.size()) return make_error("unterminated quoted value");
            if (line[i] == '"') { ++i; break; }
            if (line[i] == '\\' && i + 1 < line.size()) {
                char e = line[++i];
                w += e == 'n' ? '\n' : e == 't' ? '\t' : e;
            } else {
                w += line[i];
            }
        }
        words.push_back(std::move(w));
    }
    return words;
}

}  // namespace

std::string encode(const PgSet& set) {
    std::string out;
    for (const PropertyGroup& g : set.pgs) {
        out += cat("pg ", g.name, " ", g.type, g.persistent ? " P" : " NP", g.withheld ? " withheld" : "", "\n");
        for (const Property& p : g.props) {
            out += cat("prop ", p.name, " ", type_name(p.type));
            for (const std::string& v : p.values) out += " " + quote(v);
            out += "\n";
        }
    }
    return out;
}

Result<PgSet> decode(std::string_view text) {
    PgSet set;
    PropertyGroup* cur = nullptr;
    std::size_t lineno = 0;
    while (!text.empty()) {
        ++lineno;
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        auto words = split_words(line);
        if (!words) return std::move(words).error().context(cat("record line ", lineno));
        auto& w = *words;
        // Only records in encode()'s canonical form are accepted: the line
        // rebuilt from what was parsed must be the line itself.
        bool withheld = w.size() == 5 && w[4] == "withheld";
        if ((w.size() == 4 || withheld) && w[0] == "pg" && check_name("group", w[1]) &&
            check_name("group type", w[2]) &&
            line == cat("pg ", w[1], " ", w[2], " ", w[3], withheld ? " withheld" : "") &&
            (w[3] == "P" || w[3] == "NP")) {
            set.pgs.push_back(PropertyGroup{w[1], w[2], w[3] == "P", withheld, {}});
            cur = &set.pgs.back();
        } else if (w.size() >= 3 && w[0] == "prop" && cur != nullptr && check_name("property", w[1])) {
            auto type = type_from_name(w[2]);
            if (!type) return make_error(cat("record line ", lineno, ": unknown type ", w[2]));
            Property p{w[1], *type, {w.begin() + 3, w.end()}};
            std::string canon = cat("prop ", p.name, " ", type_name(p.type));
            for (const std::string& v : p.values) canon += " " + quote(v);
            if (canon != line) return make_error(cat("record line ", lineno, ": not in canonical form"));
            cur->props.push_back(std::move(p));
        } else {
            return make_error(cat("record line ", lineno, ": malformed"));
        }
    }
    return set;
}

Status check_name(std::string_view what, std::string_view name) {
    auto ok_char = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
               c == ',';
    };
    if (name.empty()) return make_error(cat(what, " name is empty"));
    if (name.size() > 119) return make_error(cat(what, " name \"", name.substr(0, 32), "...\" is too long"));
    if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') ||
        !std::all_of(name.begin(), name.end(), ok_char))
        return make_error(cat("invalid ", what, " name \"", name, "\""));
    return {};
}

}  // namespace xvm::smf
