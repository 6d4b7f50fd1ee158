#include "lib/xen/hv_proto.h"

#include <array>
#include <cstring>

#include "lib/base/format.h"

namespace xvm {
namespace {

// The payload each request carries: its "size rule".
enum class Shape : std::uint8_t {
    kNone,        // nothing
    kConfig,      // DomainConfig
    kDom,         // u32 domid
    kDomReason,   // u32 domid, u8 reason
    kDomKib,      // u32 domid, u64 KiB
    kDomCount,    // u32 domid, u32 count
    kAffinity,    // u32 domid, u32 vcpu, u32 n, n x u32 cpu
    kDomRemote,   // u32 domid, u32 remote domid
    kRemotePort,  // u32 remote domid, u32 port
    kDomPage,     // u32 domid, u8 page
};

struct OpEntry {
    HvOp op;
    std::string_view name;
    bool takes_fd;
    Shape shape;
};

// op -> name, whether a descriptor rides with the request, payload shape;
// indexed by op.
constexpr std::array<OpEntry, static_cast<std::size_t>(HvOp::kEnd)> kOps = {{
    {HvOp{0}, "UNKNOWN", false, Shape::kNone},
    {HvOp::kPhysinfo, "PHYSINFO", false, Shape::kNone},
    {HvOp::kDomainCreate, "DOMAIN_CREATE", false, Shape::kConfig},
    {HvOp::kDomainDestroy, "DOMAIN_DESTROY", false, Shape::kDom},
    {HvOp::kDomainPause, "DOMAIN_PAUSE", false, Shape::kDom},
    {HvOp::kDomainUnpause, "DOMAIN_UNPAUSE", false, Shape::kDom},
    {HvOp::kDomainShutdown, "DOMAIN_SHUTDOWN", false, Shape::kDomReason},
    {HvOp::kDomainInfo, "DOMAIN_INFO", false, Shape::kDom},
    {HvOp::kDomainList, "DOMAIN_LIST", false, Shape::kNone},
    {HvOp::kSetMaxMemory, "SET_MAX_MEMORY", false, Shape::kDomKib},
    {HvOp::kSetMemoryTarget, "SET_MEMORY_TARGET", false, Shape::kDomKib},
    {HvOp::kSetVcpus, "SET_VCPUS", false, Shape::kDomCount},
    {HvOp::kSetAffinity, "SET_AFFINITY", false, Shape::kAffinity},
    {HvOp::kVcpuInfo, "VCPU_INFO", false, Shape::kDom},
    {HvOp::kEvtchnAllocUnbound, "EVTCHN_ALLOC_UNBOUND", false, Shape::kDomRemote},
    {HvOp::kEvtchnBind, "EVTCHN_BIND", false, Shape::kRemotePort},
    {HvOp::kMapPage, "MAP_PAGE", false, Shape::kDomPage},
    {HvOp::kCoreDump, "CORE_DUMP", true, Shape::kDom},
    {HvOp::kSave, "SAVE", true, Shape::kDom},
    {HvOp::kRestore, "RESTORE", true, Shape::kNone},
    {HvOp::kSubscribe, "SUBSCRIBE", false, Shape::kNone},
}};

constexpr bool table_complete() {
    for (std::size_t i = 1; i < kOps.size(); ++i)
        if (static_cast<std::size_t>(kOps[i].op) != i) return false;
    return true;
}
static_assert(table_complete(), "kOps must list every HvOp in order");

enum InfoFlag : std::uint8_t {
    kRunning = 1,
    kBlocked = 2,
    kPaused = 4,
    kShutdown = 8,
    kCrashed = 16,
    kDying = 32,
    kHvm = 64,
};

}  // namespace

std::string_view hv_op_name(std::uint32_t op) {
    if (op == 0 || op >= kOps.size()) return kOps[0].name;
    return kOps[op].name;
}

bool hv_op_takes_fd(HvOp op) {
    auto i = static_cast<std::size_t>(op);
    return i < kOps.size() && kOps[i].takes_fd;
}

Result<std::optional<HvFrame>> hv_parse_frame(std::span<const char> in) {
    if (in.size() < kHvHeaderSize) return std::optional<HvFrame>();
    std::uint32_t code, len;
    std::memcpy(&code, in.data(), 4);
    std::memcpy(&len, in.data() + 4, 4);
    if (len > kHvMaxPayload)
        return make_error(cat("hvsim frame declares ", len, " payload bytes, more than the ",
                              kHvMaxPayload, "-byte limit"),
                          EPROTO);
    if (in.size() - kHvHeaderSize < len) return std::optional<HvFrame>();
    return std::optional<HvFrame>(HvFrame{code, std::string_view(in.data() + kHvHeaderSize, len)});
}

void hv_append_frame(std::string& out, std::uint32_t code, std::string_view payload) {
    auto len = static_cast<std::uint32_t>(payload.size());
    out.append(reinterpret_cast<const char*>(&code), 4);
    out.append(reinterpret_cast<const char*>(&len), 4);
    out.append(payload);
}

void WireWriter::str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
}

