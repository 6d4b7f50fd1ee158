#include "daemons/xend/rpc_methods.h"

#include <array>
#include <charconv>
#include <optional>
#include <string_view>

#include "daemons/xend/cpu_list.h"
#include "lib/base/format.h"

namespace xvm::xend {
namespace {

using rpc::Fault;
using rpc::Response;
using rpc::Value;

// The arguments of one call and the fault for using them wrongly.
class Args {
public:
    Args(std::string_view method, const std::vector<Value>& params) : method_(method), params_(params) {}
    std::size_t size() const { return params_.size(); }
    bool has(std::size_t i) const { return i < params_.size(); }

    // A domain key: a string, or an int as its decimal text.
    std::optional<std::string> dom(std::size_t i) {
        const Value& v = params_[i];
        if (v.type() == Value::Type::kString) return v.as_string();
        if (v.type() == Value::Type::kInt) return cat(v.as_int());
        return wrong(i, "dom", "a domain name, id or UUID", v);
    }
    std::optional<std::string> string(std::size_t i, std::string_view name) {
        const Value& v = params_[i];
        if (v.type() == Value::Type::kString) return v.as_string();
        return wrong(i, name, "a string", v);
    }
    // A string, or nil or absent (then ""): Python's None, as xm sends
    // for a value it leaves to xend.
    std::optional<std::string> string_or_none(std::size_t i, std::string_view name) {
        if (!has(i) || params_[i].type() == Value::Type::kNil) return std::string();
        return string(i, name);
    }
    // An int, or a decimal string (xm passes some numbers as typed).
    std::optional<std::int64_t> integer(std::size_t i, std::string_view name) {
        const Value& v = params_[i];
        if (v.type() == Value::Type::kInt) return v.as_int();
        if (v.type() == Value::Type::kString) {
            std::int64_t n = 0;
            const std::string& s = v.as_string();
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
            if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) return n;
        }
        return wrong(i, name, "an integer", v);
    }
    // A vcpu: an int, a decimal string or "all" (as text).
    std::optional<std::string> vcpu(std::size_t i) {
        const Value& v = params_[i];
        if (v.type() == Value::Type::kInt) return cat(v.as_int());
        if (v.type() == Value::Type::kString) return v.as_string();  // Xend::pin checks it
        return wrong(i, "vcpu", "a vcpu number or 'all'", v);
    }
    // A boolean, an int, or absent (then `fallback`).
    std::optional<bool> flag(std::size_t i, std::string_view name, bool fallback) {
        if (!has(i)) return fallback;
        const Value& v = params_[i];
        if (v.type() == Value::Type::kBoolean) return v.as_bool();
        if (v.type() == Value::Type::kInt) return v.as_int() != 0;
        if (v.type() == Value::Type::kNil) return fallback;
        return wrong(i, name, "a boolean", v);
    }
    // A configuration: the S-expression as nested arrays, or as text.
    std::optional<rpc::Sexpr> sexpr(std::size_t i, std::string_view name) {
        const Value& v = params_[i];
        if (v.type() == Value::Type::kString) {
            auto parsed = rpc::parse_sexpr(v.as_string());
            if (parsed) return std::move(*parsed);
            return fail(cat("argument ", i + 1, " (", name, ") is not an S-expression: ", parsed.error().message));
        }
        if (v.type() == Value::Type::kArray) {
            auto s = rpc::value_to_sexpr(v);
            if (s) return std::move(*s);
            return fail(cat("argument ", i + 1, " (", name, "): ", s.error().message));
        }
        return wrong(i, name, "an S-expression (array or string)", v);
    }
    // CPUs: an array of ints, one int, or a CPU list string ("0-3,5").
    std::optional<std::vector<std::uint32_t>> cpus(std::size_t i, std::string_view name) {
        const Value& v = params_[i];
        std::vector<std::uint32_t> out;
        if (v.type() == Value::Type::kInt && v.as_int() >= 0) return std::vector<std::uint32_t>{static_cast<std::uint32_t>(v.as_int())};
        if (v.type() == Value::Type::kString) {
            auto list = parse_cpu_list(v.as_string());
            if (list) return std::move(*list);
            return fail(cat("argument ", i + 1, " (", name, "): ", list.error().message));
        }
        if (v.type() == Value::Type::kArray) {
            for (const Value& c : v.as_array()) {
                if (c.type() != Value::Type::kInt || c.as_int() < 0)
                    return wrong(i, name, "a list of CPU numbers", v);
                out.push_back(static_cast<std::uint32_t>(c.as_int()));
            }
            return out;
        }
        return wrong(i, name, "a list of CPU numbers", v);
    }

