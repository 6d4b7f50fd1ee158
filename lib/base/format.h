// The one formatting helper: cat(a, b, c) streams its arguments into a
// string. GCC 12 has no std::format; when it does, only this file changes.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace xvm {

template <typename... Args>
std::string cat(const Args&... args) {
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}

}  // namespace xvm

namespace xvm {

// "a; b; c"
template <typename Container>
std::string join(const Container& parts, std::string_view separator) {
    std::string out;
    for (const auto& part : parts) {
        if (!out.empty()) out += separator;
        out += part;
    }
    return out;
}

}  // namespace xvm
