#include "lib/base/paths.h"

#include <cstdlib>

namespace xvm {

std::string xvm_root() {
    const char* env = std::getenv("XVM_ROOT");
    std::string root = env ? env : "";
    while (!root.empty() && root.back() == '/') root.pop_back();
    return root;
}

std::string root_path(std::string_view absolute) {
    if (absolute.empty() || absolute.front() != '/') return std::string(absolute);
    return xvm_root() + std::string(absolute);
}

}  // namespace xvm
