#include "lib/smf/scf_errors.h"

#include <cerrno>

namespace xvm::smf {

std::string_view scf_strerror(ScfError e) {
    switch (e) {
    case ScfError::None: return "no error";
    case ScfError::NotBound: return "handle not bound";
    case ScfError::NotSet: return "cannot use unset argument";
    case ScfError::NotFound: return "entity not found";
    case ScfError::TypeMismatch: return "type does not match value";
    case ScfError::InUse: return "cannot modify while in-use";
    case ScfError::ConnectionBroken: return "connection to repository broken";
    case ScfError::InvalidArgument: return "invalid argument";
    case ScfError::NoMemory: return "no memory available";
    case ScfError::ConstraintViolated: return "required constraint not met";
    case ScfError::Exists: return "object already exists";
    case ScfError::NoServer: return "repository server unavailable";
    case ScfError::NoResources: return "server has insufficient resources";
    case ScfError::PermissionDenied: return "insufficient privileges for action";
    case ScfError::BackendAccess: return "backend refused access";
    case ScfError::BackendReadonly: return "backend is read-only";
    case ScfError::HandleMismatch: return "mismatched SCF handles";
    case ScfError::HandleDestroyed: return "object bound to destroyed handle";
    case ScfError::VersionMismatch: return "incompatible SCF version";
    case ScfError::Deleted: return "object has been deleted";
    case ScfError::TemplateInvalid: return "template data is invalid";
    case ScfError::CallbackFailed: return "user callback function failed";
    case ScfError::Internal: return "internal error";
    }
    return "unknown error";
}

ScfError scf_error_of(const Error& e) {
    switch (e.code) {
    case 0: return ScfError::Internal;
    case EACCES:
    case EPERM: return ScfError::PermissionDenied;
    case ENOENT: return ScfError::NotFound;
    case EEXIST: return ScfError::Exists;
    case EINVAL: return ScfError::InvalidArgument;
    case ENOMEM: return ScfError::NoMemory;
    case EROFS: return ScfError::BackendReadonly;
    case EWOULDBLOCK: return ScfError::NoResources;
    case EIO: return ScfError::BackendAccess;
    case ECONNREFUSED:
    case ECONNRESET:
    case EPIPE: return ScfError::ConnectionBroken;
    default: return ScfError::Internal;
    }
}

}  // namespace xvm::smf
