// svcs -x: why services are in the state they are in, and what they keep
// down - illumos usr/src/cmd/svc/svcs/explain.c, its analysis and its
// texts. Every instance's state is read once; the causes of every offline
// instance are determined (recursing through offline dependencies), and
// from them each instance's impact. Without operands the instances that
// are down for a reason other than another service are explained, the
// one keeping most others down first.
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "cmd/svcs/svcs.h"
#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/smf/smf_fmri.h"
#include "lib/smf/smf_walk.h"

namespace xvm::svcs {
namespace {

constexpr const char* kMsgBase = "http://illumos.org/msg/";
constexpr const char* kStartd = "svc:/system/svc/restarter:default";

struct XInst;

struct Ptr {
    XInst* svcp;
    XInst* next_hop = nullptr;
};

struct Group {
    enum Kind { ReqAll, ReqAny, OptAll, ExcAll } grouping;
    std::string type;
    std::vector<std::string> entities;
};

struct XInst {
    std::string svcname, instname;
    std::string state, next_state, aux_state, aux_fmri, restarter;
    std::int64_t stime = 0;
    std::int64_t waitstatus = 0;
    bool enabled = false, temporary = false;
    std::vector<Group> dependencies;

    bool active = false;
    int restarter_bad = 0;
    std::string summary;
    bool analysed = false;
    std::vector<std::string> baddeps;
    std::vector<Ptr> causes;
    std::vector<XInst*> impact_dependents;
    bool impact_done = false;
    std::vector<XInst*> impact;
};

bool running(const XInst* i) { return i->state == "online" || i->state == "degraded"; }
bool running_or_maint(const XInst* i) { return running(i) || i->state == "maintenance"; }

class Explainer {
public:
    explicit Explainer(smf::Repository& repo) : repo_(repo) {}
    void load();
    void determine_all_causes();
    XInst* find(const std::string& entity) {
        auto f = smf::parse_fmri(smf::entity_fmri(entity));
        if (!f) return nullptr;
        XInst* ip = nullptr;
        return get_fmri(f->str(), nullptr, &ip) == 0 ? ip : nullptr;
    }
    void print_service(XInst* svcp, bool verbose);
    std::vector<XInst*> sorted_causes();

private:
    void add_instance(const std::string& entity);
    int get_fmri(const std::string& fmri, std::vector<std::unique_ptr<XInst>>** spp, XInst** ipp);
    int determine_causes(XInst* svcp, bool canfail);
    int add_causes(XInst* dst, XInst* src);
    int process_svc_dg(XInst* svcp, Group& dg);
    void process_file_dg(XInst* svcp, Group& dg);
    int determine_impact(XInst* ip);
    void determine_summary(XInst* ip);
    void print_reasons(const XInst* svcp, bool verbose);
    void print_dependency_reasons(const XInst* svcp, bool verbose);
    void print_method_failure(const XInst* ip, const char** dc);

    static void add_ptr(std::vector<Ptr>& l, XInst* p) {
        for (const Ptr& x : l)
            if (x.svcp == p) return;
        l.push_back(Ptr{p});
    }
    static void add_ptr(std::vector<XInst*>& l, XInst* p) {
        if (std::find(l.begin(), l.end(), p) == l.end()) l.push_back(p);
    }
    static std::string name(const XInst* i) { return cat("svc:/", i->svcname, ":", i->instname); }

