#include "daemons/xend/domain_sxpr.h"

#include <sys/utsname.h>

#include "daemons/xend/cpu_list.h"
#include "daemons/xend/frames.h"
#include "lib/base/format.h"

namespace xvm::xend {
namespace {

using rpc::Sexpr;

Sexpr text(std::string name, std::string value) { return Sexpr::pair(std::move(name), Sexpr::string(std::move(value))); }
Sexpr num(std::string name, std::int64_t value) { return Sexpr::pair(std::move(name), Sexpr::integer(value)); }
Sexpr real(std::string name, double value) { return Sexpr::pair(std::move(name), Sexpr::real(value)); }

Sexpr devices(const DomainSpec& s, std::vector<Sexpr>& out) {
    for (const DiskSpec& d : s.disks) {
        Sexpr dev = Sexpr::list({Sexpr::string(d.device_class())});
        if (!d.protocol.empty()) dev.add(text("protocol", d.protocol));
        dev.add(text("uuid", d.uuid));
        dev.add(text("dev", d.dev + (d.cdrom ? ":cdrom" : ":disk")));
        dev.add(text("uname", d.uname));
        dev.add(text("mode", d.mode));
        dev.add(num("backend", d.backend));
        dev.add(num("bootable", &d == &s.disks.front() ? 1 : 0));
        out.push_back(Sexpr::pair("device", dev));
    }
    for (const VifSpec& v : s.vifs) {
        Sexpr dev = Sexpr::list({Sexpr::string("vif")});
        for (const auto& [k, val] : v.keys) dev.add(text(k, val));
        dev.add(text("mac", v.mac));
        dev.add(text("uuid", v.uuid));
        dev.add(num("backend", v.backend));
        out.push_back(Sexpr::pair("device", dev));
    }
    for (const VfbSpec& f : s.vfbs) {  // the password is never shown
        Sexpr dev = Sexpr::list({Sexpr::string("vfb")});
        for (const auto& [k, val] : f.keys) dev.add(text(k, val));
        dev.add(text("uuid", f.uuid));
        out.push_back(Sexpr::pair("device", dev));
    }
    return Sexpr();
}

}  // namespace

std::string state_string(const DomainInfo& i) {
    std::string s = "------";
    if (i.running) s[0] = 'r';
    if (i.blocked) s[1] = 'b';
    if (i.paused) s[2] = 'p';
    if (i.shutdown && !i.crashed) s[3] = 's';
    if (i.crashed) s[4] = 'c';
    if (i.dying) s[5] = 'd';
    return s;
}

int status_code(const DomainRecord& r) {
    if (!r.info) return 0;
    const DomainInfo& i = *r.info;
    if (i.crashed) return 5;
    if (i.shutdown && i.shutdown_reason == ShutdownReason::kSuspend) return 3;
    if (i.shutdown || i.dying) return 4;
    if (i.paused) return 1;
    return 2;
}

std::string state_word(const DomainRecord& r) {
    switch (status_code(r)) {
        case 0: return "halted";
        case 1: return "paused";
        case 2: return "running";
        case 3: return "suspended";
        case 4: return "halted";  // shutting down counts as halted (XEND.md 1.3)
        case 5: return "crashed";
    }
    return "unknown";
}

Sexpr domain_sexpr(const DomainRecord& r, bool full) {
    const DomainSpec& s = r.spec;
    Sexpr d = Sexpr::list({Sexpr::string("domain")});
    if (r.domid) d.add(num("domid", *r.domid));
    d.add(text("on_crash", std::string(action_name(s.on_crash))));
    d.add(text("uuid", r.uuid()));
    d.add(text("bootloader_args", s.bootloader_args));
    d.add(num("vcpus", r.info && r.domid == kDom0 ? r.info->max_vcpus : s.vcpus));
    d.add(text("name", s.name));
    d.add(text("on_poweroff", std::string(action_name(s.on_poweroff))));
    d.add(text("on_reboot", std::string(action_name(s.on_reboot))));
    d.add(text("bootloader", s.bootloader));
    std::int64_t maxmem = r.info ? static_cast<std::int64_t>(r.info->max_memory_kib / 1024) : 0;
    std::int64_t memory = r.info ? static_cast<std::int64_t>(r.info->memory_kib / 1024) : 0;
    if (!r.info || maxmem == 0) maxmem = static_cast<std::int64_t>(s.maxmem_mib);
    if (!r.info) memory = static_cast<std::int64_t>(s.memory_mib);
    d.add(num("maxmem", maxmem));
    d.add(num("memory", memory));
    d.add(num("shadow_memory", static_cast<std::int64_t>(s.shadow_memory_mib)));
    d.add(num("cpu_weight", s.cpu_weight));
    d.add(num("cpu_cap", s.cpu_cap));
    d.add(text("features", s.features));
    d.add(text("on_xend_start", s.on_xend_start));
    d.add(text("on_xend_stop", s.on_xend_stop));
    if (r.domid && *r.domid != kDom0) d.add(real("start_time", r.start_time));
    if (r.info) {
        d.add(real("cpu_time", static_cast<double>(r.info->cpu_time_ns) / 1e9));
        d.add(num("online_vcpus", r.info->vcpus_online));
    }
    if (r.domid != kDom0) d.add(Sexpr::pair("image", image_sexpr(s)));
    d.add(num("status", status_code(r)));
    if (r.info) d.add(text("state", state_string(*r.info)));
    if (r.info && r.domid != kDom0) {
        d.add(num("store_mfn", static_cast<std::int64_t>(store_mfn_of(*r.info))));
        d.add(num("console_mfn", static_cast<std::int64_t>(console_mfn_of(*r.info))));
    }
    if (full) {
        std::vector<Sexpr> devs;
        devices(s, devs);
        for (Sexpr& dev : devs) d.add(std::move(dev));
    }
    return d;
}

Sexpr vcpu_info_sexpr(const DomainRecord& r, const std::vector<VcpuInfo>& vcpus, std::uint32_t nr_cpus) {
    Sexpr d = Sexpr::list({Sexpr::string("domain")});
    if (r.domid) d.add(num("domid", *r.domid));
    d.add(text("name", r.spec.name));
    d.add(num("vcpu_count", static_cast<std::int64_t>(vcpus.empty() ? r.spec.vcpus : vcpus.size())));
    auto map_of = [](const std::vector<std::uint32_t>& cpus) {
        Sexpr m = Sexpr::list();
        for (std::uint32_t c : cpus) m.add(Sexpr::integer(c));
        return m;
    };
    if (vcpus.empty()) {  // not running: the configured maps (3.3)
        std::vector<std::uint32_t> every;
        for (std::uint32_t c = 0; c < std::max<std::uint32_t>(nr_cpus, 1); ++c) every.push_back(c);
        for (std::uint32_t v = 0; v < r.spec.vcpus; ++v) {
            Sexpr vc = Sexpr::list({Sexpr::string("vcpu")});
            vc.add(num("number", v)).add(num("online", 0)).add(num("blocked", 0)).add(num("running", 0));
            vc.add(real("cpu_time", 0)).add(num("cpu", -1));
            vc.add(Sexpr::pair("cpumap", map_of(r.spec.cpus.empty() ? every : r.spec.cpus[v])));
            d.add(std::move(vc));
        }
        return d;
    }
    for (const VcpuInfo& v : vcpus) {
        Sexpr vc = Sexpr::list({Sexpr::string("vcpu")});
        vc.add(num("number", v.vcpu)).add(num("online", v.online)).add(num("blocked", v.blocked));
        vc.add(num("running", v.running)).add(real("cpu_time", static_cast<double>(v.cpu_time_ns) / 1e9));
        vc.add(num("cpu", v.cpu)).add(Sexpr::pair("cpumap", map_of(v.affinity)));
        d.add(std::move(vc));
    }
    return d;
}

Sexpr node_info_pairs(const NodeFacts& f) {
    struct utsname u {};
    ::uname(&u);
    Sexpr n = Sexpr::list();
    n.add(text("system", u.sysname)).add(text("host", u.nodename)).add(text("release", u.release));
    n.add(text("version", u.version)).add(text("machine", u.machine));
    n.add(num("nr_cpus", f.phys.nr_cpus)).add(num("nr_nodes", 1)).add(num("sockets_per_node", 1));
    n.add(num("cores_per_socket", f.phys.nr_cpus)).add(num("threads_per_core", 1)).add(num("cpu_mhz", 0));
    n.add(text("hw_caps", "")).add(text("virt_caps", ""));
    n.add(num("total_memory", static_cast<std::int64_t>(f.phys.total_kib / 1024)));
    n.add(num("free_memory", static_cast<std::int64_t>(f.phys.free_kib / 1024)));
    std::vector<std::uint32_t> cpus;
    for (std::uint32_t c = 0; c < f.phys.nr_cpus; ++c) cpus.push_back(c);
    n.add(text("node_to_cpu", cat("node0:", cpus.empty() ? "no cpus" : format_cpu_list(cpus))));
    n.add(text("node_to_memory", cat("node0:", f.phys.free_kib / 1024)));
    n.add(num("xen_major", 3)).add(num("xen_minor", 3)).add(text("xen_extra", cat(".0-", f.backend)));
    n.add(text("xen_caps", "xen-3.0-x86_64")).add(text("xen_scheduler", "credit"));
    n.add(num("xen_pagesize", 4096)).add(text("platform_params", "")).add(text("xen_changeset", "unavailable"));
    n.add(text("cc_compiler", __VERSION__)).add(text("cc_compile_by", "xvm")).add(text("cc_compile_domain", ""));
    n.add(text("cc_compile_date", __DATE__));
    n.add(num("xend_config_format", 4));
    return n;
}

Sexpr node_sexpr(const NodeFacts& f) {
    Sexpr pairs = node_info_pairs(f);
    Sexpr n = Sexpr::list({Sexpr::string("node")});
    for (Sexpr& pair : pairs.items()) n.add(std::move(pair));
    return n;
}

}  // namespace xvm::xend