    bool failed() const { return fault_.has_value(); }
    const Fault& fault() const { return *fault_; }

private:
    std::nullopt_t wrong(std::size_t i, std::string_view name, std::string_view want, const Value& got) {
        return fail(cat("argument ", i + 1, " (", name, ") must be ", want, ", not ", got.type_name()));
    }
    std::nullopt_t fail(std::string message) {
        if (!fault_) fault_ = Fault{rpc::kFaultInternal, cat(method_, ": ", message)};
        return std::nullopt;
    }
    std::string_view method_;
    const std::vector<Value>& params_;
    std::optional<Fault> fault_;
};

struct Call {
    Xend& xend;
    Args args;
    const PeerCred& peer;
    RpcReply reply;

    void fault(const Error& e) const { reply(Response{fault_for(e)}); }
    void value(Value v) const { reply(Response{std::move(v)}); }
    void status(const Status& s, Value ok = Value::nil()) const {
        if (s) value(std::move(ok));
        else fault(s.error());
    }
    void sexpr(const Result<rpc::Sexpr>& s) const {
        if (s) value(rpc::sexpr_to_value(*s));
        else fault(s.error());
    }
    void text(const Result<std::string>& s) const {
        if (s) value(rpc::repr_string_result(*s));
        else fault(s.error());
    }
    // After the arguments were read: a type error answers fault 1.
    bool bad() const {
        if (!args.failed()) return false;
        reply(Response{args.fault()});
        return true;
    }
    Response unsupported(std::string_view what) const {
        return Response{Fault{rpc::kFaultGeneric, cat(what, " is not supported by this xend (xend(1M))")}};
    }
};

using Handler = void (*)(Call&);

struct Method {
    std::string_view name;
    std::size_t min_args;
    std::size_t max_args;
    std::string_view usage;  // argument names, for the arity fault
    Handler run;
};

// ---- handlers (named after the method) ----

void do_domain(Call& c) {
    auto dom = c.args.dom(0);
    auto full = c.args.flag(1, "full", false);
    if (c.bad()) return;
    c.sexpr(c.xend.domain(*dom, *full));
}

void do_domains(Call& c) {
    auto detail = c.args.flag(0, "detail", true);
    auto full = c.args.flag(1, "full", false);
    if (c.bad()) return;
    Value::Array out;
    for (const rpc::Sexpr& s : c.xend.domains(*detail, "running", *full)) out.push_back(rpc::sexpr_to_value(s));
    c.value(Value::array(std::move(out)));
}

void do_domains_with_state(Call& c) {
    auto detail = c.args.flag(0, "detail", true);
    auto state = c.args.string(1, "state");
    auto full = c.args.flag(2, "full", false);
    if (c.bad()) return;
    Value::Array out;
    for (const rpc::Sexpr& s : c.xend.domains(*detail, *state, *full)) out.push_back(rpc::sexpr_to_value(s));
    c.value(Value::array(std::move(out)));
}

void do_create(Call& c) {
    auto config = c.args.sexpr(0, "config");
    if (c.bad()) return;
    c.xend.create(*config, c.peer, [reply = c.reply](Result<rpc::Sexpr> r) {
        reply(r ? Response{rpc::sexpr_to_value(*r)} : Response{fault_for(r.error())});
    });
}

void do_new(Call& c) {
    auto config = c.args.sexpr(0, "config");
    if (c.bad()) return;
    c.status(c.xend.new_domain(*config));
}

void do_start(Call& c) {
    auto dom = c.args.dom(0);
    auto paused = c.args.flag(1, "paused", true);
    if (c.bad()) return;
    c.xend.start_domain(*dom, *paused, c.peer, [reply = c.reply](Result<rpc::Sexpr> r) {
        reply(r ? Response{Value::nil()} : Response{fault_for(r.error())});
    });
}

void do_delete(Call& c) {
    auto dom = c.args.dom(0);
    if (c.bad()) return;
    c.status(c.xend.delete_domain(*dom));
}

void do_destroy(Call& c) {
    auto dom = c.args.dom(0);
    if (c.bad()) return;
    c.xend.destroy(*dom, [reply = c.reply](Status s) {
        reply(s ? Response{Value::nil()} : Response{fault_for(s.error())});
    });
}

void do_shutdown(Call& c) {
    auto dom = c.args.dom(0);
    auto reason = c.args.string(1, "reason");
    if (c.bad()) return;
    c.status(c.xend.shutdown(*dom, *reason));
}

void do_pause(Call& c) {
    auto dom = c.args.dom(0);
    auto state = c.args.flag(1, "state", false);
    if (c.bad()) return;
    std::optional<std::int32_t> before;
    if (*state) {
        auto d = c.xend.domain(*dom, false);
        if (!d) return c.fault(d.error());
        before = static_cast<std::int32_t>(d->value_int("status").value_or(0));
    }
    c.status(c.xend.pause(*dom), before ? Value::integer(*before) : Value::nil());
}

void do_unpause(Call& c) {
    auto dom = c.args.dom(0);
    if (c.bad()) return;
    c.status(c.xend.unpause(*dom));
}

void do_set_memory_target(Call& c) {
    auto dom = c.args.dom(0);
    auto mib = c.args.integer(1, "mem");
    if (c.bad()) return;
    c.status(c.xend.set_memory_target(*dom, *mib));
}

void do_maxmem_set(Call& c) {
    auto dom = c.args.dom(0);
    auto mib = c.args.integer(1, "mem");
    if (c.bad()) return;
    c.status(c.xend.set_max_memory(*dom, *mib), Value::integer(0));
}

void do_set_vcpu_count(Call& c) {
    auto dom = c.args.dom(0);
    auto n = c.args.integer(1, "vcpus");
    if (c.bad()) return;
    c.status(c.xend.set_vcpus(*dom, *n));
}

void do_pincpu(Call& c) {
    auto dom = c.args.dom(0);
    auto vcpu = c.args.vcpu(1);
    auto cpus = c.args.cpus(2, "cpumap");
    if (c.bad()) return;
    c.status(c.xend.pin(*dom, *vcpu, *cpus), Value::integer(0));
}

void do_set_name(Call& c) {
    auto dom = c.args.dom(0);
    auto name = c.args.string(1, "name");
    if (c.bad()) return;
    c.status(c.xend.set_name(*dom, *name));
}

void do_sysrq(Call& c) {
    auto dom = c.args.dom(0);
    auto key = c.args.string(1, "key");
    if (c.bad()) return;
    c.status(c.xend.sysrq(*dom, *key));
}

void do_vcpu_info(Call& c) {
    auto dom = c.args.dom(0);
    if (c.bad()) return;
    c.sexpr(c.xend.vcpu_info(*dom));
}

void do_wait_for_devices(Call& c) {
    auto dom = c.args.dom(0);
    if (c.bad()) return;
    c.status(c.xend.wait_for_devices(*dom));
}

void do_restart_count(Call& c) {
    auto dom = c.args.dom(0);
    if (c.bad()) return;
    c.text(c.xend.restart_count(*dom));
}

void do_dump(Call& c) {
    auto dom = c.args.dom(0);
    // None or "" (xm dump-core without a file name): xend names the core
    // as XEND.md 8 says, in /var/xen/dump.
    auto file = c.args.string_or_none(1, "file");
    (void)c.args.flag(2, "live", false);   // a simulated guest is dumped paused either way
    (void)c.args.flag(3, "crash", false);  // the domain is left running; crash it with shutdown
    if (c.bad()) return;
    c.xend.dump(*dom, *file, [reply = c.reply](Result<std::string> r) {
        reply(r ? Response{Value::nil()} : Response{fault_for(r.error())});
    });
}

void do_node_info(Call& c) { c.sexpr(c.xend.node_info()); }
void do_dmesg(Call& c) { c.text(std::string()); }  // the simulator has no console ring of its own
void do_node_log(Call& c) {
    c.reply(Response{Fault{rpc::kFaultGeneric, "xend logs to its SMF service log: svcs -L xctl/xend"}});
}

void do_list_methods(Call& c) {
    Value::Array names;
    for (const std::string& n : rpc_method_names()) names.push_back(Value::string(n));
    c.value(Value::array(std::move(names)));
}

void do_method_help(Call& c) {
    auto name = c.args.string(0, "method");
    if (c.bad()) return;
    c.value(Value::string(cat(*name, ": see xend(1M)")));
}

void do_save(Call& c) { c.reply(c.unsupported("xend.domain.save")); }
void do_restore(Call& c) { c.reply(c.unsupported("xend.domain.restore")); }
void do_migrate(Call& c) { c.reply(c.unsupported("xend.domain.migrate (there is no relocation listener)")); }
void do_suspend(Call& c) { c.reply(c.unsupported("xend.domain.suspend")); }
void do_resume(Call& c) { c.reply(c.unsupported("xend.domain.resume")); }
void do_devices(Call& c) { c.reply(c.unsupported("changing the devices of a running domain")); }
void do_debug_keys(Call& c) { c.reply(c.unsupported("xend.node.send_debug_keys")); }

constexpr std::array kMethods = {
    Method{"xend.domain", 1, 2, "dom, full=0", do_domain},
    Method{"xend.domains", 0, 2, "detail=True, full=False", do_domains},
    Method{"xend.domains_with_state", 2, 3, "detail, state, full=False", do_domains_with_state},
    Method{"xend.domain.create", 1, 1, "config", do_create},
    Method{"xend.domain.new", 1, 1, "config", do_new},
    Method{"xend.domain.start", 1, 2, "dom, paused=True", do_start},
    Method{"xend.domain.delete", 1, 1, "dom", do_delete},
    Method{"xend.domain.destroy", 1, 1, "dom", do_destroy},
    Method{"xend.domain.shutdown", 2, 2, "dom, reason", do_shutdown},
    Method{"xend.domain.pause", 1, 2, "dom, state=False", do_pause},
    Method{"xend.domain.unpause", 1, 1, "dom", do_unpause},
    Method{"xend.domain.setMemoryTarget", 2, 2, "dom, mem", do_set_memory_target},
    Method{"xend.domain.maxmem_set", 2, 2, "dom, mem", do_maxmem_set},
    Method{"xend.domain.setVCpuCount", 2, 2, "dom, vcpus", do_set_vcpu_count},
    Method{"xend.domain.pincpu", 3, 3, "dom, vcpu, cpumap", do_pincpu},
    Method{"xend.domain.setName", 2, 2, "dom, name", do_set_name},
    Method{"xend.domain.send_sysrq", 2, 2, "dom, key", do_sysrq},
    Method{"xend.domain.getVCPUInfo", 1, 1, "dom", do_vcpu_info},
    Method{"xend.domain.waitForDevices", 1, 1, "dom", do_wait_for_devices},
    Method{"xend.domain.getRestartCount", 1, 1, "dom", do_restart_count},
    Method{"xend.domain.dump", 1, 4, "dom, file, live, crash", do_dump},
    Method{"xend.domain.save", 2, 3, "dom, file, checkpoint=False", do_save},
    Method{"xend.domain.restore", 1, 2, "file, paused=False", do_restore},
    Method{"xend.domain.migrate", 2, 6, "dom, dst, live, port, node, ssl", do_migrate},
    Method{"xend.domain.suspend", 1, 1, "dom", do_suspend},
    Method{"xend.domain.resume", 1, 2, "dom, paused=False", do_resume},
    Method{"xend.domain.device_create", 2, 2, "dom, config", do_devices},
    Method{"xend.domain.device_configure", 2, 3, "dom, config, dev", do_devices},
    Method{"xend.domain.destroyDevice", 3, 5, "dom, type, dev, force, rm_cfg", do_devices},
    Method{"xend.domain.getDeviceSxprs", 2, 2, "dom, type", do_devices},
    Method{"xend.node.info", 0, 0, "", do_node_info},
    Method{"xend.node.dmesg.info", 0, 0, "", do_dmesg},
    Method{"xend.node.dmesg.clear", 0, 0, "", do_dmesg},
    Method{"xend.node.log", 0, 0, "", do_node_log},
    Method{"xend.node.send_debug_keys", 1, 1, "keys", do_debug_keys},
    Method{"system.listMethods", 0, 0, "", do_list_methods},
    Method{"system.methodHelp", 1, 1, "method", do_method_help},
};
// Every entry runs something and takes what it says it takes.
static_assert([] {
    for (const Method& m : kMethods)
        if (m.run == nullptr || m.min_args > m.max_args || m.name.empty()) return false;
    return true;
}());

const Method* find_method(std::string_view name) {
    for (const Method& m : kMethods)
        if (m.name == name) return &m;
    return nullptr;
}

}  // namespace

