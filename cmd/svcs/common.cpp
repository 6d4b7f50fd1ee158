// svcs: reading instances, processes and dependency states (illumos svcs.c's
// utility functions).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <clocale>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "cmd/svcs/svcs.h"
#include "lib/base/file.h"
#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/smf/smf_contract.h"
#include "lib/smf/smf_fmri.h"

namespace xvm::svcs {

int exit_status = 0;
time_t now = 0;

void warn(const std::string& msg) { std::fprintf(stderr, "svcs: %s", msg.c_str()); }

void die(const std::string& msg) {
    std::fflush(stdout);
    warn(msg);
    std::exit(1);
}

std::optional<Inst> load_instance(smf::Repository& repo, const std::string& entity) {
    Inst i;
    i.entity = entity;
    i.fmri = smf::entity_fmri(entity);
    auto own = repo.current(entity);
    if (!own) return std::nullopt;
    i.own = std::move(*own);
    auto composed = repo.composed_current(entity);
    i.composed = composed ? std::move(*composed) : i.own;
    auto running = repo.snapshot(entity, "running");
    i.running = running ? std::move(*running) : i.composed;
    return i;
}

std::optional<std::string> single(const smf::PgSet& set, const std::string& pg, const std::string& prop) {
    const smf::Property* p = set.find(pg, prop);
    if (p == nullptr || p->values.size() != 1) return std::nullopt;
    return p->values[0];
}

int instance_enabled(const Inst& i, bool temp) {
    const smf::Property* p = i.own.find(temp ? "general_ovr" : "general", "enabled");
    if (p == nullptr || p->type != smf::PropType::Boolean || p->values.size() != 1) return -1;
    return p->values[0] == "true" ? 1 : 0;
}

std::string restarter_string(const Inst& i, const std::string& prop) {
    return single(i.composed, "restarter", prop).value_or("");
}

std::optional<std::pair<std::int64_t, std::int32_t>> state_time(const Inst& i) {
    auto v = single(i.composed, "restarter", "state_timestamp");
    if (!v) return std::nullopt;
    char* end = nullptr;
    long long sec = std::strtoll(v->c_str(), &end, 10);
    long nsec = *end == '.' ? std::strtol(end + 1, nullptr, 10) : 0;
    return std::make_pair(static_cast<std::int64_t>(sec), static_cast<std::int32_t>(nsec / 1000));
}

std::optional<std::string> common_name(const Inst& i) {
    // The locale as libscf names it (_scf_sanitize_locale: '.' and '@'
    // become '_'), then "C".
    std::string loc = std::setlocale(LC_MESSAGES, nullptr) ? std::setlocale(LC_MESSAGES, nullptr) : "C";
    std::replace(loc.begin(), loc.end(), '.', '_');
    std::replace(loc.begin(), loc.end(), '@', '_');
    for (const std::string& l : {loc, std::string("C")}) {
        const smf::Property* p = i.running.find("tm_common_name", l);
        if (p && p->values.size() == 1 && !p->values[0].empty()) return p->values[0];
    }
    return std::nullopt;
}

std::vector<std::string> contract_ids(const Inst& i) {
    const smf::Property* p = i.composed.find("restarter", "contract");
    if (p == nullptr || p->type != smf::PropType::Count) return {};
    std::vector<std::string> out;
    for (const std::string& v : p->values)
        if (v != "0") out.push_back(v);
    return out;
}

std::vector<pid_t> instance_processes(const Inst& i) {
    if (contract_ids(i).empty()) return {};
    auto base = smf::contract_base();
    if (!base) return {};
    auto pids = smf::Contract(*base, i.entity).pids();
    std::sort(pids.begin(), pids.end());
    return pids;
}

std::optional<Psinfo> psinfo(pid_t pid) {
    auto comm = read_text_file(cat("/proc/", pid, "/comm"));
    auto stat = read_text_file(cat("/proc/", pid, "/stat"));
    if (!comm || !stat) return std::nullopt;
    Psinfo ps;
    ps.fname = *comm;
    if (!ps.fname.empty() && ps.fname.back() == '\n') ps.fname.pop_back();
    if (auto cmdline = read_text_file(cat("/proc/", pid, "/cmdline"))) {
        std::string args = *cmdline;
        while (!args.empty() && args.back() == '\0') args.pop_back();
        std::replace(args.begin(), args.end(), '\0', ' ');
        ps.args = args.empty() ? ps.fname : args.substr(0, 79);  // PRARGSZ
    }
    // Field 22 of /proc/PID/stat (after the parenthesized name): start
    // time in clock ticks since boot.
    auto close = stat->rfind(')');
    if (close != std::string::npos) {
        std::istringstream in(stat->substr(close + 2));
        std::string f;
        unsigned long long ticks = 0;
        for (int k = 3; k <= 22 && in >> f; ++k)
            if (k == 22) ticks = std::strtoull(f.c_str(), nullptr, 10);
        long hz = ::sysconf(_SC_CLK_TCK);
        long long btime = 0;
        if (auto ps_stat = read_text_file("/proc/stat")) {
            auto at = ps_stat->find("\nbtime ");
            if (at != std::string::npos) btime = std::strtoll(ps_stat->c_str() + at + 7, nullptr, 10);
        }
        if (hz > 0) ps.start = static_cast<time_t>(btime + static_cast<long long>(ticks / static_cast<unsigned long long>(hz)));
    }
    return ps;
}

std::string stime_text(time_t then) {
    struct tm tm {};
    ::localtime_r(&then, &tm);
    char buf[9];
    const char* fmt = now - then < 24 * 60 * 60 ? "%k:%M:%S" : now - then < 12 * 30 * 24 * 60 * 60 ? "%b_%d  " : "%Y    ";
    if (::strftime(buf, sizeof buf, fmt, &tm) == 0) buf[0] = '\0';
    return buf;
}

std::string fmri_state(smf::Repository& repo, const std::string& fmri) {
    if (fmri.starts_with("file:")) {
        // scf_parse_file_fmri(): file://localhost/path, file:///path, file:/path
        std::string rest = fmri.substr(5);
        if (rest.starts_with("//")) {
            rest = rest.substr(2);
            auto slash = rest.find('/');
            std::string scope = rest.substr(0, slash);
            if (slash == std::string::npos || (!scope.empty() && scope != "localhost")) return "invalid";
            rest = rest.substr(slash);
        }
        struct stat st {};
        if (::stat(root_path(rest).c_str(), &st) == 0) return "online";
        return errno == ENOENT ? "absent" : "unknown";
    }
    auto f = smf::parse_fmri(fmri.starts_with("svc:") ? fmri : "svc:" + std::string(fmri.starts_with("/") ? "" : "/") + fmri);
    if (!f || !f->pg.empty()) return "invalid";
    auto exists = repo.exists(f->entity());
    if (!exists || !*exists) return "absent";
    if (f->is_instance()) {
        auto i = load_instance(repo, f->entity());
        return i ? restarter_string(*i, "state") : "absent";
    }
    auto insts = repo.instances_of(f->service);
    if (!insts || insts->empty()) return "absent";
    if (insts->size() > 1) return "multiple";
    auto i = load_instance(repo, insts->front());
    return i ? restarter_string(*i, "state") : "absent";
}

}  // namespace xvm::svcs