bool WireReader::take(std::size_t n, std::string_view field) {
    if (error_) return false;
    if (in_.size() < n) {
        error_ = cat(what_, ": payload ends before field ", field);
        return false;
    }
    return true;
}

void WireReader::raw(void* out, std::size_t n, std::string_view field) {
    if (!take(n, field)) {
        std::memset(out, 0, n);
        return;
    }
    std::memcpy(out, in_.data(), n);
    in_.remove_prefix(n);
}

std::uint8_t WireReader::u8(std::string_view field) {
    std::uint8_t v;
    raw(&v, 1, field);
    return v;
}

std::uint32_t WireReader::u32(std::string_view field) {
    std::uint32_t v;
    raw(&v, 4, field);
    return v;
}

std::uint64_t WireReader::u64(std::string_view field) {
    std::uint64_t v;
    raw(&v, 8, field);
    return v;
}

std::string WireReader::str(std::string_view field, std::size_t max) {
    std::uint32_t len = u32(field);
    if (error_) return {};
    if (len > max) {
        fail(cat("field ", field, " is ", len, " bytes, more than the limit of ", max));
        return {};
    }
    if (!take(len, field)) return {};
    std::string s(in_.substr(0, len));
    in_.remove_prefix(len);
    return s;
}

void WireReader::fail(std::string message) {
    if (!error_) error_ = cat(what_, ": ", message);
}

Status WireReader::finish() const {
    if (error_) return make_error(*error_);
    if (!in_.empty())
        return make_error(cat(what_, ": ", in_.size(), " unexpected bytes after the last field"));
    return {};
}

void hv_put_physinfo(WireWriter& w, const PhysInfo& info) {
    w.u32(info.nr_cpus);
    w.u64(info.total_kib);
    w.u64(info.free_kib);
}

PhysInfo hv_get_physinfo(WireReader& r) {
    PhysInfo info;
    info.nr_cpus = r.u32("nr_cpus");
    info.total_kib = r.u64("total_kib");
    info.free_kib = r.u64("free_kib");
    return info;
}

void hv_put_config(WireWriter& w, const DomainConfig& c) {
    w.raw(c.uuid.data(), c.uuid.size());
    w.u64(c.memory_kib);
    w.u64(c.max_memory_kib);
    w.u32(c.vcpus);
    w.u8(c.hvm ? 1 : 0);
    w.u32(c.ssidref);
    w.str(c.kernel);
    w.str(c.cmdline);
}

