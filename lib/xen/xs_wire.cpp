#include "lib/xen/xs_wire.h"

#include <array>
#include <cerrno>
#include <cstring>

#include "lib/base/format.h"

namespace xvm {
namespace {

constexpr std::array<std::string_view, XS_TYPE_COUNT> kTypeNames = [] {
    std::array<std::string_view, XS_TYPE_COUNT> names{};
    names[XS_CONTROL] = "CONTROL";
    names[XS_DIRECTORY] = "DIRECTORY";
    names[XS_READ] = "READ";
    names[XS_GET_PERMS] = "GET_PERMS";
    names[XS_WATCH] = "WATCH";
    names[XS_UNWATCH] = "UNWATCH";
    names[XS_TRANSACTION_START] = "TRANSACTION_START";
    names[XS_TRANSACTION_END] = "TRANSACTION_END";
    names[XS_INTRODUCE] = "INTRODUCE";
    names[XS_RELEASE] = "RELEASE";
    names[XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH";
    names[XS_WRITE] = "WRITE";
    names[XS_MKDIR] = "MKDIR";
    names[XS_RM] = "RM";
    names[XS_SET_PERMS] = "SET_PERMS";
    names[XS_WATCH_EVENT] = "WATCH_EVENT";
    names[XS_ERROR] = "ERROR";
    names[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED";
    names[XS_RESUME] = "RESUME";
    names[XS_SET_TARGET] = "SET_TARGET";
    names[XS_SET_TARGET + 1] = "RESTRICT";  // removed from the protocol
    names[XS_RESET_WATCHES] = "RESET_WATCHES";
    names[XS_DIRECTORY_PART] = "DIRECTORY_PART";
    return names;
}();

static_assert([] {
    for (std::string_view name : kTypeNames)
        if (name.empty()) return false;
    return true;
}(), "every xs_wire message type needs a name");

}  // namespace

std::string_view xs_type_name(std::uint32_t type) {
    return type < kTypeNames.size() ? kTypeNames[type] : "UNKNOWN";
}

Result<std::optional<XsMessage>> xs_parse(std::span<const char> in) {
    if (in.size() < kXsHeaderSize) return std::optional<XsMessage>();
    XsMessage msg;
    std::memcpy(&msg.header, in.data(), kXsHeaderSize);
    if (msg.header.len > XENSTORE_PAYLOAD_MAX)
        return make_error(cat("xenstore message ", xs_type_name(msg.header.type), " declares ",
                              msg.header.len, " payload bytes, more than the maximum ",
                              XENSTORE_PAYLOAD_MAX),
                          E2BIG);
    if (in.size() < kXsHeaderSize + msg.header.len) return std::optional<XsMessage>();
    msg.payload = std::string_view(in.data() + kXsHeaderSize, msg.header.len);
    return std::optional<XsMessage>(msg);
}

void xs_append(std::string& out, std::uint32_t type, std::uint32_t req_id, std::uint32_t tx_id,
               std::string_view payload) {
    xsd_sockmsg header{type, req_id, tx_id, static_cast<std::uint32_t>(payload.size())};
    out.append(reinterpret_cast<const char*>(&header), sizeof header);
    out.append(payload);
}

void xs_append_error(std::string& out, std::uint32_t req_id, std::uint32_t tx_id, int err) {
    std::string_view name = xs_error_name(err);
    xsd_sockmsg header{XS_ERROR, req_id, tx_id, static_cast<std::uint32_t>(name.size() + 1)};
    out.append(reinterpret_cast<const char*>(&header), sizeof header);
    out.append(name);
    out.push_back('\0');
}

std::vector<std::string_view> xs_split(std::string_view payload) {
    std::vector<std::string_view> parts;
    while (!payload.empty()) {
        std::size_t nul = payload.find('\0');
        if (nul == std::string_view::npos) {
            parts.push_back(payload);
            break;
        }
        parts.push_back(payload.substr(0, nul));
        payload.remove_prefix(nul + 1);
    }
    return parts;
}

std::string_view xs_error_name(int err) {
    for (const struct xsd_errors& e : xsd_errors)
        if (e.errnum == err) return e.errstring;
    return "EINVAL";
}

int xs_error_number(std::string_view name) {
    for (const struct xsd_errors& e : xsd_errors)
        if (name == e.errstring) return e.errnum;
    return EINVAL;
}

}  // namespace xvm
