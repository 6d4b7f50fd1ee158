#include "daemons/hvsim/server.h"

#include <sys/epoll.h>

#include "lib/base/fd_passing.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/unix_socket.h"

namespace xvm::hvsim {
namespace {

// Per-connection input cap: one maximal frame. A well-behaved client never
// has more than one request outstanding.
constexpr std::size_t kMaxInput = kHvHeaderSize + kHvMaxPayload;

Server::Reply error_reply(const Error& error) {
    return {error.code == 0 ? EINVAL : error.code, error.message, {}};
}

Server::Reply ok_reply(std::string payload = {}) {
    return {0, std::move(payload), {}};
}

Server::Reply from(const Status& status) {
    return status ? ok_reply() : error_reply(status.error());
}

std::string put_u32(std::uint32_t v) {
    WireWriter w;
    w.u32(v);
    return w.take();
}

}  // namespace

Server::~Server() {
    for (auto& [id, conn] : conns_) loop_.remove_fd(conn.fd.get());
}

Status Server::start() {
    auto control = db_.names().set_of({"xvm_control"});
    if (!control) return control.error().context("hvsim: privilege table");
    control_ = *control;
    auto refuse = [](UniqueFd fd, PeerCred) {
        std::string frame;
        hv_append_frame(frame, EPERM,
                        "permission denied: hvsim answers only peers holding xvm_control");
        // Best effort: the peer is going away either way.
        (void)send_with_fds(fd.get(), frame, {});
    };
    auto admit = [this](UniqueFd fd, PeerCred peer) { on_admitted(std::move(fd), std::move(peer)); };
    auto l = PeerListener::start(loop_, std::move(listen_), db_,
                                 {"the simulated hypervisor's socket", control_}, admit, refuse);
    if (!l) return std::move(l).error();
    listener_ = std::move(*l);
    return {};
}

void Server::on_admitted(UniqueFd fd, PeerCred peer) {
    std::uint64_t id = next_id_++;
    int raw = fd.get();
    conns_.emplace(id, Conn{std::move(fd), std::move(peer), {}, {}});
    Status added = loop_.add_fd(raw, EPOLLIN, [this, id](std::uint32_t) { return on_readable(id); });
    if (!added) {
        log_error(added.error());
        conns_.erase(id);
    }
}

void Server::close_conn(std::uint64_t id) {
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    loop_.remove_fd(it->second.fd.get());
    sim_.release_owner(id);
    conns_.erase(it);
}

Status Server::on_readable(std::uint64_t id) {
    Conn& conn = conns_.at(id);
    char buf[16 * 1024];
    std::size_t room = std::min(sizeof buf, kMaxInput - conn.in.size());
    auto n = recv_with_fds(conn.fd.get(), std::span<char>(buf, room), conn.fds);
    if (!n && n.error().code == EAGAIN) return {};
    if (!n || *n == 0 || conn.fds.size() > kMaxPassedFds) {
        close_conn(id);
        return {};
    }
    conn.in.append(buf, *n);
    for (;;) {
        auto frame = hv_parse_frame(conn.in);
        if (!frame) {
            log_warnx(cat("hvsim: peer uid ", conn.peer.uid, " pid ", conn.peer.pid,
                          " broke framing (", frame.error().message, "): disconnected"));
            close_conn(id);
            return {};
        }
        if (!*frame) return {};
        Reply reply;
        auto request = hv_decode_request((*frame)->code, (*frame)->payload);
        std::size_t used = (*frame)->wire_size();
        if (!request) {
            log_warnx(cat("hvsim: bad request from uid ", conn.peer.uid, " pid ", conn.peer.pid,
                          ": ", request.error().message));
            reply = error_reply(request.error());
        } else {
            reply = dispatch(conn, id, *request);
        }
        conn.in.erase(0, used);
        std::string out;
        hv_append_frame(out, static_cast<std::uint32_t>(reply.code), reply.payload);
        if (Status sent = send_with_fds(conn.fd.get(), out, reply.fds); !sent) {
            close_conn(id);
            return {};
        }
    }
}

Server::Reply Server::dispatch(Conn& conn, std::uint64_t id, const HvRequest& q) {
    log_debug(cat("hvsim: ", hv_op_name(static_cast<std::uint32_t>(q.op)), " from uid ",
                  conn.peer.uid, " pid ", conn.peer.pid));
    UniqueFd file;
    if (hv_op_takes_fd(q.op)) {
        if (conn.fds.empty())
            return error_reply(make_error(cat(hv_op_name(static_cast<std::uint32_t>(q.op)),
                                              " needs a file descriptor; none was sent"),
                                          EBADF));
        file = std::move(conn.fds.front());
        conn.fds.erase(conn.fds.begin());
    }
    switch (q.op) {
        case HvOp::kCoreDump:
            return from(sim_.core_dump(q.dom, file.get()));
        case HvOp::kSave:
            return from(sim_.save(q.dom, file.get()));
        case HvOp::kRestore: {
            auto dom = sim_.restore(file.get());
            return dom ? ok_reply(put_u32(*dom)) : error_reply(dom.error());
        }
        case HvOp::kEvtchnAllocUnbound:
        case HvOp::kEvtchnBind:
        case HvOp::kMapPage:
        case HvOp::kSubscribe:
            return dispatch_channels(conn, id, q);
        case HvOp::kSetMaxMemory:
        case HvOp::kSetMemoryTarget:
        case HvOp::kSetVcpus:
        case HvOp::kSetAffinity:
        case HvOp::kVcpuInfo:
            return dispatch_memory_vcpus(q);
        default:
            return dispatch_domain(q);
    }
}

Server::Reply Server::dispatch_domain(const HvRequest& q) {
    WireWriter w;
    switch (q.op) {
        case HvOp::kPhysinfo:
            hv_put_physinfo(w, sim_.physinfo());
            return ok_reply(w.take());
        case HvOp::kDomainCreate: {
            auto dom = sim_.create_domain(q.config);
            return dom ? ok_reply(put_u32(*dom)) : error_reply(dom.error());
        }
        case HvOp::kDomainDestroy:
            return from(sim_.destroy(q.dom));
        case HvOp::kDomainPause:
            return from(sim_.pause(q.dom));
        case HvOp::kDomainUnpause:
            return from(sim_.unpause(q.dom));
        case HvOp::kDomainShutdown:
            return from(sim_.shutdown(q.dom, q.reason));
        case HvOp::kDomainInfo: {
            auto info = sim_.info(q.dom);
            if (!info) return error_reply(info.error());
            hv_put_info(w, *info);
            return ok_reply(w.take());
        }
        case HvOp::kDomainList: {
            auto list = sim_.list();
            w.u32(static_cast<std::uint32_t>(list.size()));
            for (const auto& info : list) hv_put_info(w, info);
            return ok_reply(w.take());
        }
        default:
            return error_reply(make_error(
                cat("operation ", hv_op_name(static_cast<std::uint32_t>(q.op)), " is not handled"),
                ENOSYS));
    }
}

Server::Reply Server::dispatch_memory_vcpus(const HvRequest& q) {
    switch (q.op) {
        case HvOp::kSetMaxMemory:
            return from(sim_.set_max_memory(q.dom, q.kib));
        case HvOp::kSetMemoryTarget:
            return from(sim_.set_memory_target(q.dom, q.kib));
        case HvOp::kSetVcpus:
            return from(sim_.set_vcpus(q.dom, q.number));
        case HvOp::kSetAffinity:
            return from(sim_.set_affinity(q.dom, q.number, q.cpus));
        case HvOp::kVcpuInfo: {
            auto vcpus = sim_.vcpu_info(q.dom);
            if (!vcpus) return error_reply(vcpus.error());
            WireWriter w;
            w.u32(static_cast<std::uint32_t>(vcpus->size()));
            for (const auto& v : *vcpus) hv_put_vcpu(w, v);
            return ok_reply(w.take());
        }
        default:
            return error_reply(make_error("not a memory or vcpu operation", ENOSYS));
    }
}

Server::Reply Server::dispatch_channels(Conn&, std::uint64_t id, const HvRequest& q) {
    switch (q.op) {
        case HvOp::kEvtchnAllocUnbound: {
            auto port = sim_.alloc_unbound(q.dom, q.remote);
            return port ? ok_reply(put_u32(*port)) : error_reply(port.error());
        }
        case HvOp::kEvtchnBind: {
            auto fds = sim_.bind(id, q.remote, q.number);
            if (!fds) return error_reply(fds.error());
            return {0, put_u32(fds->port), {fds->wait_fd, fds->notify_fd}};
        }
        case HvOp::kMapPage: {
            auto fd = sim_.page_fd(q.dom, q.page);
            if (!fd) return error_reply(fd.error());
            return {0, {}, {*fd}};
        }
        case HvOp::kSubscribe: {
            auto fd = sim_.subscribe(id);
            if (!fd) return error_reply(fd.error());
            return {0, {}, {*fd}};
        }
        default:
            return error_reply(make_error("not a channel operation", ENOSYS));
    }
}

}  // namespace xvm::hvsim
