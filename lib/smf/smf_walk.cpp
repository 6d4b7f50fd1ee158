#include "lib/smf/smf_walk.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "lib/base/format.h"
#include "lib/smf/smf_fmri.h"

namespace xvm::smf {
namespace {

enum class PatternType { Invalid, Exact, Glob, Partial };

struct Pattern {
    PatternType type = PatternType::Invalid;
    std::string arg;
    std::vector<std::string> matches;  // FMRIs, newest first (scf_add_match prepends)
};

// scf_cmp_pattern().
bool cmp_pattern(const std::string& fmri, const Pattern& p) {
    if (p.type == PatternType::Glob) return ::fnmatch(p.arg.c_str(), fmri.c_str(), 0) == 0;
    if (p.type != PatternType::Partial) return false;
    auto at = fmri.find(p.arg);
    if (at == std::string::npos) return false;
    if (at != 0 && fmri[at - 1] != '/' && fmri[at - 1] != ':' && fmri[at] != ':') return false;
    std::size_t end = at + p.arg.size();
    if (end != 0 && end != fmri.size() && fmri[end] != ':' && fmri[end - 1] != ':') return false;  // "tmp != fmri"
    return end > 4;  // a short pattern that matches only "svc:/"
}

// scf_add_match(): with kWalkExplicit an instance replaces its service;
// without it a matched service keeps its instances out.
void add_match(Pattern& p, const std::string& fmri, bool explicit_) {
    auto is_parent = [&](const std::string& m) {
        return fmri.size() > m.size() && fmri.compare(0, m.size(), m) == 0 && fmri[m.size()] == ':';
    };
    if (explicit_) {
        std::erase_if(p.matches, is_parent);
    } else if (std::any_of(p.matches.begin(), p.matches.end(), is_parent)) {
        return;
    }
    if (std::find(p.matches.begin(), p.matches.end(), fmri) != p.matches.end()) return;
    p.matches.insert(p.matches.begin(), fmri);
}

// scf_parse_svc_fmri() + scf_handle_decode_fmri(..., EXACT): what an
// operand names exactly, when it exists. "svc:" and the scope are
// optional, as is the "/" before the service.
struct Exact {
    Fmri f;
    bool ok = false;
};

Exact parse_exact(const std::string& arg) {
    std::string text = arg;
    if (text.starts_with("svc:")) text = text.substr(4);
    if (text.starts_with("//localhost/")) text = text.substr(11);
    else if (text.starts_with("//")) return {};
    if (!text.starts_with("/")) text = "/" + text;
    auto f = parse_fmri("svc:" + text);
    if (!f) return {};
    return {*f, true};
}

Walked walked_of(const std::string& fmri) {
    auto f = parse_fmri(fmri);
    Walked w;
    w.fmri = fmri;
    if (f) {
        w.entity = f->entity();
        w.pg = f->pg;
        w.prop = f->prop;
    }
    return w;
}

}  // namespace

Result<WalkResult> walk_fmri(Repository& repo, const std::vector<std::string>& args, unsigned flags) {
    WalkResult out;
    auto ents = repo.entities();
    if (!ents) return std::move(ents).error();
    std::vector<std::string> services;
    std::map<std::string, std::vector<std::string>> instances;  // service -> instance entities
    for (const std::string& e : *ents) {
        if (e.find(':') == std::string::npos) {
            services.push_back(e);
            instances[e];
        } else {
            instances[service_of(e)].push_back(e);
        }
    }
    auto exists = [&](const std::string& e) { return std::binary_search(ents->begin(), ents->end(), e); };
    bool explicit_ = flags & kWalkExplicit;

    if (args.empty()) {
        for (const std::string& s : services) {
            if (flags & kWalkService) out.walked.push_back(walked_of(entity_fmri(s)));
            if (flags & kWalkNoInstance) continue;
            for (const std::string& i : instances[s]) out.walked.push_back(walked_of(entity_fmri(i)));
        }
        out.count = out.walked.size();
        return out;
    }

    std::vector<Pattern> pats(args.size());
    bool pattern_search = false, partial_fmri = false, wildcard_fmri = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        Pattern& p = pats[i];
        Exact x = parse_exact(arg);
        bool exact = false;
        if (x.ok && (!x.f.pg.empty() || !x.f.prop.empty())) {
            if (flags & kWalkProperty) {
                auto cur = exists(x.f.entity()) ? repo.current(x.f.entity()) : Result<PgSet>(make_error("absent"));
                const PropertyGroup* g = cur ? cur->find(x.f.pg) : nullptr;
                if (g && (x.f.prop.empty() || g->find(x.f.prop))) {
                    add_match(p, x.f.str() + "/:properties/" + x.f.pg + (x.f.prop.empty() ? "" : "/" + x.f.prop),
                              explicit_);
                    exact = true;
                }
            }
        } else if (x.ok && x.f.is_instance()) {
            if (!(flags & kWalkNoInstance) && exists(x.f.entity())) {
                add_match(p, x.f.str(), explicit_);
                exact = true;
            }
        } else if (x.ok && exists(x.f.service)) {
            if (flags & kWalkService) {
                add_match(p, x.f.str(), explicit_);
                exact = true;
            } else if (!(flags & kWalkNoInstance)) {
                for (const std::string& inst : instances[x.f.service]) add_match(p, entity_fmri(inst), explicit_);
                partial_fmri = true;  // every instance of the service
                exact = true;
            }
        }
        if (exact) {
            p.type = PatternType::Exact;
            p.arg = arg;
            continue;
        }
        if (arg.find_first_of("*?[") != std::string::npos) {
            wildcard_fmri = true;
            p.type = PatternType::Glob;
            p.arg = arg[0] == '*' || (arg.size() >= 4 && arg[3] == ':') ? arg : "svc:/" + arg;
        } else {
            partial_fmri = true;
            p.type = PatternType::Partial;
            p.arg = arg;
        }
        pattern_search = true;
    }

