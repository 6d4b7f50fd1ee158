// RBAC authorizations (user_attr(5), prof_attr(5)): the authorizations a
// user holds are the auths= of its user_attr entries plus those of every
// rights profile named by profiles=, expanded recursively through
// prof_attr. As on illumos, packages deliver entries as fragments in
// /etc/user_attr.d/ and /etc/security/prof_attr.d/, read after the main
// file. Files are read under XVM_ROOT on each check, so an edit takes
// effect at the next request.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.h"

namespace xvm {

inline constexpr std::string_view kUserAttrPath = "/etc/user_attr";
inline constexpr std::string_view kProfAttrPath = "/etc/security/prof_attr";
inline constexpr std::string_view kUserAttrDir = "/etc/user_attr.d";
inline constexpr std::string_view kProfAttrDir = "/etc/security/prof_attr.d";

// The key=value attributes of one entry's last field ("auths=a,b;profiles=P").
std::vector<std::pair<std::string, std::string>> parse_attrs(std::string_view field);

// Authorizations of `user` from the given file texts.
std::vector<std::string> authorizations_from(std::string_view user, std::string_view user_attr,
                                             std::string_view prof_attr);
// The same from the installed files and fragments; a missing file grants
// nothing.
std::vector<std::string> user_authorizations(std::string_view user);

// "solaris.smf.*" grants "solaris.smf.manage.xctl"; "solaris.*" grants all.
bool auth_grants(std::string_view held, std::string_view needed);
bool has_authorization(const std::vector<std::string>& held, std::string_view needed);

}  // namespace xvm
