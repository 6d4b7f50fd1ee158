// Every absolute path the project uses is resolved under XVM_ROOT (default
// "/"), so a whole installation - repository, sockets, logs, dumps - can
// live in a temporary directory. Relative paths are returned unchanged.
#pragma once

#include <string>
#include <string_view>

namespace xvm {

// The root prefix without a trailing slash; "" when XVM_ROOT is unset,
// empty or "/".
std::string xvm_root();

// root_path("/var/run/xenstored/socket") ->
// "$XVM_ROOT/var/run/xenstored/socket".
std::string root_path(std::string_view absolute);

}  // namespace xvm
