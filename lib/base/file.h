// Small file helpers shared by every config reader.
#pragma once

#include <string>

#include "lib/base/result.h"

namespace xvm {

// The whole file as text; the error names the path and the reason.
Result<std::string> read_text_file(const std::string& path);

}  // namespace xvm
