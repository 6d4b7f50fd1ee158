// The subcommands that act on one domain: destroy, pause, unpause,
// delete, start, mem-set, mem-max, vcpu-set, vcpu-pin, dump-core (main.py
// xm_destroy ... xm_dump_core).
#include <unistd.h>

#include "cmd/xm/commands.h"
#include "cmd/xm/config_keys.h"
#include "lib/base/format.h"

namespace xvm::xm {

using rpc::Sexpr;
using rpc::Value;

namespace {

// DOM_STATE_RUNNING of XendConstants.py: what pause(dom, True) returns
// for a domain that was running.
constexpr std::int32_t kStateRunning = 2;

Outcome call(Context& ctx, std::string_view method, std::vector<Value> params) {
    auto r = ctx.xend.call(method, std::move(params));
    if (!r) return std::move(r).failure();
    return {};
}

// A subcommand that is one call with the domain as its only argument.
Outcome one_call(Context& ctx, Args args, std::string_view command, std::string_view method) {
    if (auto n = arg_check(args, command, 1); !n) return n;
    return call(ctx, method, {Value::string(args[0])});
}

std::string current_directory() {
    char buf[4096];
    return getcwd(buf, sizeof buf) ? std::string(buf) : std::string("/");
}

}  // namespace

Outcome cmd_destroy(Context& ctx, Args args) { return one_call(ctx, args, "destroy", "xend.domain.destroy"); }
Outcome cmd_pause(Context& ctx, Args args) { return one_call(ctx, args, "pause", "xend.domain.pause"); }
Outcome cmd_unpause(Context& ctx, Args args) { return one_call(ctx, args, "unpause", "xend.domain.unpause"); }
Outcome cmd_delete(Context& ctx, Args args) { return one_call(ctx, args, "delete", "xend.domain.delete"); }

Outcome cmd_start(Context& ctx, Args args) {
    auto opts = gnu_getopt(args, "cp", {"console_autoconnect", "paused", "vncviewer", "vncviewer-autopass"});
    if (!opts) return std::move(opts).failure();
    if (opts->params.size() != 1) return Failure::usage("Expects 1 argument");
    if (opts->has("", "--vncviewer") || opts->has("", "--vncviewer-autopass"))
        return Failure::plain("a VNC viewer cannot be started by this xm");
    const std::string& dom = opts->params[0];
    if (auto s = call(ctx, "xend.domain.start", {Value::string(dom), Value::boolean(opts->has("-p", "--paused"))}); !s)
        return s;
    auto info = ctx.xend.call_sexpr("xend.domain", {Value::string(dom)});
    if (!info) return std::move(info).failure();
    auto domid = info->value_int("domid");
    // main.py raised Fault(0, ...) here: reported with the usage text.
    if (!domid || *domid == -1) return Failure::fault(0, cat("Domain '", dom, "' is not started"));
    if (opts->has("-c", "--console_autoconnect")) return attach_console(std::to_string(*domid));
    return {};
}

Outcome cmd_mem_set(Context& ctx, Args args) {
    if (auto n = arg_check(args, "mem-set", 2); !n) return n;
    auto mib = size_in_mib(args[1]);
    if (!mib || *mib < INT32_MIN || *mib > INT32_MAX) return Failure::invalid_argument();
    return call(ctx, "xend.domain.setMemoryTarget", {Value::string(args[0]), Value::integer(static_cast<std::int32_t>(*mib))});
}

Outcome cmd_mem_max(Context& ctx, Args args) {
    if (auto n = arg_check(args, "mem-max", 2); !n) return n;
    auto mib = size_in_mib(args[1]);
    if (!mib || *mib < INT32_MIN || *mib > INT32_MAX) return Failure::invalid_argument();
    return call(ctx, "xend.domain.maxmem_set", {Value::string(args[0]), Value::integer(static_cast<std::int32_t>(*mib))});
}

Outcome cmd_vcpu_set(Context& ctx, Args args) {
    if (auto n = arg_check(args, "vcpu-set", 2); !n) return n;
    auto vcpus = py_int(args[1]);
    if (!vcpus || *vcpus < INT32_MIN || *vcpus > INT32_MAX) return Failure::invalid_argument();
    return call(ctx, "xend.domain.setVCpuCount",
                {Value::string(args[0]), Value::integer(static_cast<std::int32_t>(*vcpus))});
}

Outcome cmd_vcpu_pin(Context& ctx, Args args) {
    if (auto n = arg_check(args, "vcpu-pin", 3); !n) return n;
    auto cpus = cpu_make_map(args[2]);
    if (!cpus) return Failure::invalid_argument();
    Value::Array map;
    for (std::int32_t c : *cpus) map.push_back(Value::integer(c));
    // 3.3 passes the vcpu as typed: a number or "all".
    return call(ctx, "xend.domain.pincpu", {Value::string(args[0]), Value::string(args[1]), Value::array(std::move(map))});
}

Outcome cmd_dump_core(Context& ctx, Args args) {
    auto opts = gnu_getopt(args, "LCR", {"live", "crash", "reset"});
    if (!opts) return Failure::usage(std::move(opts).failure().message);
    bool live = opts->has("-L", "--live"), crash = opts->has("-C", "--crash"), reset = opts->has("-R", "--reset");
    if (crash && reset) return Failure::usage("You may not specify more than one '-CR' option");
    if (opts->params.empty() || opts->params.size() > 2) return Failure::usage("Expects 1 or 2 argument(s)");
    const std::string& dom = opts->params[0];
    Value file = opts->params.size() == 2 ? Value::string(absolute_path(opts->params[1], current_directory()))
                                          : Value::nil();
    std::int32_t prior_state = -1;
    if (!live) {
        auto state = ctx.xend.call("xend.domain.pause", {Value::string(dom), Value::boolean(true)});
        if (!state) return std::move(state).failure();
        if (state->type() == Value::Type::kInt) prior_state = state->as_int();
    }
    print(cat("Dumping core of domain: ", dom, " ...\n"));
    std::fflush(stdout);
    Outcome done = call(ctx, "xend.domain.dump", {Value::string(dom), file, Value::boolean(live), Value::boolean(crash)});
    if (done && crash) {
        print(cat("Destroying domain: ", dom, " ...\n"));
        done = call(ctx, "xend.domain.destroy", {Value::string(dom)});
    } else if (done && reset) {
        print(cat("Resetting domain: ", dom, " ...\n"));
        done = call(ctx, "xend.domain.reset", {Value::string(dom)});
    }
    // As main.py's finally clause: a domain paused for the dump runs again,
    // whether or not the dump worked.
    if (!live && !crash && !reset && prior_state == kStateRunning) {
        Outcome resumed = call(ctx, "xend.domain.unpause", {Value::string(dom)});
        if (done && !resumed) return resumed;
    }
    return done;
}

}  // namespace xvm::xm
