// The libscf "simple" API over the repository. Each call opens the
// repository read-only and closes it again: daemons call it rarely (at
// start and on refresh), and holding no handle means no stale view.
#include "lib/smf/scf.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "lib/smf/smf_control.h"
#include "lib/smf/smf_fmri.h"
#include "lib/smf/smf_repo.h"

struct scf_simple_prop {
    scf_type_t type;
    std::vector<std::string> values;
    std::size_t cursor = 0;
    // Storage for the value a next_* call points into (valid until the
    // next call, as libscf's own buffers).
    uint8_t b = 0;
    uint64_t c = 0;
    int64_t i = 0;
    std::string s;
};

namespace {

thread_local scf_error_t last_error = SCF_ERROR_NONE;

template <typename T>
T fail(scf_error_t e, T value) {
    last_error = e;
    return value;
}

scf_error_t from_errno(int code) {
    switch (code) {
    case ENOENT: return SCF_ERROR_NOT_FOUND;
    case EACCES:
    case EPERM: return SCF_ERROR_PERMISSION_DENIED;
    case ECONNREFUSED:
    case ENOTCONN: return SCF_ERROR_NO_SERVER;
    case EEXIST: return SCF_ERROR_EXISTS;
    case EIO: return SCF_ERROR_BACKEND_ACCESS;
    default: return SCF_ERROR_INVALID_ARGUMENT;
    }
}

// The instance entity named by an exact instance FMRI, or by SMF_FMRI.
bool instance_entity(const char* fmri, std::string& out) {
    if (fmri == nullptr) fmri = std::getenv("SMF_FMRI");
    if (fmri == nullptr) return fail(SCF_ERROR_INVALID_ARGUMENT, false);
    auto f = xvm::smf::parse_fmri(fmri);
    if (!f || !f->is_instance() || !f->pg.empty()) return fail(SCF_ERROR_INVALID_ARGUMENT, false);
    out = f->entity();
    return true;
}

int request(const char* fmri, const char* verb, std::vector<std::string> args = {}) {
    std::string entity;
    if (!instance_entity(fmri, entity)) return SCF_FAILED;
    xvm::Status st = xvm::smf::submit(xvm::smf::Request{verb, entity, std::move(args)});
    if (!st) return fail(from_errno(st.error().code), SCF_FAILED);
    return SCF_SUCCESS;
}

const std::string* next_value(scf_simple_prop_t* p, bool type_ok) {
    if (p == nullptr) return fail(SCF_ERROR_NOT_SET, nullptr);
    if (!type_ok) return fail(SCF_ERROR_TYPE_MISMATCH, nullptr);
    if (p->cursor >= p->values.size()) return fail(SCF_ERROR_NONE, nullptr);
    return &p->values[p->cursor++];
}

}  // namespace

scf_error_t scf_error(void) { return last_error; }

const char* scf_strerror(scf_error_t e) {
    switch (e) {
    case SCF_ERROR_NONE: return "no error";
    case SCF_ERROR_NOT_FOUND: return "entity not found";
    case SCF_ERROR_TYPE_MISMATCH: return "type does not match value";
    case SCF_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case SCF_ERROR_PERMISSION_DENIED: return "permission denied";
    case SCF_ERROR_NO_SERVER: return "repository server unavailable";
    case SCF_ERROR_BACKEND_ACCESS: return "backend access denied";
    case SCF_ERROR_EXISTS: return "object already exists";
    case SCF_ERROR_NOT_SET: return "cannot use unset argument";
    default: return "unknown error";
    }
}

scf_simple_prop_t* scf_simple_prop_get(scf_handle_t*, const char* inst_fmri, const char* pgname,
                                       const char* propname) {
    std::string entity;
    if (pgname == nullptr || propname == nullptr) return fail(SCF_ERROR_INVALID_ARGUMENT, nullptr);
    if (!instance_entity(inst_fmri, entity)) return nullptr;
    auto repo = xvm::smf::Repository::open(false);
    if (!repo) return fail(from_errno(repo.error().code), nullptr);
    // Instance first, then the service: the editing view, never a snapshot.
    for (const std::string& e : {entity, xvm::smf::service_of(entity)}) {
        auto set = (*repo)->current(e);
        if (!set) return fail(from_errno(set.error().code), nullptr);
        const xvm::smf::PropertyGroup* g = set->find(pgname);
        const xvm::smf::Property* p = g ? g->find(propname) : nullptr;
        if (p != nullptr) {
            auto* out = new scf_simple_prop{};
            out->type = static_cast<scf_type_t>(p->type);
            out->values = p->values;
            if (g->withheld) {
                // Read-protected: this user's copy has no values; svc.startd
                // gives them to a user holding the group's authorization.
                auto full = xvm::smf::read_protected_group(e, "current", pgname);
                const xvm::smf::Property* fp = full ? full->find(propname) : nullptr;
                if (fp == nullptr) {
                    delete out;
                    return fail(full ? SCF_ERROR_NOT_FOUND : from_errno(full.error().code), nullptr);
                }
                out->values = fp->values;
            }
            last_error = SCF_ERROR_NONE;
            return out;
        }
    }
    return fail(SCF_ERROR_NOT_FOUND, nullptr);
}

