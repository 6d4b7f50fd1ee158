// Method token expansion. Values from properties are shell-escaped because
// the expanded string is run by /bin/sh: a property value must never be
// able to add commands to a method.
#include "daemons/svc.startd/tokens.h"

#include <signal.h>
#include <string.h>

#include <cctype>
#include <cstdlib>
#include <cstring>

#include "lib/base/format.h"

namespace xvm::startd {

std::optional<int> signal_number(std::string_view name) {
    if (name.empty()) return std::nullopt;
    if (std::isdigit(static_cast<unsigned char>(name[0]))) {
        char* end = nullptr;
        std::string s(name);
        long n = std::strtol(s.c_str(), &end, 10);
        if (*end != '\0' || n <= 0 || n >= NSIG) return std::nullopt;
        return static_cast<int>(n);
    }
    if (name.starts_with("SIG")) name.remove_prefix(3);
    for (int s = 1; s < NSIG; ++s) {
        const char* abbrev = ::sigabbrev_np(s);
        if (abbrev != nullptr && name == abbrev) return s;
    }
    return std::nullopt;
}

std::string signal_name(int signo) {
    const char* abbrev = ::sigabbrev_np(signo);
    return abbrev ? abbrev : std::to_string(signo);
}

ExecSpec classify_exec(std::string_view exec) {
    if (exec == ":true") return ExecSpec{ExecSpec::Kind::True, 0};
    if (!exec.starts_with(":kill")) return {};
    std::string_view rest = exec.substr(5);
    if (rest.empty()) return ExecSpec{ExecSpec::Kind::Kill, SIGTERM};
    auto b = rest.find_first_not_of(" \t");
    if (b == std::string_view::npos) return ExecSpec{ExecSpec::Kind::Kill, SIGTERM};
    rest.remove_prefix(b);
    if (rest.front() != '-') return {};
    rest.remove_prefix(1);
    while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
    if (auto s = signal_number(rest)) return ExecSpec{ExecSpec::Kind::Kill, *s};
    return {};
}

namespace {

std::string shell_escape(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (std::strchr(";&()|^<>\n \t\\\"'`", c) != nullptr) out += '\\';
        out += c;
    }
    return out;
}

Result<std::string> expand_property(std::string_view spec, const TokenContext& ctx) {
    std::string sep = " ";
    // %{pg/prop:,} joins with ','; the separator is the one character
    // after the last ':' of a pg/prop name.
    auto colon = spec.rfind(':');
    if (colon != std::string_view::npos && colon + 2 == spec.size() &&
        spec.substr(0, colon).find("/:properties/") == std::string_view::npos) {
        sep = std::string(1, spec.back());
        spec = spec.substr(0, colon);
    }
    std::string name(spec);
    if (auto p = name.find("/:properties/"); p != std::string::npos) name = name.substr(p + 13);
    std::string pg = "application", prop = name;
    if (auto slash = name.find('/'); slash != std::string::npos) {
        pg = name.substr(0, slash);
        prop = name.substr(slash + 1);
    }
    const smf::Property* p = ctx.props ? ctx.props->find(pg, prop) : nullptr;
    if (p == nullptr) return make_error(cat("property ", pg, "/", prop, " does not exist"));
    std::string out;
    for (std::size_t i = 0; i < p->values.size(); ++i) {
        if (i) out += sep;
        out += p->type == smf::PropType::Astring || smf::is_ustring(p->type)
                   ? shell_escape(p->values[i])
                   : p->values[i];
    }
    return out;
}

}  // namespace

Result<std::string> expand_tokens(std::string_view exec, const TokenContext& ctx) {
    std::string out;
    std::string svc = ctx.instance.substr(0, ctx.instance.find(':'));
    std::string inst = ctx.instance.substr(ctx.instance.find(':') + 1);
    for (std::size_t i = 0; i < exec.size(); ++i) {
        if (exec[i] != '%') {
            out += exec[i];
            continue;
        }
        if (++i >= exec.size()) return make_error("a lone % ends the string");
        switch (exec[i]) {
        case '%': out += '%'; break;
        case 'r': out += "svc.startd"; break;
        case 'm': out += ctx.method; break;
        case 's': out += svc; break;
        case 'i': out += inst; break;
        case 'f': out += "svc:/" + ctx.instance; break;
        case '{': {
            auto close = exec.find('}', i);
            if (close == std::string_view::npos) return make_error("unterminated %{");
            auto v = expand_property(exec.substr(i + 1, close - i - 1), ctx);
            if (!v) return v;
            out += *v;
            i = close;
            break;
        }
        default:
            return make_error(cat("unknown token %", exec[i]));
        }
    }
    return out;
}

}  // namespace xvm::startd
