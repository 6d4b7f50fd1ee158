#include "daemons/xend/store_layout.h"

#include <cstdio>

#include "daemons/xend/frames.h"
#include "daemons/xend/uuid.h"
#include "lib/base/format.h"
#include "lib/rpc/pystr.h"

namespace xvm::xend {
namespace {

using Kind = StoreOp::Kind;

struct Ops {
    std::vector<StoreOp> list;
    void remove(std::string p) { list.push_back({Kind::kRemove, std::move(p)}); }
    void dir(std::string p, std::vector<XsPerm> perms) {
        list.push_back({Kind::kMkdir, p});
        list.push_back({Kind::kPerms, std::move(p), {}, std::move(perms)});
    }
    void write(std::string p, std::string v) { list.push_back({Kind::kWrite, std::move(p), std::move(v)}); }
};

std::string number(double d) { return rpc::python_float_str(d); }

std::string backend_dir(std::uint32_t be, std::string_view cls, DomId dom, std::uint32_t devid) {
    return cat(dom_path(be), "/backend/", cls, "/", dom, "/", devid);
}

// A device's frontend and backend halves, each readable by the other side.
struct Device {
    std::string cls;
    std::uint32_t devid;
    std::uint32_t backend;
    std::string uuid;
};

void device_dirs(Ops& o, const Device& d, DomId dom, const std::string& name,
                 const std::vector<std::pair<std::string, std::string>>& front,
                 const std::vector<std::pair<std::string, std::string>>& back) {
    std::string fe = cat(dom_path(dom), "/device/", d.cls, "/", d.devid);
    std::string be = backend_dir(d.backend, d.cls, dom, d.devid);
    o.dir(fe, {{dom, 'n'}, {d.backend, 'r'}});
    o.write(fe + "/backend", be);
    o.write(fe + "/backend-id", cat(d.backend));
    o.write(fe + "/state", "1");
    for (const auto& [k, v] : front) o.write(fe + "/" + k, v);
    o.dir(be, {{d.backend, 'n'}, {dom, 'r'}});
    o.write(be + "/frontend", fe);
    o.write(be + "/frontend-id", cat(dom));
    o.write(be + "/domain", name);
    o.write(be + "/state", "1");
    o.write(be + "/online", "1");
    o.write(be + "/uuid", d.uuid);
    for (const auto& [k, v] : back) o.write(be + "/" + k, v);
}

void devices(Ops& o, const LayoutInput& in) {
    const DomainSpec& s = *in.spec;
    const std::string vm = vm_path(uuid_text(*s.uuid));
    for (const DiskSpec& d : s.disks)
        device_dirs(o, {d.device_class(), d.devid, d.backend, d.uuid}, in.dom, s.name,
                    {{"virtual-device", cat(d.devid)}, {"device-type", d.cdrom ? "cdrom" : "disk"}},
                    {{"dev", d.dev}, {"type", d.type}, {"params", d.target}, {"mode", d.mode}});
    for (const VifSpec& v : s.vifs) {
        std::vector<std::pair<std::string, std::string>> back = {{"mac", v.mac}, {"handle", cat(v.devid)}};
        for (const char* k : {"bridge", "script", "ip", "vifname", "rate", "model", "type"})
            if (const std::string* val = v.key(k)) back.emplace_back(k, *val);
        device_dirs(o, {"vif", v.devid, v.backend, v.uuid}, in.dom, s.name,
                    {{"handle", cat(v.devid)}, {"mac", v.mac}}, back);
        // The vif's configured keys, for the tools (section 10, vifs only).
        std::string keys = cat(vm, "/device/vif/", v.devid);
        o.write(keys + "/mac", v.mac);
        for (const auto& [k, val] : v.keys) o.write(keys + "/" + k, val);
    }
    for (const VfbSpec& f : s.vfbs) {
        std::vector<std::pair<std::string, std::string>> back;
        for (const auto& [k, val] : f.keys) back.emplace_back(k, val);
        bool vnc = f.key("type") == nullptr || *f.key("type") == "vnc";
        if (vnc && f.key("vnclisten") == nullptr) back.emplace_back("vnclisten", in.vnc_listen);
        device_dirs(o, {"vfb", f.devid, f.backend, f.uuid}, in.dom, s.name, {}, back);
        // The password is dom0's alone: under /vm, never in a directory
        // the guest can read.
        std::string passwd = f.vncpasswd.value_or(in.vncpasswd);
        if (vnc && !passwd.empty()) o.write(cat(vm, "/device/vfb/", f.devid, "/vncpasswd"), passwd);
    }
}

}  // namespace

std::string dom_path(DomId dom) { return cat("/local/domain/", dom); }
std::string vm_path(const std::string& uuid) { return cat("/vm/", uuid); }

std::vector<StoreOp> domain_layout(const LayoutInput& in) {
    const DomainSpec& s = *in.spec;
    const std::string uuid = uuid_text(*s.uuid);
    const std::string home = dom_path(in.dom);
    const std::string vm = vm_path(uuid);
    Ops o;
    // dom0's record of the domain first: what xend trusts.
    o.remove(vm);
    o.dir(vm, {{kDom0, 'n'}});
    o.write(vm + "/uuid", uuid);
    o.list.push_back({Kind::kPerms, vm + "/uuid", {}, {{kDom0, 'n'}, {in.dom, 'r'}}});
    o.write(vm + "/name", s.name);
    o.write(vm + "/vcpus", cat(s.vcpus));
    o.write(vm + "/vcpu_avail", cat(s.vcpu_avail));
    o.write(vm + "/shadow_memory", cat(s.shadow_memory_mib));
    o.write(vm + "/start_time", number(in.start_time));
    o.write(vm + "/on_poweroff", std::string(action_name(s.on_poweroff)));
    o.write(vm + "/on_reboot", std::string(action_name(s.on_reboot)));
    o.write(vm + "/on_crash", std::string(action_name(s.on_crash)));
    o.write(vm + "/on_xend_start", s.on_xend_start);
    o.write(vm + "/on_xend_stop", s.on_xend_stop);
    o.write(vm + "/image", rpc::sexpr_to_string(image_sexpr(s)));
    o.write(vm + "/xend/restart_count", cat(in.restart_count));
    if (in.previous_restart_time > 0)
        o.write(vm + "/xend/previous_restart_time", number(in.previous_restart_time));
    o.write(vm + "/xend/config", rpc::sexpr_to_string(spec_to_config(s)));
    o.write(vm + "/xend/domid", cat(in.dom));
    // The guest's home, which it owns.
    o.remove(home);
    o.dir(home, {{in.dom, 'n'}});
    o.write(home + "/vm", vm);
    o.write(home + "/domid", cat(in.dom));
    o.write(home + "/name", s.name);
    o.write(home + "/memory/target", cat(s.memory_mib * 1024));
    o.write(home + "/console/port", cat(in.info.console_port));
    o.write(home + "/console/ring-ref", cat(console_mfn_of(in.info)));
    o.write(home + "/console/limit", cat(in.console_limit_kib * 1024));
    o.write(home + "/console/type", "xenconsoled");
    o.write(home + "/store/port", cat(in.info.store_port));
    o.write(home + "/store/ring-ref", cat(store_mfn_of(in.info)));
    for (std::uint32_t v = 0; v < s.vcpus; ++v)
        o.write(cat(home, "/cpu/", v, "/availability"),
                v < 64 && (s.vcpu_avail >> v & 1) ? "online" : "offline");
    o.write(home + "/control/platform-feature-multiprocessor-suspend", "1");
    devices(o, in);
    return o.list;
}

std::vector<StoreOp> teardown_layout(const DomainSpec& s, DomId dom, bool keep_vm) {
    Ops o;
    o.remove(dom_path(dom));
    std::vector<std::pair<std::uint32_t, std::string>> backs;
    for (const DiskSpec& d : s.disks) backs.emplace_back(d.backend, d.device_class());
    for (const VifSpec& v : s.vifs) backs.emplace_back(v.backend, "vif");
    for (const VfbSpec& f : s.vfbs) backs.emplace_back(f.backend, "vfb");
    for (const auto& [be, cls] : backs) {
        std::string p = cat(dom_path(be), "/backend/", cls, "/", dom);
        bool seen = false;
        for (const StoreOp& op : o.list) seen = seen || op.path == p;
        if (!seen) o.remove(p);
    }
    if (!keep_vm && s.uuid) o.remove(vm_path(uuid_text(*s.uuid)));
    return o.list;
}

Status apply_ops(XsClient& xs, const std::vector<StoreOp>& ops) {
    for (const StoreOp& op : ops) {
        Status s;
        switch (op.kind) {
            case Kind::kRemove: s = xs.remove(op.path); break;
            case Kind::kMkdir: s = xs.mkdir(op.path); break;
            case Kind::kPerms: s = xs.set_perms(op.path, op.perms); break;
            case Kind::kWrite: s = xs.write(op.path, op.value); break;
        }
        if (!s) return s;
    }
    return {};
}

}  // namespace xvm::xend
