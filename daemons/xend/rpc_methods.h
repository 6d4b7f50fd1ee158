// The XML-RPC methods xend serves (XEND.md section 1.3): one constexpr
// table of method name -> argument shape -> operation of Xend (xend.h),
// and the one place where an outcome becomes a wire answer:
//
//   fault 1  (internal)        wrong argument count or type, a result
//                              that cannot be sent; text says which
//   fault 2  (xend error)      a refused operation; text is xm's message
//   fault 3  (invalid domain)  no such domain; text is the key as given
//
// An unknown method is not a fault, as in xend 3.x: the answer is the
// struct {Status: "Failure", ErrorDescription: ["MESSAGE_METHOD_UNKNOWN",
// <name>]}. String results travel as Python's repr() without quotes (the
// original's quirk, undone by xm). Methods xend 3.x had but this one does
// not implement (save, restore, migrate, devices) answer fault 2 saying so.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "daemons/xend/xend.h"
#include "lib/priv/ucred.h"
#include "lib/rpc/xmlrpc.h"

namespace xvm::xend {

using RpcReply = std::function<void(rpc::Response)>;

// Runs `call` from `peer`; `reply` is called exactly once, now or after
// the operation's job finished.
void dispatch_rpc(Xend& xend, const rpc::MethodCall& call, const PeerCred& peer, RpcReply reply);

// Every method name of the table (system.listMethods).
std::vector<std::string> rpc_method_names();

// The fault for an operation's error (code kNoSuchDomain -> 3, else 2).
rpc::Fault fault_for(const Error& e);

}  // namespace xvm::xend
