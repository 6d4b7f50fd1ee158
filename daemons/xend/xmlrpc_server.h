// The XML-RPC interface on /var/run/xend/xmlrpc.sock (XEND.md section
// 1.1): HTTP (libmicrohttpd, http_server.h) carrying XML-RPC bodies (the
// libxml2 codec of lib/rpc/xmlrpc.h) to the method table (rpc_methods.h).
// Any path is accepted, as xend did; only POST carries a call (others:
// 501). A body that is not a well-formed call gets fault 1 saying what is
// wrong - the original dropped the connection without a word. A peer
// without xvm_control or virt_manage gets fault 2 "permission denied"
// naming the socket and the privileges, and nothing else happens.
#pragma once

#include "daemons/xend/http_server.h"
#include "daemons/xend/xend.h"

namespace xvm::xend {

inline constexpr std::size_t kMaxXmlRpcBody = 4 * 1024 * 1024;

void serve_xmlrpc(Xend& xend, const HttpRequest& request, Responder respond);

}  // namespace xvm::xend
