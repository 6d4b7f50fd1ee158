// The operations inside a journal record (journal.h): one commit of the
// store, as the list of changes that replaying it makes again. All
// integers little-endian; lengths bound every field:
//   'P' u16 len, path, u16 n, n x (u32 dom, u8 mode), u32 len, value
//         create or update one node (implicitly created parents have
//         their own 'P' before it)
//   'R' u16 len, path           remove the node and its subtree
//   'S' u16 len, name, u16 n, n x (u32 dom, u8 mode)
//                               permissions of a special node
//   'D' u32 dom, u32 len, record    a domain introduced
//   'd' u32 dom                 a domain released
// A record that does not parse is an error naming the byte offset: the
// CRC already told us it is what was written, so this is a bug.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "daemons/xenstored/path.h"
#include "daemons/xenstored/perms.h"
#include "lib/base/result.h"

namespace xvm::xs::ops {

void put(std::string& out, std::string_view path, std::span<const Perm> perms,
         std::string_view value);
void remove(std::string& out, std::string_view path);
void special(std::string& out, std::string_view name, std::span<const Perm> perms);
void domain(std::string& out, DomainId dom, std::string_view record);
void remove_domain(std::string& out, DomainId dom);

// One decoded operation.
struct Op {
    char kind = 0;  // 'P', 'R', 'S', 'D', 'd'
    std::string_view path;   // P, R, S
    Perms perms;             // P, S
    std::string_view value;  // P; D: the record
    DomainId dom = 0;        // D, d
};

// Calls `visit` for each operation of `payload`, in order.
template <typename F>
Status for_each(std::string_view payload, F&& visit);

// Decodes the operation at `at` and advances it; EIO when malformed.
Result<Op> next(std::string_view payload, std::size_t& at);

template <typename F>
Status for_each(std::string_view payload, F&& visit) {
    std::size_t at = 0;
    while (at < payload.size()) {
        Result<Op> op = next(payload, at);
        if (!op) return std::move(op).error();
        if (Status s = visit(*op); !s) return s;
    }
    return {};
}

}  // namespace xvm::xs::ops
