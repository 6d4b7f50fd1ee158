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
#include "lib/smf/smf_fmri.h"

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

const smf::Property* find_in(const smf::PgSet* set, const std::string& pg, const std::string& prop) {
    return set ? set->find(pg, prop) : nullptr;
}

// get_prop_val_str(): the values of `spec`, each escaped, joined by sep.
Result<std::string> expand_property(const std::string& spec, char sep, const TokenContext& ctx) {
    auto not_found = [&] { return make_error(cat("property \"", spec, "\" not found")); };
    const smf::Property* p = nullptr;
    std::optional<smf::PgSet> other, other_editing;
    if (spec.find(":properties") != std::string::npos) {
        auto f = smf::parse_fmri(spec.starts_with("svc:") ? spec : "svc:" + spec);
        if (!f || f->service.empty() || f->pg.empty() || f->prop.empty()) return make_error("parse error");
        if (!ctx.lookup) return not_found();
        if (f->instance.empty()) {
            other = ctx.lookup(f->service, "current");  // scf_service_get_pg: the service's own
            p = find_in(other ? &*other : nullptr, f->pg, f->prop);
        } else {
            other = ctx.lookup(f->entity(), "running");
            p = find_in(other ? &*other : nullptr, f->pg, f->prop);
            if (p == nullptr) {
                other_editing = ctx.lookup(f->entity(), "composed");
                p = find_in(other_editing ? &*other_editing : nullptr, f->pg, f->prop);
            }
        }
    } else {
        std::string pg = "application", prop = spec;
        if (auto slash = spec.find('/'); slash != std::string::npos) {
            pg = spec.substr(0, slash);
            prop = spec.substr(slash + 1);
        }
        p = find_in(ctx.props, pg, prop);
        if (p == nullptr) p = find_in(ctx.editing, pg, prop);
    }
    if (p == nullptr) return not_found();
    std::string out;
    for (std::size_t i = 0; i < p->values.size(); ++i) {
        if (i) out += sep;
        out += shell_escape(p->values[i]);  // every type: val_to_str() then quote_for_shell()
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
        if (++i >= exec.size()) break;  // dropped, as expand_method_tokens() does
        switch (exec[i]) {
        case '%': out += '%'; break;
        case 'r': out += "svc.startd"; break;
        case 'm': out += ctx.method; break;
        case 's': out += svc; break;
        case 'i': out += inst; break;
        case 'f': out += "svc:/" + ctx.instance; break;
        case '{': {
            auto close = exec.find('}', i);
            if (close == std::string_view::npos) return make_error("parse error");
            std::string spec(exec.substr(i + 1, close - i - 1));
            char sep = ' ';
            if (!spec.empty() && (spec.back() == ',' || spec.back() == ':')) {
                sep = spec.back();
                spec.pop_back();
            }
            auto v = expand_property(spec, sep, ctx);
            if (!v) return v;
            out += *v;
            i = close;
            break;
        }
        default:
            return make_error("unknown method token");
        }
    }
    return out;
}

}  // namespace xvm::startd
