#include "daemons/xend/domain_config.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <span>

#include "daemons/xend/cpu_list.h"
#include "daemons/xend/uuid.h"
#include "lib/base/format.h"
#include "lib/base/paths.h"

namespace xvm::xend {
namespace {

using rpc::Sexpr;

constexpr std::array<std::pair<Action, std::string_view>, 6> kActions = {{
    {Action::kDestroy, "destroy"},
    {Action::kRestart, "restart"},
    {Action::kPreserve, "preserve"},
    {Action::kRenameRestart, "rename-restart"},
    {Action::kCoredumpDestroy, "coredump-destroy"},
    {Action::kCoredumpRestart, "coredump-restart"},
}};

// Keys of a vif xend keeps (XEND.md section 4, "vif"); others are refused.
constexpr std::string_view kVifKeys[] = {"backend", "bridge", "ip",     "mac",   "script", "type",
                                         "vifname", "rate",   "model",  "accel", "policy", "label",
                                         "uuid"};
constexpr std::string_view kVfbKeys[] = {"type",   "vnc",      "vnclisten", "vncunused", "vncdisplay",
                                         "display", "xauthority", "keymap", "sdl", "backend", "uuid",
                                         "vncpasswd"};
constexpr std::string_view kRefusedClasses[] = {"pci", "vtpm", "vscsi", "ioports", "irq", "vkbd",
                                                "console", "tpmif"};

// Collects problems so that all of them are reported at once.
struct Problems {
    std::vector<std::string> list;
    void add(std::string p) { list.push_back(std::move(p)); }
};

std::optional<std::string> text_of(const Sexpr& v, std::string_view key) { return v.value_text(key); }

// A count from (key N): an int or a decimal string. `fallback` when absent.
std::optional<std::int64_t> number_of(const Sexpr& v, std::string_view key, std::int64_t fallback,
                                      std::int64_t min, std::int64_t max, Problems& p) {
    const Sexpr* value = v.child_value(key);
    if (value == nullptr) return fallback;
    auto n = value->as_int();
    if (!n) {
        p.add(cat("Invalid ", key, ": '", value->text().value_or("(a list)"), "' is not a number"));
        return std::nullopt;
    }
    if (*n < min || *n > max) {
        p.add(cat("Invalid ", key, ": ", *n, " is not in ", min, "..", max));
        return std::nullopt;
    }
    return n;
}

void parse_actions(const Sexpr& v, DomainSpec& s, Problems& p) {
    // The old single key, translated as xend did.
    if (auto restart = text_of(v, "restart")) {
        if (*restart == "always") s.on_poweroff = s.on_reboot = s.on_crash = Action::kRestart;
        else if (*restart == "never") s.on_poweroff = s.on_reboot = s.on_crash = Action::kDestroy;
        else if (*restart == "onreboot") {
            s.on_poweroff = s.on_crash = Action::kDestroy;
            s.on_reboot = Action::kRestart;
        } else p.add(cat("Invalid restart: '", *restart, "' (always, never or onreboot)"));
    }
    std::pair<std::string_view, Action*> events[] = {
        {"on_poweroff", &s.on_poweroff}, {"on_reboot", &s.on_reboot}, {"on_crash", &s.on_crash}};
    for (auto [key, slot] : events) {
        auto value = text_of(v, key);
        if (!value) continue;
        auto a = parse_action(*value);
        if (!a) p.add(cat("Invalid event handling mode: ", key, " '", *value,
                          "' (destroy, restart, preserve, rename-restart, coredump-destroy or "
                          "coredump-restart)"));
        else *slot = *a;
    }
    if (auto start = text_of(v, "on_xend_start")) {
        if (*start != "ignore" && *start != "start") p.add(cat("Invalid on_xend_start: '", *start, "'"));
        else s.on_xend_start = *start;
    }
    if (auto stop = text_of(v, "on_xend_stop")) {
        if (*stop != "ignore" && *stop != "shutdown" && *stop != "suspend")
            p.add(cat("Invalid on_xend_stop: '", *stop, "'"));
        else s.on_xend_stop = *stop;
    }
}

void parse_memory(const Sexpr& v, DomainSpec& s, Problems& p) {
    constexpr std::int64_t kMaxMib = std::int64_t{1} << 30;
    auto memory = number_of(v, "memory", 0, 0, kMaxMib, p);
    auto maxmem = number_of(v, "maxmem", 0, 0, kMaxMib, p);
    auto shadow = number_of(v, "shadow_memory", 0, 0, kMaxMib, p);
    if (!memory || !maxmem || !shadow) return;
    s.memory_mib = static_cast<std::uint64_t>(*memory);
    s.maxmem_mib = *maxmem > 0 ? static_cast<std::uint64_t>(*maxmem) : s.memory_mib;
    s.shadow_memory_mib = static_cast<std::uint64_t>(*shadow);
    if (s.memory_mib == 0) p.add("memory_dynamic_max must be greater than zero");
    else if (s.memory_mib > s.maxmem_mib)
        p.add(cat("memory (", s.memory_mib, " MiB) must not be greater than maxmem (", s.maxmem_mib, " MiB)"));
}

// cpus: one list for every vcpu, or (3.3) a list of lists, one per vcpu;
// the old cpu=N is put in front.
void parse_cpus(const Sexpr& v, DomainSpec& s, Problems& p) {
    const Sexpr* cpus = v.child_value("cpus");
    std::optional<std::string> cpu = text_of(v, "cpu");
    if (cpus == nullptr && !cpu) return;
    std::vector<std::string> per_vcpu;
    if (cpus != nullptr && cpus->is_list()) {
        for (const Sexpr& item : cpus->items()) per_vcpu.push_back(item.text().value_or("(a list)"));
        if (per_vcpu.size() != s.vcpus) {
            p.add(cat("cpus lists ", per_vcpu.size(), " CPU sets but the domain has ", s.vcpus, " vcpus"));
            return;
        }
    } else {
        std::string one = cpus ? cpus->text().value_or("") : "";
        if (cpu) one = one.empty() ? *cpu : cat(*cpu, ",", one);
        per_vcpu.assign(s.vcpus, one);
    }
    for (const std::string& text : per_vcpu) {
        auto list = parse_cpu_list(text);
        if (!list) {
            p.add(list.error().message);
            return;
        }
        s.cpus.push_back(std::move(*list));
    }
}

void parse_image(const Sexpr& v, DomainSpec& s, Problems& p) {
    const Sexpr* image = v.child("image");
    if (image == nullptr || image->items().size() < 2 || !image->items()[1].is_list()) {
        p.add("missing image: the configuration needs (image (linux (kernel <path>) ...))");
        return;
    }
    const Sexpr& img = image->items()[1];
    std::string_view builder = img.name();
    if (builder != "linux" && builder != "hvm") {
        p.add(cat("Invalid image type '", builder, "' (linux or hvm)"));
        return;
    }
    s.hvm = builder == "hvm";
    s.kernel = text_of(img, "kernel").value_or("");
    s.ramdisk = text_of(img, "ramdisk").value_or("");
    if (s.kernel.empty()) p.add("missing kernel: the image needs (kernel <path>)");
    // Kernel arguments as xend assembled them: root= and ip= in front of
    // the rest unless the rest already has its own.
    std::string args = text_of(img, "args").value_or("");
    std::vector<std::string> front;
    if (auto root = text_of(img, "root"); root && !root->empty() && args.find("root=") == std::string::npos)
        front.push_back(root->starts_with("root=") ? *root : "root=" + *root);
    if (auto ip = text_of(img, "ip"); ip && !ip->empty() && args.find("ip=") == std::string::npos)
        front.push_back("ip=" + *ip);
    if (!args.empty()) front.push_back(args);
    s.args = join(front, " ");
}

// The virtual-device number of a disk name (xvda, hdb, sdc1) or a number.
std::optional<std::uint32_t> device_number(std::string_view dev) {
    std::uint32_t n = 0;
    auto [end, ec] = std::from_chars(dev.data(), dev.data() + dev.size(), n);
    if (!dev.empty() && ec == std::errc() && end == dev.data() + dev.size()) return n;
    auto tail = [](std::string_view rest, std::uint32_t& disk, std::uint32_t& part) {
        if (rest.empty() || rest[0] < 'a' || rest[0] > 'z') return false;
        disk = static_cast<std::uint32_t>(rest[0] - 'a');
        rest.remove_prefix(1);
        part = 0;
        if (rest.empty()) return true;
        auto [e, c] = std::from_chars(rest.data(), rest.data() + rest.size(), part);
        return c == std::errc() && e == rest.data() + rest.size() && part < 16;
    };
    std::uint32_t disk = 0, part = 0;
    if (dev.starts_with("xvd") && tail(dev.substr(3), disk, part)) return (202u << 8) | (disk << 4) | part;
    if (dev.starts_with("sd") && tail(dev.substr(2), disk, part) && disk < 16) return (8u << 8) | (disk << 4) | part;
    if (dev.starts_with("hd") && tail(dev.substr(2), disk, part) && disk < 4 && part < 64) {
        constexpr std::uint32_t kMajors[] = {3, 3, 22, 22};
        return (kMajors[disk] << 8) | ((disk % 2) << 6) | part;
    }
    return std::nullopt;
}

void parse_disk(const Sexpr& d, std::string_view cls, DomainSpec& s, Problems& p) {
    DiskSpec disk;
    disk.uname = text_of(d, "uname").value_or("");
    std::string dev = text_of(d, "dev").value_or("");
    disk.mode = text_of(d, "mode").value_or("r");
    disk.protocol = text_of(d, "protocol").value_or("");
    std::string shown = cat("uname '", disk.uname, "' dev '", dev, "'");
    std::size_t colon = disk.uname.find(':');
    disk.type = disk.uname.substr(0, colon == std::string::npos ? 0 : colon);
    disk.target = colon == std::string::npos ? "" : disk.uname.substr(colon + 1);
    if (disk.type == "tap") {
        std::size_t sub = disk.target.find(':');
        disk.target = sub == std::string::npos ? disk.target : disk.target.substr(sub + 1);
    }
    if ((disk.type != "phy" && disk.type != "file" && disk.type != "tap") || disk.target.empty() || dev.empty()) {
        p.add(cat("Invalid disk specifier: ", shown, " (phy:, file: or tap:<driver>: and a device)"));
        return;
    }
    if ((cls == "tap") != (disk.type == "tap")) {
        p.add(cat("Invalid disk specifier: ", shown, " is not a ", cls, " device"));
        return;
    }
    if (disk.mode != "r" && disk.mode != "w" && disk.mode != "w!") {
        p.add(cat("Invalid mode: ", disk.mode, " (r, w or w!) for ", shown));
        return;
    }
    if (dev.ends_with(":cdrom")) disk.cdrom = true;
    if (std::size_t c = dev.find(':'); c != std::string::npos) dev.resize(c);
    disk.dev = dev;
    auto number = device_number(dev);
    if (!number) {
        p.add(cat("Invalid disk specifier: device '", dev, "' (xvdN, hdN, sdN or a number)"));
        return;
    }
    disk.devid = *number;
    for (const DiskSpec& other : s.disks)
        if (other.devid == disk.devid) p.add(cat("two disks are device ", dev));
    if (auto be = d.value_int("backend")) disk.backend = static_cast<std::uint32_t>(*be);
    disk.uuid = text_of(d, "uuid").value_or("");
    s.disks.push_back(std::move(disk));
}

bool valid_mac(std::string_view mac) {
    if (mac.size() != 17) return false;
    for (std::size_t i = 0; i < 17; ++i) {
        char c = mac[i];
        if (i % 3 == 2 ? c != ':' : !std::isxdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
}

template <typename Spec>
void collect_keys(const Sexpr& d, std::string_view cls, std::span<const std::string_view> allowed, Spec& out,
                  Problems& p) {
    for (std::size_t i = 1; i < d.items().size(); ++i) {
        const Sexpr& kv = d.items()[i];
        std::string_view key = kv.name();
        if (!kv.is_list() || kv.items().size() != 2 || !kv.items()[1].text()) {
            p.add(cat("Invalid ", cls, " option: ", rpc::sexpr_to_string(kv)));
            continue;
        }
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            p.add(cat("Invalid ", cls, " option: ", key));
            continue;
        }
        out.keys.emplace_back(std::string(key), *kv.items()[1].text());
    }
}

void parse_vif(const Sexpr& d, DomainSpec& s, Problems& p) {
    VifSpec vif;
    collect_keys(d, "vif", kVifKeys, vif, p);
    std::erase_if(vif.keys, [&](const auto& kv) {
        if (kv.first == "mac") vif.mac = kv.second;
        else if (kv.first == "uuid") vif.uuid = kv.second;
        else if (kv.first == "backend") vif.backend = static_cast<std::uint32_t>(std::atoi(kv.second.c_str()));
        else return false;
        return true;
    });
    if (!vif.mac.empty() && !valid_mac(vif.mac)) p.add(cat("Invalid mac: '", vif.mac, "'"));
    vif.devid = static_cast<std::uint32_t>(s.vifs.size());
    s.vifs.push_back(std::move(vif));
}

void parse_vfb(const Sexpr& d, DomainSpec& s, Problems& p) {
    VfbSpec vfb;
    collect_keys(d, "vfb", kVfbKeys, vfb, p);
    std::erase_if(vfb.keys, [&](const auto& kv) {
        if (kv.first == "vncpasswd") vfb.vncpasswd = kv.second;
        else if (kv.first == "uuid") vfb.uuid = kv.second;
        else if (kv.first == "backend") vfb.backend = static_cast<std::uint32_t>(std::atoi(kv.second.c_str()));
        else return false;
        return true;
    });
    vfb.devid = static_cast<std::uint32_t>(s.vfbs.size());
    s.vfbs.push_back(std::move(vfb));
}

void parse_devices(const Sexpr& v, DomainSpec& s, Problems& p) {
    for (const Sexpr* dev : v.children("device")) {
        if (dev->items().size() != 2 || !dev->items()[1].is_list()) {
            p.add(cat("Invalid device: ", rpc::sexpr_to_string(*dev)));
            continue;
        }
        const Sexpr& d = dev->items()[1];
        std::string_view cls = d.name();
        if (cls == "vbd" || cls == "tap") parse_disk(d, cls, s, p);
        else if (cls == "vif") parse_vif(d, s, p);
        else if (cls == "vfb") parse_vfb(d, s, p);
        else if (std::find(std::begin(kRefusedClasses), std::end(kRefusedClasses), cls) != std::end(kRefusedClasses))
            p.add(cat("device class ", cls, " is not supported by this xend"));
        else p.add(cat("unknown device class '", cls, "'"));
    }
}

Sexpr pair_text(std::string name, const std::string& value) { return Sexpr::pair(std::move(name), Sexpr::string(value)); }
Sexpr pair_int(std::string name, std::int64_t value) { return Sexpr::pair(std::move(name), Sexpr::integer(value)); }

}  // namespace

std::string_view action_name(Action a) {
    for (const auto& [action, name] : kActions)
        if (action == a) return name;
    return "destroy";
}

std::optional<Action> parse_action(std::string_view text) {
    for (const auto& [action, name] : kActions)
        if (name == text) return action;
    return std::nullopt;
}

const std::string* VifSpec::key(std::string_view name) const {
    for (const auto& [k, v] : keys)
        if (k == name) return &v;
    return nullptr;
}

const std::string* VfbSpec::key(std::string_view name) const {
    for (const auto& [k, v] : keys)
        if (k == name) return &v;
    return nullptr;
}

Status check_name(std::string_view name) {
    if (name.empty()) return make_error("Missing VM Name");
    if (name.size() > kMaxNameLength) return make_error(cat("Invalid VM Name: longer than ", kMaxNameLength, " bytes"));
    for (unsigned char c : name)
        if (!std::isalnum(c) && std::string_view("_-.:/+").find(static_cast<char>(c)) == std::string_view::npos)
            return make_error(cat("Invalid VM Name: '", rpc::sexpr_to_string(rpc::Sexpr::string(std::string(name))),
                                  "' (letters, digits and _-.:/+ only)"));
    return {};
}

Result<DomainSpec> parse_domain_config(const Sexpr& v) {
    if (!v.is_list() || (v.name() != "vm" && v.name() != "domain"))
        return make_error("the configuration is not a (vm ...) S-expression");
    DomainSpec s;
    Problems p;
    s.name = text_of(v, "name").value_or("");
    if (Status ok = check_name(s.name); !ok) p.add(ok.error().message);
    if (auto u = text_of(v, "uuid")) {
        s.uuid = parse_uuid(*u);
        if (!s.uuid) p.add(cat("Invalid uuid: '", *u, "'"));
    }
    parse_memory(v, s, p);
    if (auto vcpus = number_of(v, "vcpus", 1, 1, kMaxVcpus, p)) s.vcpus = static_cast<std::uint32_t>(*vcpus);
    std::int64_t all = s.vcpus >= 64 ? -1 : (std::int64_t{1} << s.vcpus) - 1;
    if (auto avail = number_of(v, "vcpu_avail", all, 1, INT64_MAX, p))
        s.vcpu_avail = static_cast<std::uint64_t>(*avail);
    parse_cpus(v, s, p);
    if (auto w = number_of(v, "cpu_weight", 256, 1, 65535, p)) s.cpu_weight = *w;
    if (auto c = number_of(v, "cpu_cap", 0, 0, 100 * static_cast<std::int64_t>(s.vcpus), p)) s.cpu_cap = *c;
    parse_actions(v, s, p);
    parse_image(v, s, p);
    s.features = text_of(v, "features").value_or("");
    s.bootloader = text_of(v, "bootloader").value_or("");
    s.bootloader_args = text_of(v, "bootloader_args").value_or("");
    if (!s.bootloader.empty()) p.add("bootloader is not supported by this xend: give kernel and ramdisk");
    parse_devices(v, s, p);
    if (!p.list.empty()) return make_error(join(p.list, "; "));
    return s;
}

Status complete_spec(DomainSpec& s) {
    if (!s.uuid) {
        auto u = random_uuid();
        if (!u) return std::move(u).error();
        s.uuid = *u;
    }
    auto fill_uuid = [](std::string& uuid) -> Status {
        if (!uuid.empty()) return {};
        auto u = random_uuid();
        if (!u) return std::move(u).error();
        uuid = uuid_text(*u);
        return {};
    };
    for (DiskSpec& d : s.disks)
        if (Status ok = fill_uuid(d.uuid); !ok) return ok;
    for (VfbSpec& f : s.vfbs)
        if (Status ok = fill_uuid(f.uuid); !ok) return ok;
    for (VifSpec& vif : s.vifs) {
        if (Status ok = fill_uuid(vif.uuid); !ok) return ok;
        if (!vif.mac.empty()) continue;
        unsigned char b[3];
        if (Status ok = random_bytes(b, sizeof b); !ok) return ok;
        char mac[18];
        std::snprintf(mac, sizeof mac, "00:16:3e:%02x:%02x:%02x", b[0] & 0x7f, b[1], b[2]);
        vif.mac = mac;
    }
    return {};
}

Sexpr image_sexpr(const DomainSpec& s) {
    Sexpr img = Sexpr::list({Sexpr::string(s.hvm ? "hvm" : "linux")});
    img.add(pair_text("kernel", s.kernel));
    if (!s.ramdisk.empty()) img.add(pair_text("ramdisk", s.ramdisk));
    if (!s.args.empty()) img.add(pair_text("args", s.args));
    return img;
}

Sexpr spec_to_config(const DomainSpec& s) {
    Sexpr v = Sexpr::list({Sexpr::string("vm")});
    v.add(pair_text("name", s.name));
    if (s.uuid) v.add(pair_text("uuid", uuid_text(*s.uuid)));
    v.add(pair_int("memory", static_cast<std::int64_t>(s.memory_mib)));
    v.add(pair_int("maxmem", static_cast<std::int64_t>(s.maxmem_mib)));
    if (s.shadow_memory_mib) v.add(pair_int("shadow_memory", static_cast<std::int64_t>(s.shadow_memory_mib)));
    v.add(pair_text("on_poweroff", std::string(action_name(s.on_poweroff))));
    v.add(pair_text("on_reboot", std::string(action_name(s.on_reboot))));
    v.add(pair_text("on_crash", std::string(action_name(s.on_crash))));
    v.add(pair_int("vcpus", s.vcpus));
    v.add(pair_int("vcpu_avail", static_cast<std::int64_t>(s.vcpu_avail)));
    if (!s.features.empty()) v.add(pair_text("features", s.features));
    v.add(pair_text("on_xend_start", s.on_xend_start));
    v.add(pair_text("on_xend_stop", s.on_xend_stop));
    if (!s.cpus.empty()) {
        Sexpr per = Sexpr::list();
        for (const auto& c : s.cpus) per.add(Sexpr::string(format_cpu_list(c)));
        v.add(Sexpr::pair("cpus", per));
    }
    v.add(pair_int("cpu_weight", s.cpu_weight));
    v.add(pair_int("cpu_cap", s.cpu_cap));
    v.add(Sexpr::pair("image", image_sexpr(s)));
    for (const DiskSpec& d : s.disks) {
        Sexpr dev = Sexpr::list({Sexpr::string(d.device_class())});
        dev.add(pair_text("uname", d.uname));
        dev.add(pair_text("dev", d.cdrom ? d.dev + ":cdrom" : d.dev));
        dev.add(pair_text("mode", d.mode));
        dev.add(pair_int("backend", d.backend));
        if (!d.protocol.empty()) dev.add(pair_text("protocol", d.protocol));
        if (!d.uuid.empty()) dev.add(pair_text("uuid", d.uuid));
        v.add(Sexpr::pair("device", dev));
    }
    for (const VifSpec& n : s.vifs) {
        Sexpr dev = Sexpr::list({Sexpr::string("vif")});
        for (const auto& [k, val] : n.keys) dev.add(pair_text(k, val));
        if (!n.mac.empty()) dev.add(pair_text("mac", n.mac));
        dev.add(pair_int("backend", n.backend));
        if (!n.uuid.empty()) dev.add(pair_text("uuid", n.uuid));
        v.add(Sexpr::pair("device", dev));
    }
    for (const VfbSpec& f : s.vfbs) {
        Sexpr dev = Sexpr::list({Sexpr::string("vfb")});
        for (const auto& [k, val] : f.keys) dev.add(pair_text(k, val));
        if (f.vncpasswd) dev.add(pair_text("vncpasswd", *f.vncpasswd));
        dev.add(pair_int("backend", f.backend));
        if (!f.uuid.empty()) dev.add(pair_text("uuid", f.uuid));
        v.add(Sexpr::pair("device", dev));
    }
    return v;
}

Status check_files(const DomainSpec& s) {
    std::vector<std::string> problems;
    auto regular = [](const std::string& path) {
        struct stat st {};
        return ::stat(root_path(path).c_str(), &st) == 0 && S_ISREG(st.st_mode);
    };
    if (!regular(s.kernel)) problems.push_back(cat("Kernel image does not exist: ", s.kernel));
    if (!s.ramdisk.empty() && !regular(s.ramdisk)) problems.push_back(cat("Kernel ramdisk does not exist: ", s.ramdisk));
    if (!problems.empty()) return make_error(join(problems, "; "));
    return {};
}

}  // namespace xvm::xend
