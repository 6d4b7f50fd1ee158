// XenStore path rules (Xen's docs/misc/xenstore.txt): absolute paths start with
// '/', use only [A-Za-z0-9-/_@], have no doubled or trailing slash (except
// the root) and are at most XENSTORE_ABS_PATH_MAX bytes. A relative path is
// resolved under /local/domain/<domid> of the caller. Paths starting with
// '@' name the special watches and are legal only where a request says so.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/base/result.h"

namespace xvm::xs {

using DomainId = std::uint32_t;

// "/local/domain/<id>"
std::string domain_path(DomainId dom);

// The canonical absolute form of `raw` for a caller in domain `dom`, or
// EINVAL. Special ("@...") paths are accepted only when `allow_special`.
Result<std::string> canonical_path(DomainId dom, std::string_view raw, bool allow_special);

inline bool is_special(std::string_view path) { return !path.empty() && path[0] == '@'; }

// True when `path` is `ancestor` or lies below it ("/" is above everything).
bool is_child_of(std::string_view path, std::string_view ancestor);

// "/a/b" -> "/a"; "/a" -> "/". Not defined for "/".
std::string_view parent_of(std::string_view path);
// "/a/b" -> "b"
std::string_view base_name(std::string_view path);
// parent + "/" + name, without doubling the root's slash.
std::string child_path(std::string_view parent, std::string_view name);

}  // namespace xvm::xs
