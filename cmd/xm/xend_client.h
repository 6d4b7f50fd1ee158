// xm's XML-RPC client of xend: HTTP over the unix socket
// /var/run/xend/xmlrpc.sock (under XVM_ROOT; XM_SERVER=httpu:///path or
// an absolute path overrides), spoken by libcurl; bodies by lib/rpc.
// Every call POSTs to /RPC2 as the original client did (XEND.md 1.1);
// the connection is kept for the next call when xend allows it.
//
// Failures come back classified for main.py's messages: a fault keeps its
// code and text; no socket / nobody listening is kNoXend with the reason;
// anything that is not an HTTP 200 carrying an XML-RPC body is kBadReply
// (a refusal that xend explains in an HTTP error or a fault reaches the
// user in its own words). A reply is bounded (kMaxReply) and decoded with
// the same limits xend applies to requests, so a broken or hostile server
// cannot make xm allocate without bound.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cmd/xm/failure.h"
#include "lib/rpc/sexpr.h"
#include "lib/rpc/xmlrpc.h"

namespace xvm::xm {

inline constexpr std::size_t kMaxReply = 64 * 1024 * 1024;

class XendClient {
public:
    // The socket: XM_SERVER ("httpu:///path" or "/path") if set, else
    // /var/run/xend/xmlrpc.sock under XVM_ROOT. A malformed XM_SERVER is a
    // usage failure naming it.
    static Expected<std::string> socket_from_environment();

    explicit XendClient(std::string socket_path);
    ~XendClient();
    XendClient(const XendClient&) = delete;
    XendClient& operator=(const XendClient&) = delete;

    const std::string& socket_path() const { return socket_; }

    // One method call; a string result is unescaped as xm's conv_string()
    // did (XEND.md 1.1).
    Expected<rpc::Value> call(std::string_view method, std::vector<rpc::Value> params = {});
    // A call whose result is an S-expression (nested arrays).
    Expected<rpc::Sexpr> call_sexpr(std::string_view method, std::vector<rpc::Value> params = {});

private:
    Expected<std::string> post(const std::string& body);

    std::string socket_;
    struct Curl;
    std::unique_ptr<Curl> curl_;
};

}  // namespace xvm::xm