    smf::Repository& repo_;
    std::map<std::string, std::vector<std::unique_ptr<XInst>>> services_;
    std::vector<XInst*> g_causes_;
    bool first_ = true;
};

// add_instance(): only instances with a complete restarter group; an
// offline one also gets its dependencies (running snapshot, composed).
void Explainer::add_instance(const std::string& entity) {
    auto& list = services_[smf::service_of(entity)];
    auto i = load_instance(repo_, entity);
    if (!i) return;
    auto x = std::make_unique<XInst>();
    x->svcname = smf::service_of(entity);
    x->instname = entity.substr(entity.find(':') + 1);
    if (i->own.find("restarter") == nullptr) {
        std::fprintf(stderr, "svc:/%s:%s has no \"restarter\" property group; ignoring.\n", x->svcname.c_str(),
                     x->instname.c_str());
        return;
    }
    auto state = single(i->own, "restarter", "state"), next = single(i->own, "restarter", "next_state");
    auto t = state_time(*i);
    if (!state || !next || !t) return;
    x->state = *state;
    x->next_state = *next;
    x->stime = t->first;
    x->aux_state = single(i->own, "restarter", "auxiliary_state").value_or("invalid_aux_state");
    x->waitstatus = std::strtoll(single(i->own, "restarter", "start_method_waitstatus").value_or("0").c_str(), nullptr, 10);
    x->aux_fmri = single(i->own, "restarter", "auxiliary_fmri").value_or("");
    int ovr = instance_enabled(*i, true);
    auto gen = single(i->composed, "general", "enabled");
    if (!gen) return;
    bool persistent = *gen == "true";
    x->enabled = ovr != -1 ? ovr == 1 : persistent;
    x->temporary = ovr != -1 && (ovr == 1) != persistent;
    x->restarter = single(i->composed, "general", "restarter").value_or(kStartd);
    if (x->state == "offline") {
        for (const smf::PropertyGroup& g : i->running.pgs) {
            if (g.type != "dependency") continue;
            auto one = [&](const char* p) -> std::optional<std::string> {
                const smf::Property* v = g.find(p);
                if (v == nullptr || v->values.size() != 1) return std::nullopt;
                return v->values[0];
            };
            auto grouping = one("grouping");
            if (!grouping) return;
            Group dg;
            if (*grouping == "require_all") dg.grouping = Group::ReqAll;
            else if (*grouping == "require_any") dg.grouping = Group::ReqAny;
            else if (*grouping == "optional_all") dg.grouping = Group::OptAll;
            else if (*grouping == "exclude_all") dg.grouping = Group::ExcAll;
            else {
                std::fprintf(stderr, "svc:/%s:%s has dependency with unknown type \"%s\".\n", x->svcname.c_str(),
                             x->instname.c_str(), grouping->c_str());
                return;
            }
            auto type = one("type");
            if (!type) return;
            dg.type = *type;
            const smf::Property* e = g.find("entities");
            if (e == nullptr) {
                std::fprintf(stderr, "svc:/%s:%s has dependency without an entities property.\n",
                             x->svcname.c_str(), x->instname.c_str());
                return;
            }
            dg.entities = e->values;
            x->dependencies.push_back(std::move(dg));
        }
    }
    list.push_back(std::move(x));
}

void Explainer::load() {
    auto all = smf::walk_fmri(repo_, {}, smf::kWalkService);
    if (!all) return;
    for (const smf::Walked& w : all->walked) {
        if (w.entity.find(':') == std::string::npos) services_[w.entity];
        else add_instance(w.entity);
    }
    // svc.startd itself is not an instance in this repository: it is the
    // running master restarter every instance names.
    auto& startd = services_["system/svc/restarter"];
    if (std::none_of(startd.begin(), startd.end(), [](const auto& p) { return p->instname == "default"; })) {
        auto x = std::make_unique<XInst>();
        x->svcname = "system/svc/restarter";
        x->instname = "default";
        x->state = "online";
        x->next_state = "none";
        x->enabled = true;
        x->restarter = kStartd;
        startd.push_back(std::move(x));
    }
}

// get_fmri(): EINVAL for an invalid FMRI, ENOENT for an unknown service
// or instance.
int Explainer::get_fmri(const std::string& fmri, std::vector<std::unique_ptr<XInst>>** spp, XInst** ipp) {
    auto f = smf::parse_fmri(fmri.starts_with("svc:") ? fmri : "svc:" + std::string(fmri.starts_with("/") ? "" : "/") + fmri);
    if (!f || !f->pg.empty()) return EINVAL;
    auto it = services_.find(f->service);
    if (it == services_.end()) return ENOENT;
    XInst* ip = nullptr;
    if (f->is_instance()) {
        for (auto& x : it->second)
            if (x->instname == f->instance) ip = x.get();
        if (ip == nullptr) return ENOENT;
    }
    if (spp) *spp = &it->second;
    if (ipp) *ipp = ip;
    return 0;
}

int Explainer::add_causes(XInst* dst, XInst* src) {
    if (determine_causes(src, true) != 0) {
        std::fprintf(stderr, "  %s\n", name(dst).c_str());
        return ELOOP;
    }
    add_ptr(src->impact_dependents, dst);
    for (const Ptr& spp : src->causes) {
        if (std::any_of(dst->causes.begin(), dst->causes.end(), [&](const Ptr& p) { return p.svcp == spp.svcp; }))
            continue;
        dst->causes.push_back(Ptr{spp.svcp, src});
        add_ptr(g_causes_, spp.svcp);
    }
    return 0;
}

int Explainer::process_svc_dg(XInst* svcp, Group& dg) {
    auto invalid = [&](const std::string& f) {
        std::fprintf(stderr, "svc:/%s:%s has invalid dependency \"%s\".\n", svcp->svcname.c_str(),
                     svcp->instname.c_str(), f.c_str());
    };
    std::vector<std::unique_ptr<XInst>>* sp = nullptr;
    XInst* ip = nullptr;
    switch (dg.grouping) {
    case Group::ReqAll:
        for (auto it = dg.entities.begin(); it != dg.entities.end();) {
            int r = get_fmri(*it, &sp, &ip);
            if (r == EINVAL) { invalid(*it++); continue; }
            if (r == ENOENT) { svcp->baddeps.push_back(*it); it = dg.entities.erase(it); continue; }
            ++it;
            if (ip != nullptr) {
                if (!running(ip) && add_causes(svcp, ip) != 0) return ELOOP;
                continue;
            }
            if (std::any_of(sp->begin(), sp->end(), [](const auto& x) { return running(x.get()); })) continue;
            for (auto& x : *sp)
                if (add_causes(svcp, x.get()) != 0) return ELOOP;
        }
        return 0;
    case Group::ReqAny:
        for (const std::string& f : dg.entities) {
            int r = get_fmri(f, &sp, &ip);
            if (r == EINVAL) { invalid(f); continue; }
            if (r == ENOENT) continue;
            if (ip != nullptr) {
                if (running(ip)) return 0;
                continue;
            }
            for (auto& x : *sp)
                if (running(x.get())) return 0;
        }
        // Not satisfied: every unsatisfied member is a cause.
        for (auto it = dg.entities.begin(); it != dg.entities.end();) {
            int r = get_fmri(*it, &sp, &ip);
            if (r == EINVAL) { ++it; continue; }
            if (r == ENOENT) { svcp->baddeps.push_back(*it); it = dg.entities.erase(it); continue; }
            ++it;
            if (ip != nullptr) {
                if (!running(ip) && add_causes(svcp, ip) != 0) return ELOOP;
                continue;
            }
            for (auto& x : *sp)
                if (!running(x.get()) && add_causes(svcp, x.get()) != 0) return ELOOP;
        }
        return 0;
    case Group::OptAll:
        for (const std::string& f : dg.entities) {
            int r = get_fmri(f, &sp, &ip);
            if (r == EINVAL) { invalid(f); continue; }
            if (r == ENOENT) continue;
            if (ip != nullptr) {
                if (ip->enabled && !running_or_maint(ip) && add_causes(svcp, ip) != 0) return ELOOP;
                continue;
            }
            for (auto& x : *sp)
                if (x->enabled && !running_or_maint(x.get()) && add_causes(svcp, x.get()) != 0) return ELOOP;
        }
        return 0;
    case Group::ExcAll:
        for (const std::string& f : dg.entities) {
            int r = get_fmri(f, &sp, &ip);
            if (r == EINVAL) { invalid(f); continue; }
            if (r == ENOENT) continue;
            if (ip != nullptr) {
                if (running(ip) && add_causes(svcp, ip) != 0) return ELOOP;
                continue;
            }
            for (auto& x : *sp)
                if (running(x.get()) && add_causes(svcp, x.get()) != 0) return ELOOP;
        }
        return 0;
    }
    return 0;
}

// eval_file_dep(): 1 present, 0 missing, EINVAL for what is not a file
// FMRI.
int eval_file_dep(const std::string& fmri) {
    if (!fmri.starts_with("file:")) return EINVAL;
    std::string path = fmri.substr(5);
    if (path.empty() || path[0] != '/') return EINVAL;
    if (path.size() > 1 && path[1] == '/') {
        path = path.substr(2);
        if (path.starts_with("localhost/")) path = path.substr(9);
        else if (path.empty() || path[0] != '/') return EINVAL;
    }
    struct stat st {};
    return ::stat(root_path(path).c_str(), &st) == 0 ? 1 : 0;
}

void Explainer::process_file_dg(XInst* svcp, Group& dg) {
    std::vector<std::string> missing;
    bool any_satisfied = false;
    for (auto it = dg.entities.begin(); it != dg.entities.end();) {
        int r = eval_file_dep(*it);
        if (r == EINVAL) {
            std::fprintf(stderr, "svc:/%s:%s has invalid dependency \"%s\".\n", svcp->svcname.c_str(),
                         svcp->instname.c_str(), it->c_str());
            ++it;
            continue;
        }
        bool bad = (dg.grouping == Group::ReqAll || dg.grouping == Group::OptAll) ? r == 0
                   : dg.grouping == Group::ExcAll                               ? r == 1
                                                                                : false;
        if (dg.grouping == Group::ReqAny) {
            if (r == 1) any_satisfied = true;
            else missing.push_back(*it);
        }
        if (bad) {
            svcp->baddeps.push_back(*it);
            it = dg.entities.erase(it);
        } else {
            ++it;
        }
    }
    if (dg.grouping == Group::ReqAny && !any_satisfied)
        for (auto it = missing.rbegin(); it != missing.rend(); ++it) svcp->baddeps.push_back(*it);
}

// determine_causes(): 0, or ELOOP on a dependency cycle when the caller
// can fail.
int Explainer::determine_causes(XInst* svcp, bool canfail) {
    if (svcp->active) {
        std::fprintf(stderr, "Dependency cycle detected:\n  %s\n", name(svcp).c_str());
        return canfail ? ELOOP : 0;
    }
    if (svcp->analysed) return 0;
    svcp->analysed = true;
    if (running(svcp) || svcp->state == "uninitialized") {
        add_ptr(svcp->causes, svcp);  // a running service may be excluding another
        return 0;
    }
    if (svcp->state == "maintenance") {
        add_ptr(svcp->causes, svcp);
        add_ptr(g_causes_, svcp);
        return 0;
    }
    if (svcp->state == "disabled") {
        add_ptr(svcp->causes, svcp);
        if (svcp->enabled) add_ptr(g_causes_, svcp);
        return 0;
    }
    if (svcp->state != "offline") {
        std::fprintf(stderr, "%s has invalid state \"%s\".\n", name(svcp).c_str(), svcp->state.c_str());
        add_ptr(svcp->causes, svcp);
        add_ptr(g_causes_, svcp);
        return 0;
    }
    if (svcp->next_state != "none") {
        add_ptr(svcp->causes, svcp);
        add_ptr(g_causes_, svcp);
        return 0;
    }
    svcp->active = true;
    for (Group& dg : svcp->dependencies) {
        if (dg.type == "path") {
            process_file_dg(svcp, dg);
        } else if (dg.type == "service") {
            if (process_svc_dg(svcp, dg) != 0) {
                svcp->active = false;
                return canfail ? ELOOP : 0;
            }
        } else {
            std::fprintf(stderr, "%s has dependency group with invalid type \"%s\".\n", name(svcp).c_str(),
                         dg.type.c_str());
        }
    }
    if (svcp->causes.empty()) {
        if (!svcp->baddeps.empty()) {
            add_ptr(g_causes_, svcp);
            add_ptr(svcp->causes, svcp);
        } else {
            XInst* restarter = nullptr;
            int r = get_fmri(svcp->restarter, nullptr, &restarter);
            if (r == 0 && restarter != nullptr && !running(restarter)) {
                if (add_causes(svcp, restarter) != 0) {
                    svcp->active = false;
                    return canfail ? ELOOP : 0;
                }
            } else {
                svcp->restarter_bad = r == 0 && restarter == nullptr ? EINVAL : r;
                add_ptr(svcp->causes, svcp);
                add_ptr(g_causes_, svcp);
            }
        }
    }
    svcp->active = false;
    return 0;
}

void Explainer::determine_all_causes() {
    for (auto& [svc, insts] : services_)
        for (auto& x : insts) (void)determine_causes(x.get(), false);
}

int Explainer::determine_impact(XInst* ip) {
    if (ip->active) {
        std::fprintf(stderr, "Dependency cycle detected:\n  %s\n", name(ip).c_str());
        return ELOOP;
    }
    if (ip->impact_done) return 0;
    ip->impact_done = true;
    ip->active = true;
    for (XInst* dep : ip->impact_dependents) {
        if (determine_impact(dep) != 0) {
            std::fprintf(stderr, "  %s\n", name(ip).c_str());
            return ELOOP;
        }
        add_ptr(ip->impact, dep);
        for (XInst* x : dep->impact) add_ptr(ip->impact, x);
    }
    ip->active = false;
    return 0;
}

void Explainer::determine_summary(XInst* ip) {
    if (!ip->summary.empty()) return;
    if (running(ip)) {
        ip->summary = "is running.";
        return;
    }
    const std::string& s = ip->state;
    const std::string& a = ip->aux_state;
    if (s == "uninitialized") ip->summary = "is uninitialized.";
    else if (s == "disabled") ip->summary = ip->temporary ? "is temporarily disabled." : "is disabled.";
    else if (s == "offline")
        ip->summary = !ip->baddeps.empty()        ? "has missing dependencies."
                      : ip->next_state == "online" ? "is starting."
                                                   : "is offline.";
    else if (s == "maintenance")
        ip->summary = a == "administrative_request"    ? "was taken down for maintenace by an administrator."
                      : a == "dependency_cycle"        ? "completed a dependency cycle."
                      : a == "fault_threshold_reached" ? "is not running because a method failed repeatedly."
                      : a == "invalid_dependency"      ? "has an invalid dependency."
                      : a == "invalid_restarter"       ? "has an invalid restarter."
                      : a == "method_failed"           ? "is not running because a method failed."
                      : a == "none"                    ? "is not running for an unknown reason."
                      : a == "restarting_too_quickly"  ? "was restarting too quickly."
                                                       : "requires maintenance.";
    else ip->summary = "is in an invalid state.";
}

void Explainer::print_method_failure(const XInst* ip, const char** dc) {
    int stat = static_cast<int>(ip->waitstatus);
    std::string buf;
    if (stat != 0 && (WIFEXITED(stat) || WIFSIGNALED(stat))) {
        if (WIFEXITED(stat)) {
            if (WEXITSTATUS(stat) == 96) buf = "exited with $SMF_EXIT_ERR_CONFIG";
            else if (WEXITSTATUS(stat) == 95) buf = "exited with $SMF_EXIT_ERR_FATAL";
            else buf = cat("exited with status ", WEXITSTATUS(stat));
        } else if (WCOREDUMP(stat)) {
            buf = cat("dumped core on ", ::strsignal(WTERMSIG(stat)), " (", WTERMSIG(stat), ")");
        } else {
            buf = cat("died on ", ::strsignal(WTERMSIG(stat)), " (", WTERMSIG(stat), ")");
        }
        buf = buf.substr(0, 49);  // char buf[50]
        if (ip->aux_state != "fault_threshold_reached")
            std::printf("Reason: Start method %s.\n", buf.c_str());
        else
            std::printf("Reason: Start method failed repeatedly, last %s.\n", buf.c_str());
        *dc = "SMF-8000-KS";
        return;
    }
    std::puts(ip->aux_state == "fault_threshold_reached" ? "Reason: Method failed repeatedly." : "Reason: Method failed.");
    *dc = "SMF-8000-8Q";
}

void Explainer::print_dependency_reasons(const XInst* svcp, bool verbose) {
    if (svcp->baddeps.empty() && svcp->causes.size() == 1 && svcp->causes[0].svcp == svcp) {
        const char* dc = "SMF-8000-AR";
        if (svcp->restarter_bad == 0) {
            std::puts("Reason: Unknown.");
        } else if (svcp->restarter_bad == EINVAL) {
            std::printf("Reason: Restarter \"%s\" is invalid.\n", svcp->restarter.c_str());
            dc = "SMF-8000-2A";
        } else {
            std::printf("Reason: Restarter \"%s\" does not exist.\n", svcp->restarter.c_str());
            dc = "SMF-8000-3P";
        }
        std::printf("   See: %s%s\n", kMsgBase, dc);
        return;
    }
    for (const std::string& d : svcp->baddeps) {
        std::printf("Reason: Dependency %s is absent.\n", d.c_str());
        std::printf("   See: %s%s\n", kMsgBase, "SMF-8000-E2");
    }
    for (const Ptr& spp : svcp->causes) {
        if (spp.svcp == svcp) break;
        determine_summary(spp.svcp);
        const char* dc;
        if (running(spp.svcp)) {
            std::printf("Reason: Service %s is running.\n", name(spp.svcp).c_str());
            dc = "SMF-8000-FJ";
        } else {
            std::string one = cat("Reason: Service ", name(spp.svcp), " ", spp.svcp->summary);
            if (one.size() <= 80)
                std::printf("%s\n", one.c_str());
            else
                std::printf("Reason: Service %s\n        %s\n", name(spp.svcp).c_str(), spp.svcp->summary.c_str());
            dc = "SMF-8000-GE";
        }
        std::printf("   See: %s%s\n", kMsgBase, dc);
        if (!verbose) continue;
        std::printf("  Path: %s\n", name(svcp).c_str());
        int indent = 1;
        for (XInst* pp = spp.next_hop; pp != nullptr;) {
            std::printf("%6s  %*s%s\n", "", indent++ * 2, "", name(pp).c_str());
            if (pp == spp.svcp) break;
            auto it = std::find_if(pp->causes.begin(), pp->causes.end(), [&](const Ptr& p) { return p.svcp == spp.svcp; });
            pp = it == pp->causes.end() ? nullptr : it->next_hop;
        }
    }
}

void Explainer::print_reasons(const XInst* svcp, bool verbose) {
    const char* dc = nullptr;
    const std::string& s = svcp->state;
    const std::string& a = svcp->aux_state;
    if (s == "online") return;
    if (s == "uninitialized") {
        XInst* rsp = nullptr;
        int r = get_fmri(svcp->restarter, nullptr, &rsp);
        if (r == EINVAL || (r == 0 && rsp == nullptr)) {
            std::printf("Reason: Restarter \"%s\" is invalid.\n", svcp->restarter.c_str());
            dc = "SMF-8000-2A";
        } else if (r == ENOENT) {
            std::printf("Reason: Restarter \"%s\" does not exist.\n", svcp->restarter.c_str());
            dc = "SMF-8000-3P";
        } else if (running(rsp)) {
            std::printf("Reason: Restarter %s has not initialized service state.\n", svcp->restarter.c_str());
            dc = "SMF-8000-4D";
        } else {
            std::printf("Reason: Restarter %s is not running.\n", svcp->restarter.c_str());
            dc = "SMF-8000-5H";
        }
    } else if (s == "disabled") {
        std::puts(svcp->temporary ? "Reason: Temporarily disabled by an administrator."
                                  : "Reason: Disabled by an administrator.");
        dc = svcp->temporary ? "SMF-8000-1S" : "SMF-8000-05";
    } else if (s == "maintenance") {
        if (a == "administrative_request") {
            std::puts("Reason: Maintenance requested by an administrator.");
            dc = "SMF-8000-63";
        } else if (a == "dependency_cycle") {
            std::puts("Reason: Completes a dependency cycle.");
            dc = "SMF-8000-HP";
        } else if (a == "fault_threshold_reached" || a == "method_failed") {
            print_method_failure(svcp, &dc);
        } else if (a == "service_request") {
            if (!svcp->aux_fmri.empty())
                std::printf("Reason: Maintenance requested by \"%s\"\n", svcp->aux_fmri.c_str());
            else
                std::puts("Reason: Maintenance requested by another service.");
            dc = "SMF-8000-R4";
        } else if (a == "invalid_dependency") {
            std::puts("Reason: Has invalid dependency.");
            dc = "SMF-8000-JA";
        } else if (a == "invalid_restarter") {
            std::printf("Reason: Restarter \"%s\" is invalid.\n", svcp->restarter.c_str());
            dc = "SMF-8000-2A";
        } else if (a == "restarting_too_quickly") {
            std::puts("Reason: Restarting too quickly.");
            dc = "SMF-8000-L5";
        } else if (a == "none") {
            std::printf("Reason: Restarter %s gave no explanation.\n", svcp->restarter.c_str());
            dc = "SMF-8000-9C";
        } else {
            std::puts("Reason: Unknown.");
            dc = "SMF-8000-AR";
        }
    } else if (s == "offline") {
        if (svcp->next_state == "online") {
            std::puts("Reason: Start method is running.");
            dc = "SMF-8000-C4";
        } else if (svcp->next_state == "none") {
            return print_dependency_reasons(svcp, verbose);
        } else {
            std::printf("Reason: Transitioning to state %s.\n", svcp->next_state.c_str());
            dc = "SMF-8000-PH";
        }
    } else if (s == "degraded") {
        std::puts("Reason: Degraded by an administrator.");
        dc = "SMF-8000-DX";
    } else {
        std::printf("Reason: Not in valid state (%s).\n", s.c_str());
        dc = "SMF-8000-N3";
    }
    std::printf("   See: %s%s\n", kMsgBase, dc);
}

void Explainer::print_service(XInst* svcp, bool verbose) {
    if (!first_) std::putchar('\n');
    first_ = false;
    std::printf("%s", name(svcp).c_str());
    std::string entity = cat(svcp->svcname, ":", svcp->instname);
    auto inst = load_instance(repo_, entity);
    if (inst) {
        // The common name of the composed current configuration.
        Inst current = *inst;
        current.running = current.composed;
        std::printf(" (%s)\n", common_name(current).value_or("?").c_str());
    } else {
        std::putchar('\n');
    }
    time_t t = static_cast<time_t>(svcp->stime);
    struct tm tm {};
    ::localtime_r(&t, &tm);
    char buf[64];
    ::strftime(buf, sizeof buf, "%c", &tm);
    std::printf(" State: %s since %s\n", svcp->state.c_str(), buf);
    print_reasons(svcp, verbose);
    if (inst) {
        // print_docs(): the template groups of the running snapshot.
        for (const smf::PropertyGroup& g : inst->running.pgs) {
            if (g.type != "template") continue;
            auto v = [&](const char* p) { return single(inst->running, g.name, p); };
            if (g.name.starts_with("tm_man_")) {
                auto title = v("title"), section = v("section");
                if (!title || !section) continue;
                if (!verbose) {
                    std::printf("   See: %s(%s)\n", title->c_str(), section->c_str());
                    continue;
                }
                auto path = v("manpath");
                if (!path) continue;
                if (*path == ":default") *path = "/usr/share/man";
                std::printf("   See: man -M %s -s %s %s\n", path->c_str(), section->c_str(), title->c_str());
            } else if (g.name.starts_with("tm_doc_")) {
                if (auto uri = v("uri")) std::printf("   See: %s\n", uri->c_str());
            }
        }
        for (const char* p : {"alt_logfile", "logfile"})
            if (auto log = single(inst->own, "restarter", p)) std::printf("   See: %s\n", log->c_str());
    }
    (void)determine_impact(svcp);
    std::size_t n = svcp->impact.size();
    if (n == 0)
        std::puts(running(svcp) ? "Impact: None." : "Impact: This service is not running.");
    else if (n == 1)
        std::puts(verbose ? "Impact: 1 dependent service is not running:"
                          : "Impact: 1 dependent service is not running.  (Use -v for list.)");
    else if (verbose)
        std::printf("Impact: %zu dependent services are not running:\n", n);
    else
        std::printf("Impact: %zu dependent services are not running.  (Use -v for list.)\n", n);
    if (verbose)
        for (XInst* x : svcp->impact) std::printf("        %s\n", name(x).c_str());
}

// The causes, most impact first (a stable sort: ties keep the order they
// were found in).
std::vector<XInst*> Explainer::sorted_causes() {
    std::vector<XInst*> out = g_causes_;
    for (XInst* x : out) (void)determine_impact(x);
    std::stable_sort(out.begin(), out.end(), [](XInst* a, XInst* b) { return a->impact.size() > b->impact.size(); });
    return out;
}

}  // namespace

void explain(smf::Repository& repo, bool verbose, const std::vector<std::string>& args) {
    Explainer x(repo);
    x.load();
    x.determine_all_causes();
    if (!args.empty()) {
        auto r = smf::walk_fmri(repo, args, smf::kWalkMultiple);
        if (!r) {
            warn(cat("failed to iterate over instances: ", r.error().message, "\n"));
            exit_status = 1;
            return;
        }
        for (const std::string& e : r->errors) warn(e);
        if (r->fatal) exit_status = 1;
        for (const smf::Walked& w : r->walked)
            if (XInst* ip = x.find(w.entity)) x.print_service(ip, verbose);
        return;
    }
    for (XInst* ip : x.sorted_causes()) x.print_service(ip, verbose);
}

}  // namespace xvm::svcs
