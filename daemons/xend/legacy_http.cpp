#include "daemons/xend/legacy_http.h"

#include <array>
#include <charconv>
#include <optional>

#include "daemons/xend/cpu_list.h"
#include "lib/base/format.h"
#include "lib/rpc/sexpr.h"

namespace xvm::xend {
namespace {

using rpc::Sexpr;

bool wants_sxp(const HttpRequest& r) {
    const std::string* agent = r.header("User-Agent");
    const std::string* accept = r.header("Accept");
    return agent == nullptr || accept == nullptr || accept->find("application/sxp") != std::string::npos;
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
        else out += c;
    }
    return out;
}

// One answer in the form the client asked for.
struct Answer {
    const HttpRequest& req;
    Responder respond;

    void send(unsigned status, const std::string& sxp, Fields headers = {}) const {
        HttpResponse r{.status = status, .headers = std::move(headers)};
        if (wants_sxp(req)) {
            r.content_type = "application/sxp";
            r.body = sxp;
        } else {
            r.content_type = "text/html";
            r.body = cat("<html><head><title>xend</title></head><body><pre>", html_escape(sxp), "</pre></body></html>\n");
        }
        // One request per connection unless the client asks to keep it.
        const std::string* conn = req.header("Connection");
        r.close = conn == nullptr || *conn != "keep-alive";
        respond(std::move(r));
    }
    void sexpr(unsigned status, const Sexpr& s, Fields headers = {}) const {
        send(status, rpc::sexpr_to_string(s), std::move(headers));
    }
    void error(const Error& e) const {
        if (e.code == kNoSuchDomain) return send(500, "");
        send(500, rpc::sexpr_to_string(Sexpr::list({Sexpr::string("xend.err"), Sexpr::string(e.message)})));
    }
    void status(const Status& s, unsigned ok, Fields headers = {}) const {
        if (s) send(ok, "", std::move(headers));
        else error(s.error());
    }
};

// A form field, or an error naming it.
Result<std::string> field(const HttpRequest& r, std::string_view name) {
    if (const std::string* v = r.field(name)) return *v;
    return make_error(cat("missing parameter: ", name));
}

Result<std::int64_t> int_field(const HttpRequest& r, std::string_view name) {
    auto v = field(r, name);
    if (!v) return std::move(v).error();
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (v->empty() || ec != std::errc() || end != v->data() + v->size())
        return make_error(cat("parameter ", name, ": '", *v, "' is not an integer"));
    return n;
}

bool flag_field(const HttpRequest& r, std::string_view name, bool fallback) {
    const std::string* v = r.field(name);
    if (v == nullptr) return fallback;
    return *v == "1" || *v == "True" || *v == "true" || *v == "yes";
}

Result<Sexpr> sexpr_field(const HttpRequest& r, std::string_view name) {
    auto v = field(r, name);
    if (!v) return std::move(v).error();
    auto s = rpc::parse_sexpr(*v);
    if (!s) return std::move(s).error().context(cat("parameter ", name));
    return s;
}

// ---- GET ----

void get_domains(Xend& x, const Answer& a) {
    const std::string* state = a.req.arg("state");
    const std::string* detail = a.req.arg("detail");
    bool full = detail != nullptr && *detail != "0";
    Sexpr out = Sexpr::list();
    for (Sexpr& d : x.domains(full, state ? *state : "running", full)) out.add(std::move(d));
    a.sexpr(200, out);
}

void get_domain(Xend& x, const std::string& dom, const Answer& a) {
    const std::string* op = a.req.arg("op");
    auto r = op && *op == "vcpuinfo" ? x.vcpu_info(dom) : x.domain(dom, true);
    if (!r) return a.error(r.error());
    a.sexpr(200, *r);
}

// ---- POST /xend/domain/<dom> ----

using DomainOp = void (*)(Xend&, const std::string& dom, const Answer&);

Fields location(const std::string& dom) { return {{"Location", cat("/xend/domain/", dom)}}; }

void op_pause(Xend& x, const std::string& d, const Answer& a) { a.status(x.pause(d), 200); }
void op_unpause(Xend& x, const std::string& d, const Answer& a) { a.status(x.unpause(d), 200); }
void op_delete(Xend& x, const std::string& d, const Answer& a) { a.status(x.delete_domain(d), 202, location(d)); }
void op_wait_for_devices(Xend& x, const std::string& d, const Answer& a) {
    a.status(x.wait_for_devices(d), 202, location(d));
}
void op_vcpuinfo(Xend& x, const std::string& d, const Answer& a) {
    auto r = x.vcpu_info(d);
    if (!r) return a.error(r.error());
    a.sexpr(200, *r);
}
void op_shutdown(Xend& x, const std::string& d, const Answer& a) {
    auto reason = field(a.req, "reason");
    if (!reason) return a.error(reason.error());
    a.status(x.shutdown(d, *reason), 202, location(d));
}
void op_rename(Xend& x, const std::string& d, const Answer& a) {
    auto name = field(a.req, "name");
    if (!name) return a.error(name.error());
    a.status(x.set_name(d, *name), 202, location(*name));
}
void op_sysrq(Xend& x, const std::string& d, const Answer& a) {
    auto key = int_field(a.req, "key");  // the original sends the key's code
    if (!key) return a.error(key.error());
    if (*key < 1 || *key > 127) return a.error(make_error(cat("parameter key: ", *key, " is not a character code")));
    a.status(x.sysrq(d, std::string(1, static_cast<char>(*key))), 202, location(d));
}
void op_maxmem_set(Xend& x, const std::string& d, const Answer& a) {
    auto mib = int_field(a.req, "memory");
    if (!mib) return a.error(mib.error());
    a.status(x.set_max_memory(d, *mib), 200);
}
void op_mem_target_set(Xend& x, const std::string& d, const Answer& a) {
    auto mib = int_field(a.req, "target");
    if (!mib) return a.error(mib.error());
    a.status(x.set_memory_target(d, *mib), 200);
}
void op_set_vcpus(Xend& x, const std::string& d, const Answer& a) {
    auto n = int_field(a.req, "vcpus");
    if (!n) return a.error(n.error());
    a.status(x.set_vcpus(d, *n), 200);
}
void op_pincpu(Xend& x, const std::string& d, const Answer& a) {
    auto vcpu = field(a.req, "vcpu");
    auto map = field(a.req, "cpumap");
    if (!vcpu) return a.error(vcpu.error());
    if (!map) return a.error(map.error());
    // "[0, 1]" (Python's list) or "0-1": the brackets are not ours to need.
    std::string text = *map;
    std::erase_if(text, [](char c) { return c == '[' || c == ']' || c == ' '; });
    auto cpus = parse_cpu_list(text);
    if (!cpus) return a.error(cpus.error());
    a.status(x.pin(d, *vcpu, *cpus), 200);
}
void op_destroy(Xend& x, const std::string& d, const Answer& a) {
    x.destroy(d, [a, d](Status s) { a.status(s, 202, location(d)); });
}
void op_start(Xend& x, const std::string& d, const Answer& a) {
    x.start_domain(d, flag_field(a.req, "paused", false), a.req.peer,
                   [a, d](Result<Sexpr> r) { a.status(r ? Status() : Status(r.error()), 202, location(d)); });
}
void op_dump(Xend& x, const std::string& d, const Answer& a) {
    const std::string* file = a.req.field("file");
    x.dump(d, file ? *file : "", [a, d](Result<std::string> r) {
        a.status(r ? Status() : Status(r.error()), 202, location(d));
    });
}
void op_unsupported(Xend&, const std::string&, const Answer& a) {
    a.error(make_error(cat("operation ", *a.req.field("op"), " is not supported by this xend (xend(1M))")));
}

struct Op {
    std::string_view name;
    DomainOp run;
};
constexpr std::array kDomainOps = {
    Op{"pause", op_pause},           Op{"unpause", op_unpause},       Op{"destroy", op_destroy},
    Op{"shutdown", op_shutdown},     Op{"rename", op_rename},         Op{"delete", op_delete},
    Op{"start", op_start},           Op{"sysrq", op_sysrq},           Op{"wait_for_devices", op_wait_for_devices},
    Op{"dump", op_dump},             Op{"pincpu", op_pincpu},         Op{"maxmem_set", op_maxmem_set},
    Op{"mem_target_set", op_mem_target_set}, Op{"set_vcpus", op_set_vcpus}, Op{"vcpuinfo", op_vcpuinfo},
    Op{"save", op_unsupported},      Op{"migrate", op_unsupported},   Op{"devices", op_unsupported},
    Op{"device_create", op_unsupported}, Op{"device_destroy", op_unsupported},
    Op{"device_configure", op_unsupported}, Op{"domain_sched_credit_get", op_unsupported},
    Op{"domain_sched_credit_set", op_unsupported}, Op{"cpu_sedf_get", op_unsupported},
    Op{"cpu_sedf_set", op_unsupported}, Op{"reset", op_unsupported},
};

// ---- POST /xend/domain/ ----

void post_domains(Xend& x, const std::string& op, const Answer& a) {
    if (op == "list") return get_domains(x, a);
    if (op == "create" || op == "new") {
        auto config = sexpr_field(a.req, "config");
        if (!config) return a.error(config.error());
        if (op == "new") return a.status(x.new_domain(*config), 200);
        x.create(*config, a.req.peer, [a](Result<Sexpr> r) {
            if (!r) return a.error(r.error());
            a.sexpr(201, *r, location(r->value_text("name").value_or("")));
        });
        return;
    }
    if (op == "restore") return op_unsupported(x, "", a);
    a.send(501, cat("Operation not implemented: ", op));
}

// The path below /xend/domain/, "" for the directory itself.
std::optional<std::string> domain_part(std::string_view url) {
    for (std::string_view dir : {"/xend/domain/", "/xend/domain"}) {
        if (url == dir) return std::string();
        if (url.starts_with("/xend/domain/") && dir.back() == '/') {
            std::string_view rest = url.substr(dir.size());
            if (rest.ends_with("/")) rest.remove_suffix(1);
            if (rest.find('/') == std::string_view::npos) return std::string(rest);
        }
    }
    return std::nullopt;
}

void route(Xend& x, const Answer& a) {
    const HttpRequest& req = a.req;
    std::string url = req.url;
    bool get = req.method == "GET" || req.method == "HEAD";
    if (get && (url == "/xend/" || url == "/xend")) return a.send(200, "(ls  node domain vnet)");
    if (get && (url == "/xend/node/" || url == "/xend/node")) {
        auto n = x.node_info(/*legacy=*/true);
        if (!n) return a.error(n.error());
        return a.sexpr(200, *n);
    }
    if (get && (url == "/xend/node/dmesg" || url == "/xend/node/log")) return a.send(200, "");
    auto dom = domain_part(url);
    if (!dom) return a.send(404, "");
    if (get) return dom->empty() ? get_domains(x, a) : get_domain(x, *dom, a);
    if (req.method != "POST") return a.send(501, cat("Operation not implemented: ", req.method));
    const std::string* op = req.field("op");
    if (op == nullptr) return a.send(406, "");
    if (dom->empty()) return post_domains(x, *op, a);
    for (const Op& o : kDomainOps)
        if (o.name == *op) return o.run(x, *dom, a);
    a.send(501, cat("Operation not implemented: ", *op));
}

}  // namespace

void serve_legacy(Xend& xend, const HttpRequest& req, Responder respond) {
    Answer a{req, std::move(respond)};
    if (!req.admitted) {
        HttpResponse r{.status = 403, .content_type = "application/sxp",
                       .body = rpc::sexpr_to_string(Sexpr::list(
                           {Sexpr::string("xend.err"),
                            Sexpr::string(cat("permission denied: xend's legacy socket serves only users holding "
                                              "xvm_control or virt_manage; uid ", req.peer.uid, " holds neither"))})),
                       .close = true};
        return a.respond(std::move(r));
    }
    route(xend, a);
}

}  // namespace xvm::xend
