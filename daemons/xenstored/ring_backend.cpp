#include "daemons/xenstored/ring_backend.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "lib/base/format.h"
#include "lib/base/unique_fd.h"

namespace xvm::xs {
namespace {

class HypervisorRings : public RingBackend {
public:
    explicit HypervisorRings(std::unique_ptr<Hypervisor> hv) : hv_(std::move(hv)) {}
    Result<RingEndpoint> connect(DomainId dom, std::uint64_t, std::uint32_t port) override {
        Result<Mapping> page = hv_->map_xenstore_page(dom);
        if (!page) return std::move(page).error();
        auto chan = hv_->evtchn_bind_interdomain(dom, port);
        if (!chan) return std::move(chan).error();
        return RingEndpoint{std::move(*page), std::move(*chan)};
    }

    Result<std::unique_ptr<DomainEvents>> domain_events() override {
        return hv_->subscribe_domain_events();
    }
    bool domain_ended(DomainId dom) override {
        Result<DomainInfo> info = hv_->domain_info(dom);
        if (!info) return info.error().code == ESRCH;
        return info->shutdown || info->crashed || info->dying;
    }
    bool domain_gone(DomainId dom) override {
        Result<DomainInfo> info = hv_->domain_info(dom);
        if (!info) return info.error().code == ESRCH;
        return info->dying;
    }
    Result<RingEndpoint> connect_local_kernel() override {
        Result<Mapping> page = hv_->map_local_xenstore_page();
        if (!page) return std::move(page).error();
        Result<std::uint32_t> port = hv_->local_xenstore_port();
        if (!port) return std::move(port).error();
        // The kernel allocated the port with dom0 itself as remote end.
        auto chan = hv_->evtchn_bind_interdomain(kDom0, *port);
        if (!chan) return std::move(chan).error().context(cat("dom0 kernel ring port ", *port));
        return RingEndpoint{std::move(*page), std::move(*chan)};
    }

private:
    std::unique_ptr<Hypervisor> hv_;
};

class FifoChannel : public EventChannel {
public:
    FifoChannel(UniqueFd in, UniqueFd out) : in_(std::move(in)), out_(std::move(out)) {}
    std::uint32_t local_port() const override { return 0; }
    int fd() const override { return in_.get(); }
    Status notify() override {
        char b = 1;
        // A full FIFO already holds a pending notification: nothing lost.
        if (::write(out_.get(), &b, 1) < 0 && errno != EAGAIN)
            return errno_error("event channel notify");
        return {};
    }
    Status ack() override {
        char buf[256];
        while (::read(in_.get(), buf, sizeof buf) > 0) {
        }
        return {};
    }

private:
    UniqueFd in_, out_;
};

class FileRings : public RingBackend {
public:
    explicit FileRings(std::string dir) : dir_(std::move(dir)) {}
    Result<RingEndpoint> connect(DomainId dom, std::uint64_t, std::uint32_t) override {
        std::string base = cat(dir_, "/", dom);
        UniqueFd fd(::open((base + ".page").c_str(), O_RDWR | O_CLOEXEC));
        if (!fd) return errno_error(cat("cannot open ring page ", base, ".page"));
        Result<Mapping> page = Mapping::map_shared(fd.get(), kPageSize, PROT_READ | PROT_WRITE);
        if (!page) return std::move(page).error();
        auto chan = fifo_event_channel(base + ".up", base + ".down");
        if (!chan) return std::move(chan).error();
        return RingEndpoint{std::move(*page), std::move(*chan)};
    }

private:
    std::string dir_;
};

}  // namespace

std::unique_ptr<RingBackend> hypervisor_rings(std::unique_ptr<Hypervisor> hv) {
    return std::make_unique<HypervisorRings>(std::move(hv));
}

std::unique_ptr<RingBackend> file_rings(std::string dir) {
    return std::make_unique<FileRings>(std::move(dir));
}

Result<std::unique_ptr<EventChannel>> fifo_event_channel(const std::string& listen,
                                                         const std::string& notify) {
    // O_RDWR keeps each FIFO open from both ends: no EOF when the peer
    // goes away, and opening never blocks.
    UniqueFd in(::open(listen.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!in) return errno_error(cat("cannot open event channel ", listen));
    UniqueFd out(::open(notify.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!out) return errno_error(cat("cannot open event channel ", notify));
    return std::unique_ptr<EventChannel>(std::make_unique<FifoChannel>(std::move(in), std::move(out)));
}

}  // namespace xvm::xs
