// libscf's error codes and their texts (illumos
// usr/src/lib/libscf/common/error.c: scf_strerror), so the commands print
// what an illumos administrator's scripts look for.
#pragma once

#include <string_view>

#include "lib/base/result.h"

namespace xvm::smf {

enum class ScfError {
    None, NotBound, NotSet, NotFound, TypeMismatch, InUse, ConnectionBroken, InvalidArgument, NoMemory,
    ConstraintViolated, Exists, NoServer, NoResources, PermissionDenied, BackendAccess, BackendReadonly,
    HandleMismatch, HandleDestroyed, VersionMismatch, Deleted, TemplateInvalid, CallbackFailed, Internal,
};

std::string_view scf_strerror(ScfError e);
// The code an error of this library stands for (by its errno).
ScfError scf_error_of(const Error& e);

}  // namespace xvm::smf
