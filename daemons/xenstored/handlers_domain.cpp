// Handlers for domain management and operator commands: INTRODUCE,
// RELEASE, RESUME, IS_DOMAIN_INTRODUCED, GET_DOMAIN_PATH, SET_TARGET,
// CONTROL. The domain table itself belongs to the server (Services).
#include <charconv>
#include <cstdlib>

#include "lib/base/format.h"
#include "lib/base/log.h"
#include "daemons/xenstored/path.h"
#include "daemons/xenstored/request.h"

namespace xvm::xs {
namespace {

template <typename T>
bool parse_number(std::string_view text, T& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

int do_introduce(Request& r) {
    auto args = string_args(r.msg.payload, 3, true);
    if (!args) return EINVAL;
    auto dom = domid_arg((*args)[0]);
    // The mfn is signed decimal on the wire (Xen's docs/misc/xenstore.txt).
    std::int64_t mfn = 0;
    std::uint32_t port = 0;
    if (!dom || *dom == 0 || !parse_number((*args)[1], mfn) || !parse_number((*args)[2], port))
        return EINVAL;
    Status s = r.ctx.services.introduce(*dom, static_cast<std::uint64_t>(mfn), port);
    if (!s) {
        log_warnx(cat("INTRODUCE of domain ", *dom, " failed: ", s.error().message));
        return s.error().code;
    }
    r.ok();
    fire_special(r.ctx, "@introduceDomain");
    return 0;
}

int do_release(Request& r) {
    auto dom = one_domid_arg(r);
    if (!dom || *dom == 0) return EINVAL;
    Status s = r.ctx.services.release(*dom);
    if (!s) return s.error().code;
    r.ok();
    fire_special(r.ctx, "@releaseDomain");
    return 0;
}

int do_resume(Request& r) {
    auto dom = one_domid_arg(r);
    if (!dom || *dom == 0) return EINVAL;
    Status s = r.ctx.services.resume(*dom);
    if (!s) return s.error().code;
    r.ok();
    return 0;
}

int do_is_domain_introduced(Request& r) {
    auto dom = one_domid_arg(r);
    if (!dom) return EINVAL;
    bool yes = *dom == 0 || r.ctx.services.introduced(*dom);
    r.reply(std::string_view(yes ? "T" : "F", 2));
    return 0;
}

int do_get_domain_path(Request& r) {
    // Xen 4.17 reads the id with atoi(): junk is domain 0.
    auto args = string_args(r.msg.payload, 1);
    if (!args) return EINVAL;
    auto dom = static_cast<DomainId>(std::atoi(std::string((*args)[0]).c_str()));
    std::string out = domain_path(dom);
    out += '\0';
    r.reply(out);
    return 0;
}

int do_set_target(Request& r) {
    auto args = string_args(r.msg.payload, 2);
    if (!args) return EINVAL;
    auto dom = domid_arg((*args)[0]);
    auto target = domid_arg((*args)[1]);
    if (!dom || !target) return EINVAL;
    Status s = r.ctx.services.set_target(*dom, *target);
    if (!s) return s.error().code;
    r.ok();
    return 0;
}

// Operator commands: check (memory against the tdb), log on|off (request
// tracing), quota (limits and usage), print <text> (to the log), help.
int do_control(Request& r) {
    auto args = string_args(r.msg.payload, 1, true);
    if (!args) return EINVAL;
    std::string_view cmd = (*args)[0];
    std::string out;
    if (cmd == "check") {
        std::string problems = r.ctx.store.check();
        if (!problems.empty()) log_warnx(cat("CONTROL check: ", problems));
        out = problems.empty() ? "OK" : problems;
    } else if (cmd == "log" && args->size() == 2 && ((*args)[1] == "on" || (*args)[1] == "off")) {
        r.ctx.services.set_trace((*args)[1] == "on");
        out = "OK";
    } else if (cmd == "print" && args->size() == 2) {
        log_info(cat("CONTROL print: ", (*args)[1]));
        out = "OK";
    } else if (cmd == "quota") {
        out = describe_quotas(r.ctx.quotas) + r.ctx.services.describe();
    } else if (cmd == "help") {
        out = "check\nlog on|off\nprint <text>\nquota\nhelp\n";
    } else {
        return EINVAL;
    }
    out += '\0';
    r.reply(out);
    return 0;
}

}  // namespace xvm::xs
