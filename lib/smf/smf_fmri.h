// SMF names: parsing exact FMRIs, the abbreviations svcadm/svcs/svcprop
// accept, and the names derived from an instance (its log file). Inside the
// project an entity is named by its "entity" string - "system/xctl/store"
// for a service, "system/xctl/store:default" for an instance - which is the
// FMRI without "svc:/".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.h"

namespace xvm::smf {

struct Fmri {
    std::string service;   // "system/xctl/store"
    std::string instance;  // "default", or empty for a service
    std::string pg;        // property group, when the FMRI names one
    std::string prop;      // property, when the FMRI names one

    bool is_instance() const { return !instance.empty(); }
    std::string entity() const;  // "system/xctl/store:default"
    std::string str() const;     // "svc:/system/xctl/store:default"
};

// Parses an exact FMRI: svc:/S[:I][/:properties/pg[/prop]], also with the
// svc://localhost/ scope. Errors say why ("svc:/x:y:z": invalid instance).
Result<Fmri> parse_fmri(std::string_view text);
// Checks a service name ("system/xctl/store") or instance name ("default").
Status check_service_name(std::string_view name);
Status check_instance_name(std::string_view name);

// "svc:/" + entity.
std::string entity_fmri(std::string_view entity);
// The service part of an entity string.
std::string service_of(std::string_view entity);

// The log file name of an instance: "system-xctl-store:default.log".
std::string log_stem(std::string_view instance_entity);

}  // namespace xvm::smf
