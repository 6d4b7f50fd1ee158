#include "daemons/xenstored/path.h"

#include <cerrno>
#include <xen/io/xs_wire.h>

#include "lib/base/format.h"

namespace xvm::xs {
namespace {

bool valid_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '/' || c == '_' || c == '@';
}

bool valid_chars(std::string_view s) {
    for (char c : s)
        if (!valid_char(c)) return false;
    return true;
}

// The length of a leading "/local/domain/<1-5 digits>/", else 0.
std::size_t domain_prefix_length(std::string_view path) {
    constexpr std::string_view kPrefix = "/local/domain/";
    if (!path.starts_with(kPrefix)) return 0;
    std::size_t at = kPrefix.size(), digits = 0;
    while (at < path.size() && digits < 5 && path[at] >= '0' && path[at] <= '9') ++at, ++digits;
    if (digits == 0 || at >= path.size() || path[at] != '/') return 0;
    return at + 1;
}

Error invalid(std::string_view why) { return make_error(std::string(why), EINVAL); }

}  // namespace

std::string domain_path(DomainId dom) { return cat("/local/domain/", dom); }

Result<std::string> canonical_path(DomainId dom, std::string_view raw, bool allow_special) {
    if (raw.empty()) return invalid("empty path");
    if (!valid_chars(raw)) return invalid("invalid character in path");
    if (raw[0] == '@') {
        if (!allow_special) return invalid("special path not allowed here");
        if (raw.size() > XENSTORE_REL_PATH_MAX) return invalid("path too long");
        return std::string(raw);
    }
    std::string path;
    if (raw[0] == '/') {
        path = raw;
    } else {
        if (raw.size() > XENSTORE_REL_PATH_MAX) return invalid("relative path too long");
        path = cat(domain_path(dom), "/", raw);
    }
    // Xen 4.17 (is_valid_nodename): what follows "/local/domain/<id>/", or
    // the whole path elsewhere, is at most XENSTORE_REL_PATH_MAX bytes.
    if (path.size() - domain_prefix_length(path) > XENSTORE_REL_PATH_MAX)
        return invalid("path too long");
    if (path.size() > 1 && path.back() == '/') return invalid("trailing slash");
    if (path.find("//") != std::string::npos) return invalid("doubled slash");
    return path;
}

bool is_child_of(std::string_view path, std::string_view ancestor) {
    if (ancestor == "/") return !path.empty() && path[0] == '/';
    if (!path.starts_with(ancestor)) return false;
    return path.size() == ancestor.size() || path[ancestor.size()] == '/';
}

std::string_view parent_of(std::string_view path) {
    auto slash = path.rfind('/');
    if (slash == 0 || slash == std::string_view::npos) return "/";
    return path.substr(0, slash);
}

std::string_view base_name(std::string_view path) { return path.substr(path.rfind('/') + 1); }

std::string child_path(std::string_view parent, std::string_view name) {
    std::string out(parent);
    if (out != "/") out += '/';
    out += name;
    return out;
}

}  // namespace xvm::xs
