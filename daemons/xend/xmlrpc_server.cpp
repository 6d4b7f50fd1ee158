#include "daemons/xend/xmlrpc_server.h"

#include "daemons/xend/rpc_methods.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/rpc/xmlrpc.h"

namespace xvm::xend {
namespace {

HttpResponse xml(std::string body) {
    return HttpResponse{.status = 200, .content_type = "text/xml", .body = std::move(body)};
}

HttpResponse encode(const rpc::Response& r) {
    if (r.is_fault()) return xml(rpc::encode_fault(r.fault()));
    auto body = rpc::encode_response(r.value());
    if (body) return xml(std::move(*body));
    return xml(rpc::encode_fault({rpc::kFaultInternal, cat("the result cannot be sent: ", body.error().message)}));
}

}  // namespace

void serve_xmlrpc(Xend& xend, const HttpRequest& req, Responder respond) {
    if (!req.admitted) {
        respond(xml(rpc::encode_fault(
            {rpc::kFaultGeneric, cat("permission denied: xend's XML-RPC socket serves only users holding "
                                     "xvm_control or virt_manage; uid ", req.peer.uid, " holds neither")})));
        return;
    }
    if (req.method != "POST") {
        respond(HttpResponse{.status = 501, .content_type = "text/plain",
                             .body = cat("xend: ", req.method, " is not served here: POST an XML-RPC call\n")});
        return;
    }
    auto call = rpc::decode_call(req.body, rpc::XmlRpcLimits{.max_body = kMaxXmlRpcBody});
    if (!call) {
        log_debug(cat("XML-RPC from uid ", req.peer.uid, " pid ", req.peer.pid, ": ", call.error().message));
        respond(xml(rpc::encode_fault({rpc::kFaultInternal, cat("malformed request: ", call.error().message)})));
        return;
    }
    dispatch_rpc(xend, *call, req.peer, [respond](rpc::Response r) { respond(encode(r)); });
}

}  // namespace xvm::xend
