// The sim backend of the hypervisor interface: one blocking connection to
// hvsim, one request at a time (a mutex keeps threads from interleaving).
// Event channels and the domain-event subscription are eventfds passed
// back by hvsim: notify() and ack() are direct system calls that never go
// through hvsim. Dump files are opened here, with the caller's authority,
// and handed to hvsim as descriptors.
//
// Lifetimes: dom0 ports bound through this object, and the subscription,
// belong to its connection - they end when the Hypervisor is destroyed.
#include "lib/xen/hv_sim.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <mutex>

#include "lib/base/fd_passing.h"
#include "lib/base/format.h"
#include "lib/xen/hv_proto.h"
#include "lib/base/unix_socket.h"

namespace xvm {
namespace {

// The longest any request takes is a destroy (hvsim waits up to 5 s for the
// guest process to die) or a dump of a large memory image; a client must
// not hang forever on a stuck hvsim.
constexpr std::chrono::seconds kReplyTimeout{60};

HvRequest request(HvOp op, DomId dom = kDom0) {
    HvRequest q;
    q.op = op;
    q.dom = dom;
    return q;
}

Status write_one(int fd) {
    const std::uint64_t one = 1;
    if (::write(fd, &one, sizeof one) < 0 && errno != EAGAIN) return errno_error("cannot notify");
    return {};
}

Status drain(int fd) {
    std::uint64_t count;
    if (::read(fd, &count, sizeof count) < 0 && errno != EAGAIN) return errno_error("cannot ack");
    return {};
}

class SimEventChannel final : public EventChannel {
  public:
    SimEventChannel(std::uint32_t port, UniqueFd wait, UniqueFd notify)
        : port_(port), wait_(std::move(wait)), notify_(std::move(notify)) {}
    std::uint32_t local_port() const override { return port_; }
    int fd() const override { return wait_.get(); }
    Status notify() override { return write_one(notify_.get()); }
    Status ack() override { return drain(wait_.get()); }

  private:
    std::uint32_t port_;
    UniqueFd wait_;
    UniqueFd notify_;
};

class SimDomainEvents final : public DomainEvents {
  public:
    explicit SimDomainEvents(UniqueFd fd) : fd_(std::move(fd)) {}
    int fd() const override { return fd_.get(); }
    Status ack() override { return drain(fd_.get()); }

  private:
    UniqueFd fd_;
};

struct Reply {
    std::string payload;
    std::vector<UniqueFd> fds;
};

class SimHypervisor final : public Hypervisor {
  public:
    explicit SimHypervisor(UniqueFd sock) : sock_(std::move(sock)) {}

    Result<Reply> call(const HvRequest& q, int fd = -1);
    Result<std::uint32_t> call_u32(const HvRequest& q, int fd = -1);
    Status call_status(const HvRequest& q, int fd = -1);

    Result<PhysInfo> physinfo() override;
    Result<DomId> domain_create(const DomainConfig& config) override;
    Status domain_destroy(DomId dom) override { return simple(HvOp::kDomainDestroy, dom); }
    Status domain_pause(DomId dom) override { return simple(HvOp::kDomainPause, dom); }
    Status domain_unpause(DomId dom) override { return simple(HvOp::kDomainUnpause, dom); }
    Status domain_shutdown(DomId dom, ShutdownReason reason) override;
    Result<DomainInfo> domain_info(DomId dom) override;
    Result<std::vector<DomainInfo>> domain_list() override;
    Status set_max_memory(DomId dom, std::uint64_t kib) override;
    Status set_memory_target(DomId dom, std::uint64_t kib) override;
    Status set_vcpus_online(DomId dom, std::uint32_t count) override;
    Status set_vcpu_affinity(DomId dom, std::uint32_t vcpu,
                             const std::vector<std::uint32_t>& cpus) override;
    Result<std::vector<VcpuInfo>> vcpu_info(DomId dom) override;
    Result<std::uint32_t> evtchn_alloc_unbound(DomId dom, DomId remote) override;
    Result<std::unique_ptr<EventChannel>> evtchn_bind_interdomain(DomId remote,
                                                                  std::uint32_t port) override;
    Result<Mapping> map_xenstore_page(DomId dom) override {
        return map_page(dom, HvPage::kXenstore);
    }
    Result<Mapping> map_console_page(DomId dom) override { return map_page(dom, HvPage::kConsole); }
    Status core_dump(DomId dom, int fd) override;
    Status save(DomId dom, const std::string& path) override;
    Result<DomId> restore(const std::string& path) override;
    Result<std::unique_ptr<DomainEvents>> subscribe_domain_events() override;

  private:
    Status simple(HvOp op, DomId dom) { return call_status(request(op, dom)); }
    Result<Mapping> map_page(DomId dom, HvPage page);
    Status dump_to(HvOp op, DomId dom, const std::string& path);
    Result<Reply> read_reply(std::string_view op);

