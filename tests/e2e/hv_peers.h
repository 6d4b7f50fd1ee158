// Test stand-ins for the dom0 daemons a guest talks to, built on the real
// hypervisor interface and ring code: a console reader (xenconsoled's
// part) and a minimal xenstore server (xenstored's part) on one guest's
// rings. Used by the hvsim end-to-end tests and the bench.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/xen/hypervisor.h"
#include "lib/xen/ring.h"
#include "lib/xen/xs_wire.h"

namespace xvm::test {

class ConsolePeer {
  public:
    static Result<ConsolePeer> attach(Hypervisor& hv, DomId dom);
    int fd() const { return channel_->fd(); }
    // Reads what the guest wrote; true if anything new arrived.
    bool pump();
    void type(const std::string& text);
    // All output so far.
    std::string& text() { return text_; }
    std::uint64_t bytes() const { return bytes_; }
    void keep_text(bool keep) { keep_text_ = keep; }

  private:
    Mapping page_;
    std::unique_ptr<EventChannel> channel_;
    std::string text_;
    std::uint64_t bytes_ = 0;
    bool keep_text_ = true;
};

class XenstorePeer {
  public:
    static Result<XenstorePeer> attach(Hypervisor& hv, DomId dom);
    int fd() const { return channel_->fd(); }
    // Serves every complete request in the ring; false on a protocol error.
    bool pump();
    // Sets a node and fires the watches on it, as xenstored does.
    void set(const std::string& path, const std::string& value);
    std::map<std::string, std::string>& store() { return store_; }
    // Request types seen so far, in order ("GET_DOMAIN_PATH", "WRITE", ...).
    const std::vector<std::string>& seen() const { return seen_; }

  private:
    void reply(std::uint32_t type, std::uint32_t req_id, const std::string& payload);
    void handle(const XsMessage& m);

    DomId dom_ = 0;
    Mapping page_;
    std::unique_ptr<EventChannel> channel_;
    std::string in_;
    std::string out_;
    std::map<std::string, std::string> store_;
    std::vector<std::pair<std::string, std::string>> watches_;
    std::vector<std::string> seen_;
};

}  // namespace xvm::test
