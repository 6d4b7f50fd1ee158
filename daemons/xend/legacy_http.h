// The legacy interface on /var/lib/xend/xend-socket (config/xend-unix-
// server; XEND.md section 5): HTTP with S-expression bodies, the tree
// /xend/, /xend/node/, /xend/domain/, /xend/domain/<dom>, GETs to read
// and POSTs with a form field op= to act. Forms are decoded by
// libmicrohttpd (urlencoded or multipart); S-expressions by lib/rpc.
//
// Answers: S-expressions (Content-Type application/sxp, one line) when the
// request has no User-Agent, no Accept, or an Accept naming
// application/sxp - otherwise the same text as a small HTML page.
// 200 (usually empty) / 201 + Location (create) / 202 + Location (most
// domain operations); no op -> 406; unknown op -> 501 "Operation not
// implemented: <op>"; a failure -> 500 with (xend.err '<message>');
// an unknown domain -> 500, empty body; bodies over 10000 bytes -> 413. A
// refused peer gets 403 with (xend.err 'permission denied ...').
#pragma once

#include "daemons/xend/http_server.h"
#include "daemons/xend/xend.h"

namespace xvm::xend {

inline constexpr std::size_t kMaxLegacyBody = 10000;

void serve_legacy(Xend& xend, const HttpRequest& request, Responder respond);

}  // namespace xvm::xend
