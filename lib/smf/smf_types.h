// SMF property types, values and property groups as plain data: what the
// repository stores and every SMF command and the restarter handle. Values
// are kept as canonical strings ("true", "512", "127.0.0.1"); validate()
// decides whether a string is a value of a type, so a value that is not
// valid never reaches the repository.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.h"

namespace xvm::smf {

// libscf's scf_type_t numbering (smf(5)).
enum class PropType : std::uint16_t {
    Boolean = 1,
    Count = 2,
    Integer = 3,
    Time = 4,
    Astring = 5,
    Opaque = 6,
    Ustring = 100,
    Uri = 200,
    Fmri = 201,
    Host = 300,
    Hostname = 301,
    NetAddrV4 = 302,
    NetAddrV6 = 303,
    NetAddr = 304,
};

std::optional<PropType> type_from_name(std::string_view name);
std::string_view type_name(PropType type);
// uri, fmri, host, hostname and the net_address types are ustrings.
bool is_ustring(PropType type);
// astring and every ustring type: what scf_value_get_astring() reads.
inline bool is_string_type(PropType type) { return type == PropType::Astring || is_ustring(type); }

// Checks one value against its type and returns it canonical ("TRUE" is
// not a boolean; "007" becomes "7"). The error says what and why:
// "\"abc\" is not a valid integer".
Result<std::string> validate_value(PropType type, std::string_view value);

struct Property {
    std::string name;
    PropType type = PropType::Astring;
    std::vector<std::string> values;
    bool operator==(const Property&) const = default;
};

struct PropertyGroup {
    std::string name;
    std::string type;  // application, framework, dependency, method, ...
    bool persistent = true;  // false: kept out of snapshots, emptied at boot
    // In the public copy of the repository: the group is read-protected
    // and its properties are listed without their values.
    bool withheld = false;
    std::vector<Property> props;

    Property* find(std::string_view prop);
    const Property* find(std::string_view prop) const;
    void set(Property prop);  // replaces a property of the same name
    bool remove(std::string_view prop);
    bool operator==(const PropertyGroup&) const = default;
};

// The property groups of one entity (service or instance) in one view.
struct PgSet {
    std::vector<PropertyGroup> pgs;

    PropertyGroup* find(std::string_view pg);
    const PropertyGroup* find(std::string_view pg) const;
    const Property* find(std::string_view pg, std::string_view prop) const;
    // The group, created with `type` when absent.
    PropertyGroup& get_or_add(std::string_view pg, std::string_view type, bool persistent = true);
    bool remove(std::string_view pg);
    // First value of pg/prop, or nullopt.
    std::optional<std::string> first(std::string_view pg, std::string_view prop) const;
    bool operator==(const PgSet&) const = default;
};

// Instance over service: a property absent from the instance is taken
// from the service (smf(5)).
PgSet compose(const PgSet& service, const PgSet& instance);
// Only the persistent groups (what a snapshot holds).
PgSet persistent_only(const PgSet& set);

// The repository's record encoding: one line per group and property,
// readable with tdbdump ("withheld" marks a group whose values the
// public copy leaves out):
//   pg config application P [withheld]
//   prop dom0-min-mem integer 196
//   prop vnc-listen astring "127.0.0.1"
// Values of string types are quoted with \" \\ \n \t escapes.
std::string encode(const PgSet& set);
Result<PgSet> decode(std::string_view text);

// Valid names for groups and properties: [A-Za-z0-9_.,-]+ starting with a
// letter or '_' (illumos scf_name rules, simplified), at most 119 bytes.
Status check_name(std::string_view what, std::string_view name);

}  // namespace xvm::smf