DomainConfig hv_get_config(WireReader& r) {
    DomainConfig c;
    r.raw(c.uuid.data(), c.uuid.size(), "uuid");
    c.memory_kib = r.u64("memory_kib");
    c.max_memory_kib = r.u64("max_memory_kib");
    c.vcpus = r.u32("vcpus");
    std::uint8_t hvm = r.u8("hvm");
    if (hvm > 1) r.fail(cat("field hvm is ", unsigned{hvm}, ", not 0 or 1"));
    c.hvm = hvm == 1;
    c.ssidref = r.u32("ssidref");
    c.kernel = r.str("kernel");
    c.cmdline = r.str("cmdline");
    return c;
}

void hv_put_info(WireWriter& w, const DomainInfo& i) {
    w.u32(i.domid);
    w.raw(i.uuid.data(), i.uuid.size());
    std::uint8_t flags = (i.running ? kRunning : 0) | (i.blocked ? kBlocked : 0) |
                         (i.paused ? kPaused : 0) | (i.shutdown ? kShutdown : 0) |
                         (i.crashed ? kCrashed : 0) | (i.dying ? kDying : 0) | (i.hvm ? kHvm : 0);
    w.u8(flags);
    w.u8(static_cast<std::uint8_t>(i.shutdown_reason));
    w.u64(i.memory_kib);
    w.u64(i.max_memory_kib);
    w.u32(i.max_vcpus);
    w.u32(i.vcpus_online);
    w.u64(i.cpu_time_ns);
    w.u32(i.ssidref);
    w.u32(i.store_port);
    w.u32(i.console_port);
}

DomainInfo hv_get_info(WireReader& r) {
    DomainInfo i;
    i.domid = r.u32("domid");
    r.raw(i.uuid.data(), i.uuid.size(), "uuid");
    std::uint8_t flags = r.u8("flags");
    i.running = flags & kRunning;
    i.blocked = flags & kBlocked;
    i.paused = flags & kPaused;
    i.shutdown = flags & kShutdown;
    i.crashed = flags & kCrashed;
    i.dying = flags & kDying;
    i.hvm = flags & kHvm;
    std::uint8_t reason = r.u8("shutdown_reason");
    if (reason > static_cast<std::uint8_t>(ShutdownReason::kWatchdog))
        r.fail(cat("shutdown reason ", unsigned{reason}, " is not in 0..4"));
    i.shutdown_reason = static_cast<ShutdownReason>(reason);
    i.memory_kib = r.u64("memory_kib");
    i.max_memory_kib = r.u64("max_memory_kib");
    i.max_vcpus = r.u32("max_vcpus");
    i.vcpus_online = r.u32("vcpus_online");
    i.cpu_time_ns = r.u64("cpu_time_ns");
    i.ssidref = r.u32("ssidref");
    i.store_port = r.u32("store_port");
    i.console_port = r.u32("console_port");
    return i;
}

void hv_put_vcpu(WireWriter& w, const VcpuInfo& v) {
    w.u32(v.vcpu);
    w.u8(static_cast<std::uint8_t>((v.online ? 1 : 0) | (v.running ? 2 : 0) | (v.blocked ? 4 : 0)));
    w.u64(v.cpu_time_ns);
    w.u32(static_cast<std::uint32_t>(v.cpu));
    w.u32(static_cast<std::uint32_t>(v.affinity.size()));
    for (std::uint32_t cpu : v.affinity) w.u32(cpu);
}

VcpuInfo hv_get_vcpu(WireReader& r) {
    VcpuInfo v;
    v.vcpu = r.u32("vcpu");
    std::uint8_t flags = r.u8("vcpu flags");
    v.online = flags & 1;
    v.running = flags & 2;
    v.blocked = flags & 4;
    v.cpu_time_ns = r.u64("cpu_time_ns");
    v.cpu = static_cast<std::int32_t>(r.u32("cpu"));
    std::uint32_t n = r.u32("affinity count");
    if (n > kHvMaxList) {
        r.fail(cat("affinity lists ", n, " CPUs, more than the limit of ", kHvMaxList));
        return v;
    }
    for (std::uint32_t k = 0; k < n; ++k) v.affinity.push_back(r.u32("affinity cpu"));
    return v;
}

