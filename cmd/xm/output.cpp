#include "cmd/xm/output.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "lib/base/format.h"

namespace xvm::xm {

using rpc::Sexpr;

namespace {

// Python's int(x) of an S-expression value: ints as they are, doubles
// truncated, strings parsed (surrounding blanks allowed).
std::optional<std::int64_t> py_int(const Sexpr& v) {
    switch (v.kind()) {
        case Sexpr::Kind::kInt: return v.int_value();
        case Sexpr::Kind::kDouble:
            if (!std::isfinite(v.double_value())) return std::nullopt;
            return static_cast<std::int64_t>(v.double_value());
        case Sexpr::Kind::kString: {
            std::string s = v.str();
            std::size_t a = s.find_first_not_of(" \t\n");
            if (a == std::string::npos) return std::nullopt;
            return Sexpr::string(s.substr(a, s.find_last_not_of(" \t\n") - a + 1)).as_int();
        }
        case Sexpr::Kind::kList: break;
    }
    return std::nullopt;
}

// Python's float(x).
std::optional<double> py_float(const Sexpr& v) {
    if (v.is_list()) return std::nullopt;
    return v.as_double();
}

// Python's str(x): atoms as printed, lists in their S-expression form.
std::string py_str(const Sexpr& v) {
    auto t = v.text();
    return t ? *t : rpc::sexpr_to_string(v);
}

std::string str_field(const Sexpr& s, std::string_view name, std::string_view dflt) {
    const Sexpr* v = s.child_value(name);
    return v ? py_str(*v) : std::string(dflt);
}

std::optional<std::int64_t> int_field(const Sexpr& s, std::string_view name, std::int64_t dflt) {
    const Sexpr* v = s.child_value(name);
    return v ? py_int(*v) : dflt;
}

std::optional<double> float_field(const Sexpr& s, std::string_view name, double dflt) {
    const Sexpr* v = s.child_value(name);
    return v ? py_float(*v) : dflt;
}

// Python 2's integer division (floors).
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

std::string two_digits(std::int64_t v, bool zero_pad) {
    char buf[32];
    std::snprintf(buf, sizeof buf, zero_pad ? "%02lld" : "%2lld", static_cast<long long>(v));
    return buf;
}

}  // namespace

std::string pad_right(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string pad_left(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string fixed(double value, int width, int precision) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%*.*f", width, precision, value);
    return buf;
}

Expected<DomainInfo> parse_domain_info(const Sexpr& domain, double now) {
    DomainInfo d;
    d.domid = str_field(domain, "domid", "");
    d.name = str_field(domain, "name", "??");
    d.state = str_field(domain, "state", "");
    auto configured = int_field(domain, "vcpus", 0);
    auto online = int_field(domain, "online_vcpus", configured.value_or(0));
    auto mem = int_field(domain, "memory", 0);
    auto cpu_time = float_field(domain, "cpu_time", 0.0);
    auto start_time = float_field(domain, "start_time", -1.0);
    if (!configured || !online || !mem || !cpu_time || !start_time) return Failure::invalid_argument();
    d.vcpus = *online;
    d.mem = *mem;
    d.cpu_time = *cpu_time;
    d.up_time = *start_time == -1 ? -1.0 : now - *start_time;
    return d;
}

void sort_by_name(std::vector<Sexpr>& domains) {
    std::stable_sort(domains.begin(), domains.end(), [](const Sexpr& a, const Sexpr& b) {
        return str_field(a, "name", "") < str_field(b, "name", "");
    });
}

Expected<std::string> format_list(const std::vector<Sexpr>& domains, double now) {
    std::string out = cat(pad_right("Name", 40), " ", pad_left("ID", 5), " ", pad_left("Mem", 5), " ",
                          pad_left("VCPUs", 5), " ", pad_left("State", 10), " ", pad_left("Time(s)", 9), "\n");
    for (const Sexpr& dom : domains) {
        auto d = parse_domain_info(dom, now);
        if (!d) return std::move(d).failure();
        out += cat(pad_right(d->name, 40), " ", pad_left(d->domid, 5), " ", pad_left(std::to_string(d->mem), 5), " ",
                   pad_left(std::to_string(d->vcpus), 5), " ", pad_left(d->state, 10), " ", fixed(d->cpu_time, 8, 1),
                   "\n");
    }
    return out;
}

std::string format_list_long(const std::vector<Sexpr>& domains) {
    std::string out;
    for (const Sexpr& dom : domains) out += rpc::sexpr_pretty(dom, 80);
    return out;
}

std::string format_info(const Sexpr& info) {
    std::string out;
    if (!info.is_list()) return out;
    const auto& pairs = info.items();
    for (std::size_t i = 1; i < pairs.size(); ++i) {
        const Sexpr& x = pairs[i];
        if (!x.is_list() || x.items().size() < 2) {
            std::string key = x.is_list() ? (x.items().empty() ? "" : py_str(x.items()[0])) : py_str(x);
            out += cat(pad_right(key, 23), ": (none)\n");
        } else {
            out += cat(pad_right(py_str(x.items()[0]), 23), ": ", py_str(x.items()[1]), "\n");
        }
    }
    return out;
}

std::optional<std::int64_t> node_nr_cpus(const Sexpr& info) {
    if (!info.is_list()) return std::nullopt;
    for (const Sexpr& x : info.items())
        if (x.is_list() && x.items().size() > 1 && x.items()[0].is_string() && x.items()[0].str() == "nr_cpus")
            return py_int(x.items()[1]);
    return std::nullopt;
}

std::string cpumap_text(std::vector<std::int64_t> cpus, std::int64_t nr_cpus) {
    std::erase_if(cpus, [&](std::int64_t c) { return c >= nr_cpus; });
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    if (static_cast<std::int64_t>(cpus.size()) == nr_cpus) return "any cpu";
    if (cpus.empty()) return "no cpus";
    std::string out;
    for (std::size_t i = 0; i < cpus.size();) {
        std::size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += i == j ? std::to_string(cpus[i]) : cat(cpus[i], "-", cpus[j]);
        i = j + 1;
    }
    return out;
}

namespace {

Expected<std::string> vcpu_row(const std::string& name, const std::string& domid, const Sexpr& vcpu,
                               std::int64_t nr_cpus) {
    auto number = int_field(vcpu, "number", -1);
    auto cpu = int_field(vcpu, "cpu", -1);
    auto online = int_field(vcpu, "online", 0);
    auto running = int_field(vcpu, "running", 0);
    auto blocked = int_field(vcpu, "blocked", 0);
    auto cpu_time = float_field(vcpu, "cpu_time", 0.0);
    const Sexpr* map = vcpu.child_value("cpumap");
    if (!vcpu.child("number") || !number || !cpu || !online || !running || !blocked || !cpu_time || !map ||
        !map->is_list())
        return Failure::invalid_argument();
    std::vector<std::int64_t> cpus;
    for (const Sexpr& c : map->items()) {
        auto n = py_int(c);
        if (!n) return Failure::invalid_argument();
        cpus.push_back(*n);
    }
    std::string c, s;
    if (*cpu < 0) {
        // An inactive domain's vcpu: no CPU, no state.
    } else if (*online) {
        c = std::to_string(*cpu);
        s = cat(*running ? "r" : "-", *blocked ? "b" : "-", "-");
    } else {
        c = "-";
        s = "--p";
    }
    return cat(pad_right(name, 32), " ", pad_left(domid, 5), " ", pad_left(std::to_string(*number), 5), " ",
               pad_left(c, 5), " ", pad_left(s, 5), "  ", fixed(*cpu_time, 8, 1), " ", cpumap_text(cpus, nr_cpus),
               "\n");
}

}  // namespace

Expected<std::string> format_vcpu_list(const std::vector<Sexpr>& vcpu_infos, std::int64_t nr_cpus) {
    std::string out = cat(pad_right("Name", 32), " ", pad_left("ID", 5), " ", pad_left("VCPU", 5), " ",
                          pad_left("CPU", 5), " ", pad_left("State", 5), " ", pad_left("Time(s)", 9), " ",
                          "CPU Affinity\n");
    for (const Sexpr& dom : vcpu_infos) {
        std::string name = str_field(dom, "name", "None");
        std::string domid = str_field(dom, "domid", "");
        for (const Sexpr* vcpu : dom.children("vcpu")) {
            auto row = vcpu_row(name, domid, *vcpu, nr_cpus);
            if (!row) return std::move(row).failure();
            out += *row;
        }
    }
    return out;
}

Expected<std::string> format_uptime(const std::vector<Sexpr>& domains, double now, double dom0_uptime,
                                    bool short_mode, const std::tm& local) {
    std::string out;
    if (!short_mode) out = cat(pad_right("Name", 33), " ", pad_left("ID", 4), " Uptime \n");
    for (const Sexpr& dom : domains) {
        auto d = parse_domain_info(dom, now);
        if (!d) return std::move(d).failure();
        std::int64_t uptime = 0;
        if (!d->domid.empty()) {
            auto id = Sexpr::string(d->domid).as_int();
            if (!id) return Failure::invalid_argument();
            uptime = static_cast<std::int64_t>(std::round(*id > 0 ? d->up_time : dom0_uptime));
        }
        std::int64_t days = floor_div(uptime, 86400);
        uptime -= days * 86400;
        std::int64_t hours = floor_div(uptime, 3600);
        uptime -= hours * 3600;
        std::int64_t minutes = floor_div(uptime, 60);
        std::int64_t seconds = uptime - minutes * 60;
        std::string up;
        if (days > 0) up = cat(days, " day", days > 1 ? "s" : "", ", ");
        up += cat(two_digits(hours, false), ":", two_digits(minutes, true));
        if (short_mode) {
            char clock[16];
            std::strftime(clock, sizeof clock, " %H:%M:%S", &local);
            out += cat(clock, " up ", up, ", ", d->name, " (", d->domid, ")\n");
        } else {
            out += cat(pad_right(d->name, 32), " ", pad_left(d->domid, 5), " ", up, ":", two_digits(seconds, true), "\n");
        }
    }
    return out;
}

}  // namespace xvm::xm