    std::mutex mu_;
    UniqueFd sock_;
    std::string in_;
};

Result<Reply> SimHypervisor::read_reply(std::string_view op) {
    Reply reply;
    char buf[16 * 1024];
    for (;;) {
        auto frame = hv_parse_frame(in_);
        if (!frame) return frame.error().context(cat("hvsim ", op));
        if (*frame) {
            std::uint32_t code = (*frame)->code;
            reply.payload = std::string((*frame)->payload);
            in_.erase(0, (*frame)->wire_size());
            if (code != 0) return make_error(reply.payload, static_cast<int>(code));
            return reply;
        }
        auto n = recv_with_fds(sock_.get(), buf, reply.fds);
        if (!n && n.error().code == EAGAIN)
            return make_error(cat("hvsim ", op, ": no answer within ", kReplyTimeout.count(), " s"),
                              ETIMEDOUT);
        if (!n) return n.error().context(cat("hvsim ", op));
        if (*n == 0) return make_error(cat("hvsim ", op, ": hvsim closed the connection"), EPIPE);
        in_.append(buf, *n);
    }
}

Result<Reply> SimHypervisor::call(const HvRequest& q, int fd) {
    std::lock_guard lock(mu_);
    std::string_view name = hv_op_name(static_cast<std::uint32_t>(q.op));
    std::string frame = hv_encode_request(q);
    std::vector<int> fds;
    if (fd >= 0) fds.push_back(fd);
    if (Status sent = send_with_fds(sock_.get(), frame, fds); !sent) {
        // A refused peer finds hvsim's EPERM reply waiting and the
        // connection closed: report the refusal, not the broken pipe.
        auto refusal = read_reply(name);
        if (!refusal && refusal.error().code != EPIPE) return refusal;
        return sent.error().context(cat("hvsim ", name));
    }
    return read_reply(name);
}

Result<std::uint32_t> SimHypervisor::call_u32(const HvRequest& q, int fd) {
    auto reply = call(q, fd);
    if (!reply) return std::move(reply).error();
    WireReader r(reply->payload, cat(hv_op_name(static_cast<std::uint32_t>(q.op)), " reply"));
    std::uint32_t v = r.u32("value");
    if (Status s = r.finish(); !s) return std::move(s).error();
    return v;
}

Status SimHypervisor::call_status(const HvRequest& q, int fd) {
    auto reply = call(q, fd);
    if (!reply) return std::move(reply).error();
    return {};
}

Result<PhysInfo> SimHypervisor::physinfo() {
    HvRequest q = request(HvOp::kPhysinfo);
    auto reply = call(q);
    if (!reply) return std::move(reply).error();
    WireReader r(reply->payload, "PHYSINFO reply");
    PhysInfo info = hv_get_physinfo(r);
    if (Status s = r.finish(); !s) return std::move(s).error();
    return info;
}

Result<DomId> SimHypervisor::domain_create(const DomainConfig& config) {
    HvRequest q = request(HvOp::kDomainCreate);
    q.config = config;
    return call_u32(q);
}

Status SimHypervisor::domain_shutdown(DomId dom, ShutdownReason reason) {
    HvRequest q = request(HvOp::kDomainShutdown, dom);
    q.reason = reason;
    return call_status(q);
}

Result<DomainInfo> SimHypervisor::domain_info(DomId dom) {
    HvRequest q = request(HvOp::kDomainInfo, dom);
    auto reply = call(q);
    if (!reply) return std::move(reply).error();
    WireReader r(reply->payload, "DOMAIN_INFO reply");
    DomainInfo info = hv_get_info(r);
    if (Status s = r.finish(); !s) return std::move(s).error();
    return info;
}

Result<std::vector<DomainInfo>> SimHypervisor::domain_list() {
    HvRequest q = request(HvOp::kDomainList);
    auto reply = call(q);
    if (!reply) return std::move(reply).error();
    WireReader r(reply->payload, "DOMAIN_LIST reply");
    std::uint32_t n = r.u32("count");
    std::vector<DomainInfo> out;
    for (std::uint32_t i = 0; i < n && i < kHvMaxList; ++i) out.push_back(hv_get_info(r));
    if (Status s = r.finish(); !s) return std::move(s).error();
    return out;
}

Status SimHypervisor::set_max_memory(DomId dom, std::uint64_t kib) {
    HvRequest q = request(HvOp::kSetMaxMemory, dom);
    q.kib = kib;
    return call_status(q);
}

Status SimHypervisor::set_memory_target(DomId dom, std::uint64_t kib) {
    HvRequest q = request(HvOp::kSetMemoryTarget, dom);
    q.kib = kib;
    return call_status(q);
}

Status SimHypervisor::set_vcpus_online(DomId dom, std::uint32_t count) {
    HvRequest q = request(HvOp::kSetVcpus, dom);
    q.number = count;
    return call_status(q);
}

Status SimHypervisor::set_vcpu_affinity(DomId dom, std::uint32_t vcpu,
                                        const std::vector<std::uint32_t>& cpus) {
    HvRequest q = request(HvOp::kSetAffinity, dom);
    q.number = vcpu;
    q.cpus = cpus;
    return call_status(q);
}

Result<std::vector<VcpuInfo>> SimHypervisor::vcpu_info(DomId dom) {
    HvRequest q = request(HvOp::kVcpuInfo, dom);
    auto reply = call(q);
    if (!reply) return std::move(reply).error();
    WireReader r(reply->payload, "VCPU_INFO reply");
    std::uint32_t n = r.u32("count");
    std::vector<VcpuInfo> out;
    for (std::uint32_t i = 0; i < n && i < kHvMaxList; ++i) out.push_back(hv_get_vcpu(r));
    if (Status s = r.finish(); !s) return std::move(s).error();
    return out;
}

Result<std::uint32_t> SimHypervisor::evtchn_alloc_unbound(DomId dom, DomId remote) {
    HvRequest q = request(HvOp::kEvtchnAllocUnbound, dom);
    q.remote = remote;
    return call_u32(q);
}

Result<std::unique_ptr<EventChannel>> SimHypervisor::evtchn_bind_interdomain(DomId remote,
                                                                             std::uint32_t port) {
    HvRequest q = request(HvOp::kEvtchnBind);
    q.remote = remote;
    q.number = port;
    auto reply = call(q);
    if (!reply) return std::move(reply).error();
    WireReader r(reply->payload, "EVTCHN_BIND reply");
    std::uint32_t local = r.u32("port");
    if (Status s = r.finish(); !s) return std::move(s).error();
    if (reply->fds.size() != 2)
        return make_error(
            cat("EVTCHN_BIND reply carried ", reply->fds.size(), " descriptors instead of 2"),
            EPROTO);
    return std::unique_ptr<EventChannel>(std::make_unique<SimEventChannel>(
        local, std::move(reply->fds[0]), std::move(reply->fds[1])));
}

Result<Mapping> SimHypervisor::map_page(DomId dom, HvPage page) {
    HvRequest q = request(HvOp::kMapPage, dom);
    q.page = page;
    auto reply = call(q);
    if (!reply) return std::move(reply).error();
    if (reply->fds.size() != 1)
        return make_error(
            cat("MAP_PAGE reply carried ", reply->fds.size(), " descriptors instead of 1"), EPROTO);
    auto m = Mapping::map_shared(reply->fds[0].get(), kPageSize, PROT_READ | PROT_WRITE);
    if (!m) return m.error().context(cat("cannot map a page of domain ", dom));
    return m;
}

Status SimHypervisor::dump_to(HvOp op, DomId dom, const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) return errno_error(cat("cannot create ", path));
    return call_status(request(op, dom), fd.get());
}

Status SimHypervisor::core_dump(DomId dom, int fd) {
    return call_status(request(HvOp::kCoreDump, dom), fd);
}

Status SimHypervisor::save(DomId dom, const std::string& path) {
    return dump_to(HvOp::kSave, dom, path);
}

Result<DomId> SimHypervisor::restore(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return errno_error(cat("cannot open ", path));
    HvRequest q = request(HvOp::kRestore);
    auto dom = call_u32(q, fd.get());
    if (!dom) return dom.error().context(path);
    return dom;
}

Result<std::unique_ptr<DomainEvents>> SimHypervisor::subscribe_domain_events() {
    HvRequest q = request(HvOp::kSubscribe);
    auto reply = call(q);
    if (!reply) return std::move(reply).error();
    if (reply->fds.size() != 1)
        return make_error(
            cat("SUBSCRIBE reply carried ", reply->fds.size(), " descriptors instead of 1"),
            EPROTO);
    return std::unique_ptr<DomainEvents>(
        std::make_unique<SimDomainEvents>(std::move(reply->fds[0])));
}

}  // namespace

Result<std::unique_ptr<Hypervisor>> open_sim_hypervisor(const std::string& socket) {
    auto fd = connect_unix(socket);
    if (!fd) return fd.error().context("cannot reach the simulated hypervisor (is hvsim running?)");
    timeval tv{.tv_sec = kReplyTimeout.count(), .tv_usec = 0};
    if (::setsockopt(fd->get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
        return errno_error("cannot set the hvsim reply timeout");
    auto hv = std::make_unique<SimHypervisor>(std::move(*fd));
    // hvsim refuses peers without xvm_control on their first request: ask
    // now so the refusal is reported here, once, with its reason.
    auto probe = hv->physinfo();
    if (!probe) return probe.error().context(cat("simulated hypervisor at ", socket));
    return std::unique_ptr<Hypervisor>(std::move(hv));
}

}  // namespace xvm
