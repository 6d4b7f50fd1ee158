#include "lib/base/result.h"

#include <cstring>

namespace xvm {

Error Error::context(std::string_view what) const& {
    return Error{code, std::string(what) + ": " + message};
}

Error Error::context(std::string_view what) && {
    message.insert(0, std::string(what) + ": ");
    return std::move(*this);
}

Error errno_error(std::string_view what, int err) {
    return Error{err, std::string(what) + ": " + std::strerror(err)};
}

Error errno_error(std::string_view what) { return errno_error(what, errno); }

Error make_error(std::string message, int code) { return Error{code, std::move(message)}; }

}  // namespace xvm
