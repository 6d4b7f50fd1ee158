// xm shutdown [-w] [-a] [-R] [-H] and xm reboot (the original is
// tools/python/xen/xm/shutdown.py): ask each guest to shut down through
// xend, then with -w poll xend's running domains once a second until they
// are gone (or, for a reboot, until their restart count changed).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "cmd/xm/commands.h"
#include "lib/base/format.h"

namespace xvm::xm {

using rpc::Sexpr;
using rpc::Value;

namespace {

constexpr int kRecreatingTimeout = 30;  // polls before a rebooting domain counts as lost
constexpr auto kPollInterval = std::chrono::seconds(1);

void info(const std::string& line) {
    print(line + "\n");
    std::fflush(stdout);
}

// xend.domains(0): the names of the running-state domains.
Expected<std::vector<std::string>> alive(Context& ctx) {
    auto all = ctx.xend.call_sexpr("xend.domains", {Value::integer(0)});
    if (!all) return std::move(all).failure();
    std::vector<std::string> names;
    if (!all->is_list()) return names;
    for (const Sexpr& n : all->items())
        if (auto t = n.text()) names.push_back(*t);
    return names;
}

Expected<std::string> restart_count(Context& ctx, const std::string& dom) {
    auto rc = ctx.xend.call("xend.domain.getRestartCount", {Value::string(dom)});
    if (!rc) return std::move(rc).failure();
    auto s = rpc::value_to_sexpr(*rc);
    return s && s->text() ? *s->text() : std::string();
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

Outcome wait_shutdown(Context& ctx, std::vector<std::string> doms) {
    while (!doms.empty()) {
        auto running = alive(ctx);
        if (!running) return std::move(running).failure();
        for (auto it = doms.begin(); it != doms.end();) {
            if (contains(*running, *it)) {
                ++it;
            } else {
                info(cat("Domain ", *it, " terminated"));
                it = doms.erase(it);
            }
        }
        if (!doms.empty()) std::this_thread::sleep_for(kPollInterval);
    }
    info("All domains terminated");
    return {};
}

Outcome wait_reboot(Context& ctx, std::vector<std::string> doms, const std::map<std::string, std::string>& counts) {
    std::map<std::string, int> recreating;
    while (!doms.empty()) {
        auto running = alive(ctx);
        if (!running) return std::move(running).failure();
        for (auto it = doms.begin(); it != doms.end();) {
            const std::string& d = *it;
            if (contains(*running, d)) {
                auto rc = restart_count(ctx, d);
                if (!rc) return std::move(rc).failure();
                if (*rc != counts.at(d)) {
                    info(cat("Domain ", d, " rebooted"));
                    it = doms.erase(it);
                    continue;
                }
            } else if (++recreating[d] > kRecreatingTimeout) {
                // Probably being recreated; after this long it is not coming back.
                info(cat("Domain ", d, " destroyed for failing to reboot"));
                it = doms.erase(it);
                continue;
            }
            ++it;
        }
        if (!doms.empty()) std::this_thread::sleep_for(kPollInterval);
    }
    info("All domains rebooted");
    return {};
}

Outcome shutdown(Context& ctx, Args args, bool reboot) {
    auto opts = gnu_getopt(args, "hawHR", {"help", "all", "wait", "halt", "reboot"});
    if (!opts) return std::move(opts).failure();
    bool halt = opts->has("-H", "--halt");
    reboot = reboot || opts->has("-R", "--reboot");
    if (halt && reboot) return Failure::plain("Can't specify halt and reboot");
    std::string mode = halt ? "halt" : reboot ? "reboot" : "poweroff";

    std::vector<std::string> doms;
    if (opts->has("-a", "--all")) {
        auto running = alive(ctx);
        if (!running) return std::move(running).failure();
        auto dom0 = ctx.xend.call_sexpr("xend.domain", {Value::integer(0)});
        if (!dom0) return std::move(dom0).failure();
        doms = std::move(*running);
        std::erase(doms, dom0->value_text("name").value_or(""));
    } else {
        if (opts->params.empty()) return Failure::plain("No domain parameter given");
        if (opts->params.size() > 1) return Failure::plain("No multiple domain parameters allowed");
        auto dom = ctx.xend.call_sexpr("xend.domain", {Value::string(opts->params[0])});
        if (!dom) return std::move(dom).failure();
        doms.push_back(dom->value_text("name").value_or(opts->params[0]));
    }

    std::map<std::string, std::string> counts;
    for (const std::string& d : doms) {
        auto rc = restart_count(ctx, d);
        if (!rc) return std::move(rc).failure();
        counts[d] = *rc;
        auto done = ctx.xend.call("xend.domain.shutdown", {Value::string(d), Value::string(mode)});
        if (!done) return std::move(done).failure();
    }
    if (!opts->has("-w", "--wait")) return {};
    return mode == "reboot" ? wait_reboot(ctx, std::move(doms), counts) : wait_shutdown(ctx, std::move(doms));
}

}  // namespace

Outcome cmd_shutdown(Context& ctx, Args args) {
    if (auto n = arg_check(args, "shutdown", 1, 4); !n) return n;
    return shutdown(ctx, args, false);
}

Outcome cmd_reboot(Context& ctx, Args args) {
    if (auto n = arg_check(args, "reboot", 1, 3); !n) return n;
    return shutdown(ctx, args, true);
}

}  // namespace xvm::xm