scf_simple_prop_t* scf_simple_prop_get_running(scf_handle_t*, const char* inst_fmri,
                                               const char* pgname, const char* propname) {
    std::string entity;
    if (pgname == nullptr || propname == nullptr) return fail(SCF_ERROR_INVALID_ARGUMENT, nullptr);
    if (!instance_entity(inst_fmri, entity)) return nullptr;
    auto repo = xvm::smf::Repository::open(false);
    if (!repo) return fail(from_errno(repo.error().code), nullptr);
    auto view = (*repo)->running_view(entity);
    if (!view) return fail(from_errno(view.error().code), nullptr);
    // A read-protected group reaches this user without values; svc.startd
    // gives them to a user holding the group's authorization (as
    // scf_simple_prop_get does for the editing view).
    if (xvm::Status shown = xvm::smf::reveal(*view, entity, "running", pgname); !shown)
        return fail(from_errno(shown.error().code), nullptr);
    const xvm::smf::Property* p = view->find(pgname, propname);
    if (p == nullptr) return fail(SCF_ERROR_NOT_FOUND, nullptr);
    auto* out = new scf_simple_prop{};
    out->type = static_cast<scf_type_t>(p->type);
    out->values = p->values;
    last_error = SCF_ERROR_NONE;
    return out;
}

void scf_simple_prop_free(scf_simple_prop_t* prop) { delete prop; }

ssize_t scf_simple_prop_numvalues(const scf_simple_prop_t* p) {
    if (p == nullptr) return fail(SCF_ERROR_NOT_SET, -1);
    return static_cast<ssize_t>(p->values.size());
}

scf_type_t scf_simple_prop_type(const scf_simple_prop_t* p) {
    if (p == nullptr) return fail(SCF_ERROR_NOT_SET, SCF_TYPE_INVALID);
    return p->type;
}

void scf_simple_prop_next_reset(scf_simple_prop_t* p) {
    if (p != nullptr) p->cursor = 0;
}

uint8_t* scf_simple_prop_next_boolean(scf_simple_prop_t* p) {
    const std::string* v = next_value(p, p && p->type == SCF_TYPE_BOOLEAN);
    if (v == nullptr) return nullptr;
    p->b = *v == "true" ? 1 : 0;
    return &p->b;
}

uint64_t* scf_simple_prop_next_count(scf_simple_prop_t* p) {
    const std::string* v = next_value(p, p && p->type == SCF_TYPE_COUNT);
    if (v == nullptr) return nullptr;
    p->c = std::strtoull(v->c_str(), nullptr, 10);
    return &p->c;
}

int64_t* scf_simple_prop_next_integer(scf_simple_prop_t* p) {
    const std::string* v = next_value(p, p && p->type == SCF_TYPE_INTEGER);
    if (v == nullptr) return nullptr;
    p->i = std::strtoll(v->c_str(), nullptr, 10);
    return &p->i;
}

int64_t* scf_simple_prop_next_time(scf_simple_prop_t* p, int32_t* nsec) {
    const std::string* v = next_value(p, p && p->type == SCF_TYPE_TIME);
    if (v == nullptr) return nullptr;
    char* end = nullptr;
    p->i = std::strtoll(v->c_str(), &end, 10);
    if (nsec != nullptr) {
        std::string frac = (*end == '.') ? std::string(end + 1) : "";
        frac.resize(9, '0');
        *nsec = static_cast<int32_t>(std::strtol(frac.c_str(), nullptr, 10));
    }
    return &p->i;
}

char* scf_simple_prop_next_astring(scf_simple_prop_t* p) {
    const std::string* v = next_value(p, p && p->type == SCF_TYPE_ASTRING);
    if (v == nullptr) return nullptr;
    p->s = *v;
    return p->s.data();
}

char* scf_simple_prop_next_ustring(scf_simple_prop_t* p) {
    const std::string* v = next_value(p, p && static_cast<int>(p->type) >= SCF_TYPE_USTRING);
    if (v == nullptr) return nullptr;
    p->s = *v;
    return p->s.data();
}

char* smf_get_state(const char* inst_fmri) {
    std::string entity;
    if (!instance_entity(inst_fmri, entity)) return nullptr;
    auto repo = xvm::smf::Repository::open(false);
    if (!repo) return fail(from_errno(repo.error().code), nullptr);
    auto set = (*repo)->current(entity);
    if (!set) return fail(from_errno(set.error().code), nullptr);
    auto state = set->first("restarter", "state");
    return ::strdup(state ? state->c_str() : SCF_STATE_STRING_UNINIT);
}

int smf_enable_instance(const char* fmri, int flags) {
    if (flags & ~(SMF_TEMPORARY | SMF_AT_NEXT_BOOT)) return fail(SCF_ERROR_INVALID_ARGUMENT, -1);
    return request(fmri, (flags & SMF_TEMPORARY) ? "enable_t" : "enable");
}

int smf_disable_instance(const char* fmri, int flags) {
    if (flags & ~(SMF_TEMPORARY | SMF_AT_NEXT_BOOT)) return fail(SCF_ERROR_INVALID_ARGUMENT, -1);
    return request(fmri, (flags & SMF_TEMPORARY) ? "disable_t" : "disable");
}

int smf_refresh_instance(const char* fmri) { return request(fmri, "refresh"); }
int smf_restart_instance(const char* fmri) { return request(fmri, "restart"); }
int smf_restore_instance(const char* fmri) { return request(fmri, "maint_off"); }

int smf_maintain_instance(const char* fmri, int flags) {
    bool imm = flags & SMF_IMMEDIATE, tmp = flags & SMF_TEMPORARY;
    return request(fmri, imm && tmp ? "maint_on_immtemp"
                         : imm      ? "maint_on_immediate"
                         : tmp      ? "maint_on_temporary"
                                    : "maint_on");
}

int smf_degrade_instance(const char* fmri, int flags) {
    return request(fmri, (flags & SMF_IMMEDIATE) ? "degrade_immediate" : "degraded");
}