Fault fault_for(const Error& e) {
    if (e.code == kNoSuchDomain) return Fault{rpc::kFaultInvalidDomain, e.message};
    return Fault{rpc::kFaultGeneric, e.message};
}

std::vector<std::string> rpc_method_names() {
    std::vector<std::string> out;
    for (const Method& m : kMethods) out.emplace_back(m.name);
    return out;
}

void dispatch_rpc(Xend& xend, const rpc::MethodCall& call, const PeerCred& peer, RpcReply reply) {
    const Method* m = find_method(call.method);
    if (m == nullptr) {
        Value failure = Value::structure();
        failure.set("Status", Value::string("Failure"));
        failure.set("ErrorDescription", Value::array({Value::string("MESSAGE_METHOD_UNKNOWN"), Value::string(call.method)}));
        return reply(Response{failure});
    }
    std::size_t n = call.params.size();
    if (n < m->min_args || n > m->max_args) {
        std::string want = m->min_args == m->max_args ? cat(m->min_args) : cat(m->min_args, " to ", m->max_args);
        return reply(Response{Fault{rpc::kFaultInternal, cat(m->name, "(", m->usage, ") takes ", want, " argument",
                                                              m->max_args == 1 ? "" : "s", ", ", n, " given")}});
    }
    Call c{xend, Args(m->name, call.params), peer, std::move(reply)};
    m->run(c);
}

}  // namespace xvm::xend
