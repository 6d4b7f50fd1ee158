#include "lib/base/file.h"

#include <fstream>
#include <sstream>

#include "lib/base/format.h"

namespace xvm {

Result<std::string> read_text_file(const std::string& path) {
    std::ifstream file(path);
    if (!file) return errno_error(cat("cannot open ", path));
    std::ostringstream text;
    text << file.rdbuf();
    if (file.bad()) return errno_error(cat("cannot read ", path));
    return text.str();
}

}  // namespace xvm
