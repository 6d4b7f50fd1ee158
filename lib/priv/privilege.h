// Solaris-named privileges on a platform that has none: the names come from
// a priv_names file in the Solaris layout (a name in column 0, TAB-indented
// description lines, entries separated by empty lines, '#' comments), and
// sets are bitsets over the order of that file. Lookups follow
// priv_getbyname(3C): case-insensitive, an optional "priv_" prefix. Unlike
// priv_ismember(3C), an unknown name is an error, never a silent "no".
#pragma once

#include <bitset>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.h"

namespace xvm {

inline constexpr std::size_t kMaxPrivileges = 128;

class PrivSet {
public:
    bool contains(std::size_t index) const { return bits_.test(index); }
    void add(std::size_t index) { bits_.set(index); }
    void remove(std::size_t index) { bits_.reset(index); }
    bool empty() const { return bits_.none(); }
    std::size_t count() const { return bits_.count(); }
    bool is_subset_of(const PrivSet& other) const { return (bits_ & ~other.bits_).none(); }
    bool intersects(const PrivSet& other) const { return (bits_ & other.bits_).any(); }
    PrivSet operator|(const PrivSet& other) const { return PrivSet(bits_ | other.bits_); }
    PrivSet operator&(const PrivSet& other) const { return PrivSet(bits_ & other.bits_); }
    PrivSet operator-(const PrivSet& other) const { return PrivSet(bits_ & ~other.bits_); }
    bool operator==(const PrivSet&) const = default;

    PrivSet() = default;

private:
    explicit PrivSet(std::bitset<kMaxPrivileges> bits) : bits_(bits) {}
    std::bitset<kMaxPrivileges> bits_;
};

// The privileges this system defines, read from priv_names.
class PrivNames {
public:
    // Parses priv_names text; `origin` names the file in error messages.
    static Result<PrivNames> parse(std::string_view text, std::string_view origin);
    static Result<PrivNames> load(const std::string& path);

    std::size_t size() const { return names_.size(); }
    const std::string& name(std::size_t index) const { return names_[index]; }
    const std::string& description(std::size_t index) const { return descriptions_[index]; }
    std::optional<std::size_t> index_of(std::string_view name) const;

    // A set from a list of names; any unknown name is an error naming it.
    Result<PrivSet> set_of(const std::vector<std::string>& names) const;
    // A privilege specification as priv_str_to_set(3C) reads it:
    // comma-separated tokens from the empty set, each a name or all, none,
    // basic, zone; a leading '!' or '-' removes. "basic,!proc_info,file_chown".
    Result<PrivSet> parse_spec(std::string_view spec) const;

    PrivSet all() const;
    // The basic set: what every ordinary process holds.
    PrivSet basic() const;
    // The names of the set's members, in file order.
    std::vector<std::string> names_of(const PrivSet& set) const;
    // "file_chown,xvm_control" in file order; "none" for the empty set.
    std::string to_string(const PrivSet& set) const;

private:
    std::vector<std::string> names_;
    std::vector<std::string> descriptions_;
};

}  // namespace xvm