    if (pattern_search) {
        auto match_all = [&](const std::string& fmri) {
            for (Pattern& p : pats)
                if (cmp_pattern(fmri, p)) add_match(p, fmri, explicit_);
        };
        for (const std::string& s : services) {
            if (flags & kWalkService) match_all(entity_fmri(s));
            if (flags & kWalkNoInstance) continue;
            for (const std::string& inst : instances[s]) match_all(entity_fmri(inst));
        }
    }

    // Unmatched and (without kWalkMultiple) ambiguous operands.
    std::map<std::string, bool> seen;
    for (const Pattern& p : pats) {
        if (p.type == PatternType::Invalid) continue;
        if (p.matches.empty()) {
            const char* what = (flags & kWalkProperty)     ? "entities"
                               : (flags & kWalkNoInstance) ? "services"
                               : (flags & kWalkService)    ? "instances or services"
                                                           : "instances";
            out.errors.push_back(cat("Pattern '", p.arg, "' doesn't match any ", what, "\n"));
            out.fatal = true;
        } else if (!(flags & kWalkMultiple) && p.matches.size() > 1) {
            std::string msg = cat("Pattern '", p.arg, "' matches multiple instances:\n");
            for (const std::string& m : p.matches) msg += cat("\t", m, "\n");
            out.errors.push_back(std::move(msg));
            out.fatal = true;
        } else {
            for (const std::string& m : p.matches)
                if (!seen[m]) ++out.count, seen[m] = true;
        }
    }
    if ((flags & kWalkUnipartial) && out.count > 1 && partial_fmri && !wildcard_fmri) {
        out.errors.push_back("Partial FMRI matches multiple instances\n");
        out.fatal = true;
        return out;
    }

    seen.clear();
    for (const Pattern& p : pats) {
        if (p.matches.empty() || (!(flags & kWalkMultiple) && p.matches.size() > 1)) continue;
        for (const std::string& m : p.matches) {
            if (seen[m]) continue;
            seen[m] = true;
            out.walked.push_back(walked_of(m));
        }
    }
    return out;
}

}  // namespace xvm::smf
