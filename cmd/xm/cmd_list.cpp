// The subcommands that only read: list, uptime, vcpu-list, info, domid,
// domname (main.py xm_list, xm_uptime, xm_vcpu_list, xm_info, xm_domid,
// xm_domname).
#include <cstdio>
#include <ctime>
#include <fstream>

#include "cmd/xm/commands.h"
#include "cmd/xm/output.h"
#include "lib/base/format.h"

namespace xvm::xm {

using rpc::Sexpr;
using rpc::Value;

void print(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

namespace {

double wall_clock() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The answer of a call that returns a list of S-expressions.
Expected<std::vector<Sexpr>> sexpr_list(Context& ctx, std::string_view method, std::vector<Value> params) {
    auto all = ctx.xend.call_sexpr(method, std::move(params));
    if (!all) return std::move(all).failure();
    if (!all->is_list())
        return Failure{Failure::Kind::kBadReply, 0, cat("Error: xend's reply to ", method, " is not a list.")};
    return std::move(all->items());
}

// main.py getDomains(): the named domains in the order given, else every
// domain in `state`.
Expected<std::vector<Sexpr>> get_domains(Context& ctx, const std::vector<std::string>& names, const std::string& state,
                                         int full) {
    if (names.empty()) {
        auto all = sexpr_list(ctx, "xend.domains_with_state", {Value::boolean(true), Value::string(state),
                                                               Value::integer(full)});
        if (all) sort_by_name(*all);
        return all;
    }
    std::vector<Sexpr> out;
    for (const std::string& name : names) {
        auto dom = ctx.xend.call_sexpr("xend.domain", {Value::string(name), Value::integer(full)});
        if (!dom) return std::move(dom).failure();
        out.push_back(std::move(*dom));
    }
    return out;
}

// The names of the domains of a domains_with_state(False, ...) answer.
Expected<std::vector<std::string>> domain_names(Context& ctx) {
    auto names = sexpr_list(ctx, "xend.domains_with_state", {Value::boolean(false), Value::string("all"),
                                                             Value::boolean(false)});
    if (!names) return std::move(names).failure();
    std::vector<std::string> out;
    for (const Sexpr& n : *names) {
        auto text = n.text();
        if (!text) return Failure{Failure::Kind::kBadReply, 0, "Error: xend sent a domain name that is not text."};
        out.push_back(*text);
    }
    return out;
}

// dom0's uptime in seconds: the first field of /proc/uptime.
double host_uptime() {
    std::ifstream f("/proc/uptime");
    double up = 0;
    f >> up;
    return up;
}

}  // namespace

Outcome cmd_list(Context& ctx, Args args) {
    auto opts = gnu_getopt(args, "lv", {"long", "vcpus", "label", "state="});
    if (!opts) return std::move(opts).failure();
    bool use_long = opts->has("-l", "--long");
    std::string state = opts->value("", "--state").value_or("all");
    if (state != "all" && !opts->params.empty())
        return Failure::usage("You may specify either a state or a particular VM, but not both");
    if (opts->has("", "--label")) return Failure::plain("security labels are not supported by this xm");
    if (opts->has("-v", "--vcpus")) {
        std::fputs("xm list -v is deprecated.  Please use xm vcpu-list.\n", stderr);
        return cmd_vcpu_list(ctx, opts->params);
    }
    auto doms = get_domains(ctx, opts->params, state, use_long ? 1 : 0);
    if (!doms) return std::move(doms).failure();
    if (use_long) {
        print(format_list_long(*doms));
        return {};
    }
    auto table = format_list(*doms, wall_clock());
    if (!table) return std::move(table).failure();
    print(*table);
    return {};
}

Outcome cmd_uptime(Context& ctx, Args args) {
    auto opts = gnu_getopt(args, "s", {"short"});
    if (!opts) return std::move(opts).failure();
    auto doms = get_domains(ctx, opts->params, "all", 0);
    if (!doms) return std::move(doms).failure();
    double now = wall_clock();
    auto seconds = static_cast<std::time_t>(now);
    std::tm local{};
    localtime_r(&seconds, &local);
    auto text = format_uptime(*doms, now, host_uptime(), opts->has("-s", "--short"), local);
    if (!text) return std::move(text).failure();
    print(*text);
    return {};
}

Outcome cmd_vcpu_list(Context& ctx, Args args) {
    std::vector<std::string> names(args.begin(), args.end());
    if (names.empty()) {
        auto all = domain_names(ctx);
        if (!all) return std::move(all).failure();
        names = std::move(*all);
    }
    std::vector<Sexpr> infos;
    for (const std::string& name : names) {
        auto info = ctx.xend.call_sexpr("xend.domain.getVCPUInfo", {Value::string(name)});
        if (!info) return std::move(info).failure();
        infos.push_back(std::move(*info));
    }
    auto node = ctx.xend.call_sexpr("xend.node.info");
    if (!node) return std::move(node).failure();
    auto nr_cpus = node_nr_cpus(*node);
    if (!nr_cpus) return Failure{Failure::Kind::kBadReply, 0, "Error: xend's node information has no nr_cpus."};
    auto table = format_vcpu_list(infos, *nr_cpus);
    if (!table) return std::move(table).failure();
    print(*table);
    return {};
}

Outcome cmd_info(Context& ctx, Args args) {
    if (auto n = arg_check(args, "info", 0, 1); !n) return n;
    auto opts = gnu_getopt(args, "c", {"config"});
    if (!opts) return std::move(opts).failure();
    if (opts->has("-c", "--config"))
        return Failure::plain("xend is configured through SMF: run 'svcprop -p config svc:/system/xctl/xend:default'");
    auto node = ctx.xend.call_sexpr("xend.node.info");
    if (!node) return std::move(node).failure();
    print(format_info(*node));
    return {};
}

namespace {

// Prints str() of one field of `xend.domain(name)`; "None" when absent.
Outcome print_field(Context& ctx, Args args, std::string_view command, std::string_view field) {
    if (auto n = arg_check(args, command, 1); !n) return n;
    auto dom = ctx.xend.call_sexpr("xend.domain", {Value::string(args[0])});
    if (!dom) return std::move(dom).failure();
    const Sexpr* v = dom->child_value(field);
    std::optional<std::string> text = v ? v->text() : std::nullopt;
    print(cat(v ? text.value_or(rpc::sexpr_to_string(*v)) : "None", "\n"));
    return {};
}

}  // namespace

Outcome cmd_domid(Context& ctx, Args args) { return print_field(ctx, args, "domid", "domid"); }

Outcome cmd_domname(Context& ctx, Args args) { return print_field(ctx, args, "domname", "name"); }

}  // namespace xvm::xm
