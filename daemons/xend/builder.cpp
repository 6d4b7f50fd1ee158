#include "daemons/xend/builder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <ctime>

#include "daemons/xend/balloon.h"
#include "daemons/xend/disks.h"
#include "daemons/xend/frames.h"
#include "daemons/xend/store_layout.h"
#include "daemons/xend/uuid.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/paths.h"
#include "lib/base/unique_fd.h"

namespace xvm::xend {
namespace {

double now_epoch() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

DomainConfig hypervisor_config(const DomainSpec& s) {
    DomainConfig c;
    c.uuid = *s.uuid;
    c.memory_kib = s.memory_mib * 1024;
    c.max_memory_kib = s.maxmem_mib * 1024;
    c.vcpus = s.vcpus;
    c.hvm = s.hvm;
    c.kernel = root_path(s.kernel);
    if (!s.ramdisk.empty()) c.ramdisk = root_path(s.ramdisk);
    c.cmdline = s.args;
    return c;
}

Status set_vcpus(Hypervisor& hv, DomId dom, const DomainSpec& s, std::uint32_t nr_cpus) {
    std::uint64_t mask = s.vcpus >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << s.vcpus) - 1;
    auto online = static_cast<std::uint32_t>(std::popcount(s.vcpu_avail & mask));
    if (online == 0) online = 1;
    if (online < s.vcpus)
        if (Status ok = hv.set_vcpus_online(dom, online); !ok) return ok;
    for (std::uint32_t v = 0; v < s.cpus.size(); ++v) {
        std::vector<std::uint32_t> here;
        for (std::uint32_t c : s.cpus[v])
            if (c < nr_cpus) here.push_back(c);
        if (here.empty())
            return make_error(cat("cpus for vcpu ", v, " name no CPU of this host (it has ", nr_cpus, ")"));
        if (Status ok = hv.set_vcpu_affinity(dom, v, here); !ok) return ok;
    }
    return {};
}

// Steps 3-6 on a domain that exists: any failure is cleaned up by the caller.
Result<Built> finish(Worker& w, const BuildRequest& req, DomId dom, std::uint32_t nr_cpus) {
    const DomainSpec& s = req.spec;
    if (Status ok = set_vcpus(*w.hv, dom, s, nr_cpus); !ok) return std::move(ok).error();
    auto info = w.hv->domain_info(dom);
    if (!info) return std::move(info).error();
    Built b{dom, *info, now_epoch()};
    LayoutInput in{&s, dom, *info, b.start_time, req.restart_count, req.previous_restart_time,
                   req.console_limit_kib, req.vnc_listen, req.vncpasswd};
    if (Status ok = apply_ops(*w.xs, domain_layout(in)); !ok) return std::move(ok).error();
    if (Status ok = w.xs->introduce(dom, store_mfn_of(*info), info->store_port); !ok) return std::move(ok).error();
    if (req.unpause)
        if (Status ok = w.hv->domain_unpause(dom); !ok) return std::move(ok).error();
    return b;
}

}  // namespace

Result<Built> build_domain(Worker& w, const BuildRequest& req) {
    const DomainSpec& s = req.spec;
    if (Status ok = check_files(s); !ok) return std::move(ok).error();
    if (Status ok = prepare_disks(s, req.requester, req.xvm_uid, req.xvm_gid); !ok) return std::move(ok).error();
    std::uint32_t nr_cpus = 0;
    Result<DomId> dom = make_error("not built");
    {
        std::lock_guard lock(*w.memory_lock);
        auto phys = w.hv->physinfo();
        if (!phys) return std::move(phys).error();
        nr_cpus = phys->nr_cpus;
        BalloonPolicy policy;
        policy.dom0_min_kib = req.dom0_min_kib;
        std::uint64_t need = (s.memory_mib + s.shadow_memory_mib) * 1024;
        if (Status ok = balloon_free(*w.hv, need, policy); !ok) return std::move(ok).error();
        dom = w.hv->domain_create(hypervisor_config(s));
        if (!dom) return std::move(dom).error().context(cat("cannot create domain ", s.name));
    }
    auto built = finish(w, req, *dom, nr_cpus);
    if (built) return built;
    // Leave nothing behind: the domain and whatever of its entries exist.
    if (Status gone = teardown_domain(w, s, *dom, false); !gone) log_error(gone.error());
    return std::move(built).error().context(cat("cannot build domain ", s.name));
}

Status teardown_domain(Worker& w, const DomainSpec& spec, DomId dom, bool keep_vm) {
    Status destroyed = w.hv->domain_destroy(dom);
    if (!destroyed && destroyed.error().code != ESRCH)
        return std::move(destroyed).error().context(cat("cannot destroy domain ", dom));
    Status released = w.xs->release(dom);
    Status removed = apply_ops(*w.xs, teardown_layout(spec, dom, keep_vm));
    if (!released) return released;
    return removed;
}

std::string default_dump_name(const std::string& name, DomId dom, std::time_t when) {
    struct tm tm {};
    ::localtime_r(&when, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m%d-%H%M.%S", &tm);
    std::string safe = name;
    for (char& c : safe)
        if (c == '/') c = '_';
    return cat(stamp, "-", safe, ".", dom, ".core");
}

Result<std::string> dump_core(Worker& w, DomId dom, const std::string& dir, const std::string& file) {
    if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..")
        return make_error(cat("core file name '", file, "' is not a plain file name"));
    std::string dir_path = root_path(dir);
    UniqueFd d(::open(dir_path.c_str(), O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC));
    if (!d) return errno_error(cat("Failed to dump core: cannot open ", dir));
    UniqueFd f(::openat(d.get(), file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!f) return errno_error(cat("Failed to dump core: cannot create ", dir, "/", file));
    std::string shown = cat(dir, "/", file);
    if (Status ok = w.hv->core_dump(dom, f.get()); !ok) {
        std::string incomplete = file + "-incomplete";
        if (::renameat(d.get(), file.c_str(), d.get(), incomplete.c_str()) < 0)
            log_warn(cat("cannot rename ", shown, " to ", incomplete));
        return make_error(cat("Failed to dump core: ", ok.error().message));
    }
    return shown;
}

}  // namespace xvm::xend
