// Service manifests (service_bundle(5)): DTD validation with libxml2 and
// the translation of elements into property groups, as illumos svccfg
// import does (svccfg(1M), svc.startd(1M)). Parsing never loads anything
// from the network or expands external entities; the DTD is loaded from a
// local file only for validation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.h"
#include "lib/smf/smf_types.h"

namespace xvm::svccfg {

struct InstanceSpec {
    std::string name;
    smf::PgSet pgs;  // includes general/enabled
};

struct ServiceSpec {
    std::string name;  // "system/xctl/store"
    smf::PgSet pgs;
    std::vector<InstanceSpec> instances;
};

// A dependency group a <dependent> element injects into another service.
struct InjectedPg {
    std::string entity;  // the service the group is created in
    smf::PropertyGroup pg;
};

struct Bundle {
    std::string name;
    std::vector<ServiceSpec> services;
    std::vector<InjectedPg> injected;
};

// The DTD in use: $SVCCFG_DTD, else the installed copy under XVM_ROOT,
// else the one installed on the host, else the source tree's copy.
std::string dtd_path();

// Validates `xml` against the DTD; the error lists every problem libxml2
// reported, each with its line.
Status validate_dtd(std::string_view xml, std::string_view origin, const std::string& dtd);

// Translates a manifest into services (no DTD check; semantic errors such
// as bad values, SMF_ environment names or duplicates are all reported).
Result<Bundle> parse_manifest(std::string_view xml, std::string_view origin);

}  // namespace xvm::svccfg
