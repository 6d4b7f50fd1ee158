// Node permissions: an owner entry followed by per-domain entries, each a
// mode letter and a domain id on the wire ("b0", "r5"). The owner entry's
// mode is what every domain not listed gets; the owner itself, privileged
// connections and the owner's controlling domain (SET_TARGET) get all.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemons/xenstored/path.h"
#include "lib/base/result.h"

namespace xvm::xs {

enum PermBits : std::uint8_t { kPermNone = 0, kPermRead = 1, kPermWrite = 2, kPermOwner = 4 };

struct Perm {
    DomainId dom = 0;
    std::uint8_t mode = kPermNone;  // kPermRead | kPermWrite
    bool operator==(const Perm&) const = default;
};

// Never empty once valid: entry 0 is the owner.
using Perms = std::vector<Perm>;

// Who is asking: privileged callers bypass every check.
struct Caller {
    DomainId dom = 0;
    bool privileged = false;
    DomainId target = 0;  // SET_TARGET: acts for this domain too
    bool has_target = false;
    // A local socket client that is not root: dom0's rights, but held to the
    // user quotas (quota-user-*), counted per uid.
    bool user = false;
    std::uint32_t uid = 0;
};

// The bits `who` holds on a node with `perms`.
std::uint8_t perms_for(const Caller& who, const Perms& perms);

// "b0" etc. -> Perm; EINVAL for anything else.
Result<Perm> parse_perm(std::string_view text);
// Appends each entry NUL-terminated, as GET_PERMS replies.
void append_perms(std::string& out, const Perms& perms);

}  // namespace xvm::xs