Result<HvRequest> hv_decode_request(std::uint32_t code, std::string_view payload) {
    if (code == 0 || code >= static_cast<std::uint32_t>(HvOp::kEnd))
        return make_error(cat("unknown hvsim operation ", code), ENOSYS);
    HvRequest q;
    q.op = static_cast<HvOp>(code);
    WireReader r(payload, cat(hv_op_name(code), " request"));
    switch (kOps[code].shape) {
        case Shape::kNone:
            break;
        case Shape::kConfig:
            q.config = hv_get_config(r);
            break;
        case Shape::kDom:
            q.dom = r.u32("domid");
            break;
        case Shape::kDomReason: {
            q.dom = r.u32("domid");
            std::uint8_t reason = r.u8("reason");
            if (reason > static_cast<std::uint8_t>(ShutdownReason::kWatchdog))
                r.fail(cat("shutdown reason ", unsigned{reason}, " is not in 0..4"));
            q.reason = static_cast<ShutdownReason>(reason);
            break;
        }
        case Shape::kDomKib:
            q.dom = r.u32("domid");
            q.kib = r.u64("kib");
            break;
        case Shape::kDomCount:
            q.dom = r.u32("domid");
            q.number = r.u32("count");
            break;
        case Shape::kAffinity: {
            q.dom = r.u32("domid");
            q.number = r.u32("vcpu");
            std::uint32_t n = r.u32("cpu count");
            if (n > kHvMaxList) {
                r.fail(cat("affinity lists ", n, " CPUs, more than the limit of ", kHvMaxList));
                break;
            }
            for (std::uint32_t k = 0; k < n; ++k) q.cpus.push_back(r.u32("cpu"));
            break;
        }
        case Shape::kDomRemote:
            q.dom = r.u32("domid");
            q.remote = r.u32("remote domid");
            break;
        case Shape::kRemotePort:
            q.remote = r.u32("remote domid");
            q.number = r.u32("remote port");
            break;
        case Shape::kDomPage: {
            q.dom = r.u32("domid");
            std::uint8_t page = r.u8("page");
            if (page > 1)
                r.fail(cat("page ", unsigned{page}, " is neither xenstore (0) nor console (1)"));
            q.page = static_cast<HvPage>(page);
            break;
        }
    }
    if (Status done = r.finish(); !done) return std::move(done).error();
    return q;
}

std::string hv_encode_request(const HvRequest& q) {
    WireWriter w;
    auto code = static_cast<std::uint32_t>(q.op);
    Shape shape = code < kOps.size() ? kOps[code].shape : Shape::kNone;
    switch (shape) {
        case Shape::kNone:
            break;
        case Shape::kConfig:
            hv_put_config(w, q.config);
            break;
        case Shape::kDom:
            w.u32(q.dom);
            break;
        case Shape::kDomReason:
            w.u32(q.dom);
            w.u8(static_cast<std::uint8_t>(q.reason));
            break;
        case Shape::kDomKib:
            w.u32(q.dom);
            w.u64(q.kib);
            break;
        case Shape::kDomCount:
            w.u32(q.dom);
            w.u32(q.number);
            break;
        case Shape::kAffinity:
            w.u32(q.dom);
            w.u32(q.number);
            w.u32(static_cast<std::uint32_t>(q.cpus.size()));
            for (std::uint32_t cpu : q.cpus) w.u32(cpu);
            break;
        case Shape::kDomRemote:
            w.u32(q.dom);
            w.u32(q.remote);
            break;
        case Shape::kRemotePort:
            w.u32(q.remote);
            w.u32(q.number);
            break;
        case Shape::kDomPage:
            w.u32(q.dom);
            w.u8(static_cast<std::uint8_t>(q.page));
            break;
    }
    std::string out;
    hv_append_frame(out, code, w.take());
    return out;
}

}  // namespace xvm
