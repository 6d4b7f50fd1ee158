// The XenStore wire protocol (<xen/io/xs_wire.h>): a 16-byte header
// {type, req_id, tx_id, len} followed by `len` payload bytes, usually
// NUL-terminated strings. Shared by xenstored, the simulated guest and the
// command-line tools, over sockets and rings alike.
//
// Decoding never copies and never trusts the header: a length over
// XENSTORE_PAYLOAD_MAX breaks framing and is an error (the connection must
// be dropped); an unknown type is a well-framed message the server answers
// with EINVAL.
#pragma once

// <xen/io/xs_wire.h> defines its errno table only when errno values are known.
#include <cerrno>
#include <cstdint>
#include <xen/io/xs_wire.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.h"

namespace xvm {

inline constexpr std::size_t kXsHeaderSize = sizeof(xsd_sockmsg);
static_assert(kXsHeaderSize == 16);

// "READ", "WATCH_EVENT", ...; "UNKNOWN" for types outside the protocol.
std::string_view xs_type_name(std::uint32_t type);

struct XsMessage {
    xsd_sockmsg header;
    std::string_view payload;  // points into the decoded buffer

    std::size_t wire_size() const { return kXsHeaderSize + payload.size(); }
};

// Parses the message at the front of `in`: nullopt while it is incomplete,
// an error if the header is unacceptable.
Result<std::optional<XsMessage>> xs_parse(std::span<const char> in);

// Appends a message to `out`.
void xs_append(std::string& out, std::uint32_t type, std::uint32_t req_id, std::uint32_t tx_id,
               std::string_view payload);
// Appends an XS_ERROR reply carrying the errno's name ("ENOENT").
void xs_append_error(std::string& out, std::uint32_t req_id, std::uint32_t tx_id, int err);

// The payload as its NUL-terminated strings. A final string without its NUL
// is returned too (some requests, like WRITE's value, are not terminated).
std::vector<std::string_view> xs_split(std::string_view payload);

// "ENOENT" <-> ENOENT over the table of <xen/io/xs_wire.h>. Unknown errnos
// become "EINVAL", unknown names EINVAL, as Xen's own code does.
std::string_view xs_error_name(int err);
int xs_error_number(std::string_view name);

}  // namespace xvm
