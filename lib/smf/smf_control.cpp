// The control socket's line protocol, client side and codec. Fields are
// escaped rather than length-prefixed so requests stay readable in logs and
// tests; the server bounds line length (kMaxRequest) before decoding.
#include "lib/smf/smf_control.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/base/unix_socket.h"

namespace xvm::smf {
namespace {

std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '\t') out += "\\t";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::vector<std::string> split_fields(std::string_view line) {
    std::vector<std::string> out(1);
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (c == '\t') {
            out.emplace_back();
        } else if (c == '\\' && i + 1 < line.size()) {
            char e = line[++i];
            out.back() += e == 't' ? '\t' : e == 'n' ? '\n' : e;
        } else {
            out.back() += c;
        }
    }
    return out;
}

Status write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return errno_error("cannot write to svc.startd");
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

}  // namespace

std::string encode_request(const Request& r) {
    std::string out = escape(r.verb) + "\t" + escape(r.entity);
    for (const std::string& a : r.args) out += "\t" + escape(a);
    return out + "\n";
}

Result<Request> decode_request(std::string_view line) {
    if (line.size() > kMaxRequest) return make_error("request too long");
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    auto f = split_fields(line);
    if (f.size() < 2 || f[0].empty() || f[1].empty()) return make_error("malformed request");
    return Request{f[0], f[1], {f.begin() + 2, f.end()}};
}

std::string encode_reply(const Status& st) {
    if (st) return "ok\n";
    return cat("error\t", st.error().code, "\t", escape(st.error().message), "\n");
}

std::string encode_value_reply(std::string_view payload) { return cat("value\t", escape(payload), "\n"); }

Result<std::string> decode_reply(std::string_view line) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (line == "ok") return std::string();
    auto f = split_fields(line);
    if (f.size() == 2 && f[0] == "value") return f[1];
    if (f.size() != 3 || f[0] != "error") return make_error("malformed reply from svc.startd", EPROTO);
    int code = std::atoi(f[1].c_str());
    return make_error(f[2], code > 0 ? code : EPROTO);
}

Status send_request(const Request& r) {
    auto reply = send_query(r);
    if (!reply) return std::move(reply).error();
    return {};
}

Result<std::string> send_query(const Request& r) {
    std::string path = root_path(kControlSocket);
    auto fd = connect_unix(path);
    if (!fd) return std::move(fd).error().context("cannot reach svc.startd");
    if (auto st = write_all(fd->get(), encode_request(r)); !st) return std::move(st).error();
    std::string reply;
    char buf[4096];
    while (reply.find('\n') == std::string::npos) {
        if (reply.size() > kMaxReply) return make_error("reply from svc.startd too long", EPROTO);
        struct pollfd p {fd->get(), POLLIN, 0};
        int ready = ::poll(&p, 1, 30000);  // startd answers after a bounded repository write
        if (ready == 0) return make_error("svc.startd did not answer within 30 seconds", ETIMEDOUT);
        if (ready < 0 && errno == EINTR) continue;
        ssize_t n = ::read(fd->get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return make_error("svc.startd closed the connection", EPROTO);
        reply.append(buf, static_cast<std::size_t>(n));
    }
    return decode_reply(reply.substr(0, reply.find('\n')));
}

Result<PropertyGroup> read_protected_group(const std::string& entity, std::string_view view, std::string_view pg) {
    auto reply = send_query(Request{"read", entity, {std::string(view), std::string(pg)}});
    if (!reply) return std::move(reply).error();
    auto set = decode(*reply);
    if (!set || set->pgs.size() != 1 || set->pgs[0].name != pg)
        return make_error(cat("svc.startd answered a read of ", pg, " with something else"), EPROTO);
    return std::move(set->pgs[0]);
}

Status reveal(PgSet& set, const std::string& entity, std::string_view view, std::string_view pg) {
    for (PropertyGroup& g : set.pgs) {
        if (!g.withheld || (!pg.empty() && g.name != pg)) continue;
        auto full = read_protected_group(entity, view, g.name);
        if (!full) return std::move(full).error();
        g = std::move(*full);
    }
    return {};
}

Status submit(const Request& r) { return submit(nullptr, r); }

Status submit(Repository* writable, const Request& r) {
    if (::geteuid() != 0) return send_request(r);
    if (writable != nullptr) {
        if (auto st = apply_request(*writable, r); !st) return st;
    } else {
        auto repo = Repository::open(true);
        if (!repo) return std::move(repo).error();
        if (auto st = apply_request(**repo, r); !st) return st;
    }
    // A restarter that is not running will read the repository when it
    // starts; nothing is lost by not reaching it now.
    Status poke = send_request(Request{"notify", r.entity, {}});
    (void)poke;
    return {};
}

}  // namespace xvm::smf
