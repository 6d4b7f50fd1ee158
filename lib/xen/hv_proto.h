// The hvsim socket protocol, shared by the daemon (daemons/hvsim) and its
// client (hv_sim.cpp). Local stream socket, host byte order (both ends are
// on one host), one request then one reply at a time:
//
//   frame  = u32 code, u32 len, len payload bytes      (len <= kHvMaxPayload)
//   request: code = HvOp; reply: code = 0 or an errno value, and on error
//   the payload is the message text.
//
// Descriptors travel by SCM_RIGHTS with the first byte of a frame: requests
// kCoreDump/kSave/kRestore carry the file to write or read (the client
// opens it with its own authority), replies to kEvtchnBind carry the port's
// {wait fd, notify fd} eventfds, kMapPage the page's file, kSubscribe an
// eventfd that becomes readable on every domain state change.
//
// Decoding is length-checked field by field: a payload must hold exactly
// the fields of its op (no more, no less), strings and lists are capped, and
// a bad payload is an EINVAL error naming the op and the field - never a
// crash, never a partial request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/xen/hypervisor.h"
#include "lib/base/result.h"

namespace xvm {

inline constexpr std::size_t kHvHeaderSize = 8;
inline constexpr std::uint32_t kHvMaxPayload = 64 * 1024;
inline constexpr std::size_t kHvMaxString = 4096;
inline constexpr std::uint32_t kHvMaxList = 1024;

enum class HvOp : std::uint32_t {
    kPhysinfo = 1,
    kDomainCreate,
    kDomainDestroy,
    kDomainPause,
    kDomainUnpause,
    kDomainShutdown,
    kDomainInfo,
    kDomainList,
    kSetMaxMemory,
    kSetMemoryTarget,
    kSetVcpus,
    kSetAffinity,
    kVcpuInfo,
    kEvtchnAllocUnbound,
    kEvtchnBind,
    kMapPage,
    kCoreDump,
    kSave,
    kRestore,
    kSubscribe,
    kEnd,  // one past the last op
};

// "DOMAIN_CREATE"; "UNKNOWN" outside the table.
std::string_view hv_op_name(std::uint32_t op);
// True for ops whose request carries one descriptor.
bool hv_op_takes_fd(HvOp op);

enum class HvPage : std::uint8_t { kXenstore = 0, kConsole = 1 };

struct HvFrame {
    std::uint32_t code = 0;
    std::string_view payload;  // points into the parsed buffer
    std::size_t wire_size() const { return kHvHeaderSize + payload.size(); }
};

// The frame at the front of `in`: nullopt while incomplete, an error
// (EPROTO) when the declared length is over kHvMaxPayload.
Result<std::optional<HvFrame>> hv_parse_frame(std::span<const char> in);
void hv_append_frame(std::string& out, std::uint32_t code, std::string_view payload);

// A decoded request: the fields its op uses are set, the others default.
struct HvRequest {
    HvOp op = HvOp::kPhysinfo;
    DomId dom = 0;
    DomId remote = 0;
    std::uint32_t number = 0;  // port, vcpu or vcpu count
    std::uint64_t kib = 0;
    ShutdownReason reason = ShutdownReason::kPoweroff;
    HvPage page = HvPage::kXenstore;
    DomainConfig config;
    std::vector<std::uint32_t> cpus;
};

Result<HvRequest> hv_decode_request(std::uint32_t op, std::string_view payload);
std::string hv_encode_request(const HvRequest& request);

// Little-endian-free field codec (host order) with a sticky failure: after
// the first short read every further read yields 0 and finish() reports the
// field that was missing.
class WireWriter {
  public:
    void u8(std::uint8_t v) { raw(&v, 1); }
    void u32(std::uint32_t v) { raw(&v, 4); }
    void u64(std::uint64_t v) { raw(&v, 8); }
    void str(std::string_view s);
    void raw(const void* p, std::size_t n) { out_.append(static_cast<const char*>(p), n); }
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

class WireReader {
  public:
    WireReader(std::string_view in, std::string_view what) : in_(in), what_(what) {}
    std::uint8_t u8(std::string_view field);
    std::uint32_t u32(std::string_view field);
    std::uint64_t u64(std::string_view field);
    std::string str(std::string_view field, std::size_t max = kHvMaxString);
    void raw(void* out, std::size_t n, std::string_view field);
    // The first error, or trailing bytes, as an EINVAL error.
    Status finish() const;
    void fail(std::string message);

  private:
    bool take(std::size_t n, std::string_view field);
    std::string_view in_;
    std::string what_;
    std::optional<std::string> error_;
};

// Reply payloads.
void hv_put_physinfo(WireWriter& w, const PhysInfo& info);
PhysInfo hv_get_physinfo(WireReader& r);
void hv_put_config(WireWriter& w, const DomainConfig& config);
DomainConfig hv_get_config(WireReader& r);
void hv_put_info(WireWriter& w, const DomainInfo& info);
DomainInfo hv_get_info(WireReader& r);
void hv_put_vcpu(WireWriter& w, const VcpuInfo& info);
VcpuInfo hv_get_vcpu(WireReader& r);

}  // namespace xvm
