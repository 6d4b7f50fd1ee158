// svccfg import/export: a Bundle into the repository (one transaction,
// with initial/last-import/running snapshots) and a service back out as a
// service_bundle manifest that imports to the same repository content.
#pragma once

#include <string>
#include <vector>

#include "cmd/svccfg/manifest.h"
#include "lib/base/result.h"
#include "lib/smf/smf_repo.h"

namespace xvm::svccfg {

// Creates or updates the bundle's services and instances. Groups the
// manifest defines replace the stored ones; others are kept, and an
// instance that already existed keeps its general/enabled (an import
// never re-enables what an administrator disabled). All or nothing.
// `warnings` receives dependents whose target service does not exist.
Status import_bundle(smf::Repository& repo, const Bundle& bundle, std::vector<std::string>& warnings);

// The service (with its instances) as manifest XML.
Result<std::string> export_service(smf::Repository& repo, const std::string& service);

}  // namespace xvm::svccfg
