// The key table and make_config(). Each key has a shape (what kinds of
// Python value it takes and how it is normalised), a conversion for the
// command line (create.py's set_value / set_int / set_bool /
// append_value), a default (create.py's) and an optional check of its
// meaning. make_config() then writes the S-expression in the order of
// create.py's make_config().
#include "cmd/xm/config_keys.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "lib/base/format.h"
#include "lib/rpc/pystr.h"

namespace xvm::xm {

namespace {

using K = ConfigValue::Kind;
using Problem = std::optional<std::string>;
using Check = Problem (*)(const ConfigValue&);

enum class Shape : std::uint8_t {
    kStr,        // a string
    kStrOrInt,   // a string or a number (vnc = 1)
    kInt,        // a number, or a string holding one
    kBool,       // 0/1, True/False, yes/no: sent as 0/1
    kStrList,    // a list of strings
    kCpus,       // a string, or a list of strings or numbers (one per vcpu)
    kIntList,    // a list of numbers or strings holding them (irq)
    kUnsupported,
};

enum class Conv : std::uint8_t { kValue, kInt, kBool, kAppend };

struct Default {
    enum class Kind : std::uint8_t { kNone, kInt, kStr, kList } kind = Kind::kNone;
    std::int64_t i = 0;
    std::string_view s;
};
constexpr Default none() { return {}; }
constexpr Default num(std::int64_t i) { return {Default::Kind::kInt, i, {}}; }
constexpr Default text(std::string_view s) { return {Default::Kind::kStr, 0, s}; }
constexpr Default empty_list() { return {Default::Kind::kList, 0, {}}; }

struct Key {
    std::string_view name;
    Shape shape;
    Conv conv;
    Default dflt;
    Check check;
};

// ---------------------------------------------------------------------------
// Checks of a (normalised) value's meaning; the text names the value.

Problem one_of(const ConfigValue& v, std::initializer_list<std::string_view> allowed) {
    for (std::string_view a : allowed)
        if (v.str() == a) return std::nullopt;
    std::vector<std::string> names(allowed.begin(), allowed.end());
    return cat(v.repr(), " is not one of ", join(names, ", "));
}

Problem check_name(const ConfigValue& v) {
    if (v.str().empty()) return "the name is empty";
    for (char c : v.str()) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  std::string_view("_-.:/+").find(c) != std::string_view::npos;
        if (!ok) return cat(v.repr(), " may hold only letters, digits and _-.:/+");
    }
    return std::nullopt;
}

bool hex_run(std::string_view s, std::size_t n) {
    if (s.size() != n) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
}

Problem check_uuid(const ConfigValue& v) {
    const std::string& s = v.str();
    bool ok = s.size() == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' &&
              hex_run(std::string_view(s).substr(0, 8), 8) && hex_run(std::string_view(s).substr(9, 4), 4) &&
              hex_run(std::string_view(s).substr(14, 4), 4) && hex_run(std::string_view(s).substr(19, 4), 4) &&
              hex_run(std::string_view(s).substr(24, 12), 12);
    if (!ok) return cat(v.repr(), " is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
    return std::nullopt;
}

Problem positive(const ConfigValue& v) {
    if (v.int_value() <= 0) return cat(v.repr(), " is not a positive number");
    return std::nullopt;
}

Problem non_negative(const ConfigValue& v) {
    if (v.int_value() < 0) return cat(v.repr(), " is negative");
    return std::nullopt;
}

Problem check_weight(const ConfigValue& v) {
    if (v.int_value() < 1 || v.int_value() > 65535) return cat(v.repr(), " is not in 1..65535");
    return std::nullopt;
}

Problem check_action(const ConfigValue& v) {
    return one_of(v, {"destroy", "restart", "preserve", "rename-restart", "coredump-destroy", "coredump-restart"});
}
Problem check_restart(const ConfigValue& v) { return one_of(v, {"onreboot", "always", "never"}); }
Problem check_xend_start(const ConfigValue& v) { return one_of(v, {"ignore", "start"}); }
Problem check_xend_stop(const ConfigValue& v) { return one_of(v, {"ignore", "shutdown", "suspend"}); }
Problem check_builder(const ConfigValue& v) { return one_of(v, {"linux", "hvm"}); }
Problem check_dhcp(const ConfigValue& v) { return one_of(v, {"off", "dhcp"}); }

std::optional<std::int64_t> parse_int(std::string_view s) {
    std::size_t a = s.find_first_not_of(" \t");
    if (a == std::string_view::npos) return std::nullopt;
    s = s.substr(a, s.find_last_not_of(" \t") - a + 1);
    if (s.starts_with('+')) s.remove_prefix(1);
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        std::size_t at = s.find(sep, start);
        out.emplace_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos) return out;
        start = at + 1;
    }
}

std::string strip(std::string_view s) {
    std::size_t a = s.find_first_not_of(" \t\r\n");
    if (a == std::string_view::npos) return {};
    return std::string(s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1));
}

// "0-3,^1,5": CPUs, ranges and exclusions (XendConfig's cpus rule).
Problem check_cpu_spec(std::string_view spec) {
    for (const std::string& raw : split(spec, ',')) {
        std::string item = strip(raw);
        std::string_view body = item;
        if (body.starts_with('^')) body.remove_prefix(1);
        std::size_t dash = body.find('-');
        auto lo = parse_int(body.substr(0, dash));
        auto hi = dash == std::string_view::npos ? lo : parse_int(body.substr(dash + 1));
        bool bad_range = dash != std::string_view::npos && item.starts_with('^');
        if (!lo || !hi || *lo < 0 || *hi < *lo || bad_range)
            return cat(rpc::python_repr(spec), " is not a CPU list (like \"0-3,^1\")");
    }
    return std::nullopt;
}

Problem check_cpus(const ConfigValue& v) {
    if (v.kind() == K::kString) return check_cpu_spec(v.str());
    for (const ConfigValue& item : v.list()) {
        if (item.kind() == K::kInt) {
            if (item.int_value() < 0) return cat(item.repr(), " is not a CPU number");
        } else if (auto p = check_cpu_spec(item.str())) {
            return p;
        }
    }
    return std::nullopt;
}

// create.py comma_sep_kv_to_dict(): "k=v,k=v" with allowed keys.
Problem check_pairs(const std::string& spec, std::initializer_list<std::string_view> keys, std::string_view what) {
    if (strip(spec).empty()) return std::nullopt;
    for (const std::string& part : split(strip(spec), ',')) {
        std::size_t eq = part.find('=');
        if (eq == std::string::npos) return cat(rpc::python_repr(part), " should be a pair, separated by an equals sign");
        std::string key = strip(part.substr(0, eq));
        if (std::find(keys.begin(), keys.end(), key) == keys.end())
            return cat("invalid ", what, " option ", rpc::python_repr(key), " in ", rpc::python_repr(spec));
    }
    return std::nullopt;
}

bool valid_mac(std::string_view mac) {
    auto parts = split(mac, ':');
    if (parts.size() != 6) return false;
    return std::all_of(parts.begin(), parts.end(), [](const std::string& p) { return hex_run(p, 2); });
}

Problem check_vifs(const ConfigValue& v) {
    for (const ConfigValue& item : v.list()) {
        if (auto p = check_pairs(item.str(), {"backend", "bridge", "ip", "mac", "script", "type", "vifname", "rate",
                                              "model", "accel", "policy", "label"},
                                 "vif"))
            return p;
        for (const std::string& part : split(item.str(), ',')) {
            std::size_t eq = part.find('=');
            if (eq != std::string::npos && strip(part.substr(0, eq)) == "mac" && !valid_mac(strip(part.substr(eq + 1))))
                return cat(rpc::python_repr(strip(part.substr(eq + 1))), " is not a MAC address (xx:xx:xx:xx:xx:xx)");
        }
    }
    return std::nullopt;
}

Problem check_vfbs(const ConfigValue& v) {
    for (const ConfigValue& item : v.list())
        if (auto p = check_pairs(item.str(), {"vnclisten", "vncunused", "vncdisplay", "display", "videoram",
                                              "xauthority", "type", "vncpasswd", "opengl", "keymap"},
                                 "vfb"))
            return p;
    return std::nullopt;
}

Problem check_vtpms(const ConfigValue& v) {
    for (const ConfigValue& item : v.list())
        if (auto p = check_pairs(item.str(), {"backend", "instance", "type"}, "vtpm")) return p;
    return std::nullopt;
}

// TYPE:TARGET,VDEV[:disk|:cdrom],MODE[,BACKEND[,PROTOCOL]]
Problem check_disk(const std::string& spec) {
    auto fields = split(spec, ',');
    if (fields.size() < 3 || fields.size() > 5) return cat("invalid disk specifier ", rpc::python_repr(spec));
    std::string_view uname = fields[0];
    if (!(uname.starts_with("phy:") || uname.starts_with("file:") || uname.starts_with("tap:")) ||
        uname.size() <= uname.find(':') + 1)
        return cat("disk ", rpc::python_repr(spec), ": ", rpc::python_repr(fields[0]),
                   " is not phy:DEVICE, file:PATH or tap:TYPE:PATH");
    if (fields[1].empty()) return cat("disk ", rpc::python_repr(spec), ": the virtual device is empty");
    if (fields[2] != "r" && fields[2] != "w" && fields[2] != "w!")
        return cat("disk ", rpc::python_repr(spec), ": mode ", rpc::python_repr(fields[2]), " is not r, w or w!");
    return std::nullopt;
}

Problem check_disks(const ConfigValue& v) {
    for (const ConfigValue& item : v.list())
        if (auto p = check_disk(item.str())) return p;
    return std::nullopt;
}

// [DOMAIN:]BUS:SLOT.FUNC, any separator ':' or ',' and '.' or ',' before
// the function (create.py preprocess_pci); the domain defaults to 0.
std::optional<std::array<std::string, 4>> parse_pci(std::string_view s) {
    if (s.size() < 5 || s.back() < '0' || s.back() > '7' || (s[s.size() - 2] != '.' && s[s.size() - 2] != ','))
        return std::nullopt;
    std::vector<std::string> parts;
    std::string current;
    for (char c : s.substr(0, s.size() - 2)) {
        if (c == ':' || c == ',') {
            parts.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    parts.push_back(std::move(current));
    if (parts.size() == 2) parts.insert(parts.begin(), "0");
    if (parts.size() != 3) return std::nullopt;
    const std::size_t widths[] = {4, 2, 2};
    for (std::size_t i = 0; i < 3; ++i)
        if (parts[i].empty() || parts[i].size() > widths[i] || !hex_run(parts[i], parts[i].size())) return std::nullopt;
    return std::array<std::string, 4>{parts[0], parts[1], parts[2], std::string(1, s.back())};
}

Problem check_pcis(const ConfigValue& v) {
    for (const ConfigValue& item : v.list())
        if (!parse_pci(item.str())) return cat(item.repr(), " is not a PCI device (like 0000:00:1d.0)");
    return std::nullopt;
}

Problem check_ioports(const ConfigValue& v) {
    for (const ConfigValue& item : v.list()) {
        auto ends = split(item.str(), '-');
        bool ok = ends.size() <= 2 && std::all_of(ends.begin(), ends.end(), [](const std::string& e) {
                      return !e.empty() && e.size() <= 4 && hex_run(e, e.size());
                  });
        if (!ok) return cat(item.repr(), " is not an I/O port range (hex FROM[-TO])");
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------
// The table: every variable of create.py 3.3, in its order.

constexpr Key kKeys[] = {
    {"vncpasswd", Shape::kStr, Conv::kValue, none(), nullptr},
    {"vncviewer", Shape::kUnsupported, Conv::kBool, none(), nullptr},
    {"vncconsole", Shape::kUnsupported, Conv::kBool, none(), nullptr},
    {"name", Shape::kStr, Conv::kValue, none(), check_name},
    {"bootloader", Shape::kStr, Conv::kValue, none(), nullptr},
    {"bootargs", Shape::kStr, Conv::kValue, none(), nullptr},
    {"bootentry", Shape::kUnsupported, Conv::kValue, none(), nullptr},
    {"kernel", Shape::kStr, Conv::kValue, none(), nullptr},
    {"ramdisk", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"loader", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"features", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"builder", Shape::kStr, Conv::kValue, text("linux"), check_builder},
    {"memory", Shape::kInt, Conv::kInt, num(128), positive},
    {"maxmem", Shape::kInt, Conv::kInt, none(), positive},
    {"shadow_memory", Shape::kInt, Conv::kInt, num(0), non_negative},
    {"cpu", Shape::kInt, Conv::kInt, none(), non_negative},
    {"cpus", Shape::kCpus, Conv::kValue, none(), check_cpus},
    {"rtc_timeoffset", Shape::kStrOrInt, Conv::kValue, text("0"), nullptr},
    {"pae", Shape::kInt, Conv::kInt, num(1), non_negative},
    {"hpet", Shape::kInt, Conv::kInt, num(0), non_negative},
    {"timer_mode", Shape::kInt, Conv::kInt, num(0), non_negative},
    {"acpi", Shape::kInt, Conv::kInt, num(1), non_negative},
    {"apic", Shape::kInt, Conv::kInt, num(1), non_negative},
    {"vcpus", Shape::kInt, Conv::kInt, num(1), positive},
    {"vcpu_avail", Shape::kInt, Conv::kInt, none(), non_negative},
    {"vhpt", Shape::kInt, Conv::kInt, num(0), non_negative},
    {"cpu_cap", Shape::kInt, Conv::kInt, none(), non_negative},
    {"cpu_weight", Shape::kInt, Conv::kInt, none(), check_weight},
    {"restart", Shape::kStr, Conv::kValue, none(), check_restart},
    {"on_poweroff", Shape::kStr, Conv::kValue, none(), check_action},
    {"on_reboot", Shape::kStr, Conv::kValue, none(), check_action},
    {"on_crash", Shape::kStr, Conv::kValue, none(), check_action},
    {"blkif", Shape::kBool, Conv::kBool, num(0), nullptr},
    {"netif", Shape::kBool, Conv::kBool, num(0), nullptr},
    {"tpmif", Shape::kBool, Conv::kBool, num(0), nullptr},
    {"disk", Shape::kStrList, Conv::kAppend, empty_list(), check_disks},
    {"pci", Shape::kStrList, Conv::kAppend, empty_list(), check_pcis},
    {"vscsi", Shape::kUnsupported, Conv::kAppend, empty_list(), nullptr},
    {"ioports", Shape::kStrList, Conv::kAppend, empty_list(), check_ioports},
    {"irq", Shape::kIntList, Conv::kAppend, empty_list(), nullptr},
    {"vfb", Shape::kStrList, Conv::kAppend, empty_list(), check_vfbs},
    {"vif", Shape::kStrList, Conv::kAppend, empty_list(), check_vifs},
    {"vtpm", Shape::kStrList, Conv::kAppend, empty_list(), check_vtpms},
    {"access_control", Shape::kUnsupported, Conv::kAppend, empty_list(), nullptr},
    {"nics", Shape::kInt, Conv::kInt, num(-1), nullptr},
    {"root", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"extra", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"ip", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"gateway", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"netmask", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"hostname", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"interface", Shape::kStr, Conv::kValue, text("eth0"), nullptr},
    {"dhcp", Shape::kStr, Conv::kValue, text("off"), check_dhcp},
    {"nfs_server", Shape::kStr, Conv::kValue, none(), nullptr},
    {"nfs_root", Shape::kStr, Conv::kValue, none(), nullptr},
    {"device_model", Shape::kStr, Conv::kValue, none(), nullptr},
    {"fda", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"fdb", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"serial", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"monitor", Shape::kBool, Conv::kBool, num(0), nullptr},
    {"localtime", Shape::kBool, Conv::kBool, num(0), nullptr},
    {"keymap", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"usb", Shape::kBool, Conv::kBool, num(0), nullptr},
    {"usbdevice", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"guest_os_type", Shape::kStr, Conv::kValue, text("default"), nullptr},
    {"stdvga", Shape::kBool, Conv::kBool, num(0), nullptr},
    {"isa", Shape::kBool, Conv::kBool, num(0), nullptr},
    {"boot", Shape::kStr, Conv::kValue, text("c"), nullptr},
    {"nographic", Shape::kBool, Conv::kBool, num(0), nullptr},
    {"soundhw", Shape::kStr, Conv::kValue, text(""), nullptr},
    {"vnc", Shape::kStrOrInt, Conv::kValue, none(), nullptr},
    {"vncdisplay", Shape::kStrOrInt, Conv::kValue, none(), nullptr},
    {"vnclisten", Shape::kStr, Conv::kValue, none(), nullptr},
    {"vncunused", Shape::kBool, Conv::kBool, num(1), nullptr},
    {"videoram", Shape::kStrOrInt, Conv::kValue, none(), nullptr},
    {"sdl", Shape::kStrOrInt, Conv::kValue, none(), nullptr},
    {"opengl", Shape::kStrOrInt, Conv::kValue, none(), nullptr},
    {"display", Shape::kStr, Conv::kValue, none(), nullptr},
    {"xauthority", Shape::kStr, Conv::kValue, none(), nullptr},
    {"uuid", Shape::kStr, Conv::kValue, none(), check_uuid},
    {"on_xend_start", Shape::kStr, Conv::kValue, text("ignore"), check_xend_start},
    {"on_xend_stop", Shape::kStr, Conv::kValue, text("ignore"), check_xend_stop},
    {"target", Shape::kInt, Conv::kInt, num(0), non_negative},
    {"hap", Shape::kInt, Conv::kInt, num(1), non_negative},
    {"cpuid", Shape::kUnsupported, Conv::kAppend, empty_list(), nullptr},
    {"cpuid_check", Shape::kUnsupported, Conv::kAppend, empty_list(), nullptr},
    {"machine_address_size", Shape::kInt, Conv::kInt, none(), positive},
};
constexpr std::size_t kKeyCount = std::size(kKeys);

constexpr bool unique_names() {
    for (std::size_t i = 0; i < kKeyCount; ++i)
        for (std::size_t j = i + 1; j < kKeyCount; ++j)
            if (kKeys[i].name == kKeys[j].name) return false;
    return true;
}
static_assert(unique_names(), "a key appears twice in kKeys");

std::optional<std::size_t> find_key(std::string_view name) {
    for (std::size_t i = 0; i < kKeyCount; ++i)
        if (kKeys[i].name == name) return i;
    return std::nullopt;
}

// ---------------------------------------------------------------------------
// Collecting and normalising values

struct Setting {
    ConfigValue value;
    bool set = false;
    bool from_command_line = false;
    bool bad = false;  // already reported: no further checks
    int line = 0;
};

class Collector {
public:
    explicit Collector(std::vector<ConfigProblem>& problems) : problems_(problems) {}

    void command_line(const std::vector<std::string>& words) {
        for (const std::string& word : words) {
            std::size_t eq = word.find('=');
            std::string key = strip(word.substr(0, eq));
            std::string value = eq == std::string::npos ? std::string() : strip(word.substr(eq + 1));
            auto index = find_key(key);
            if (!index) {
                report(0, cat("command line: unknown key ", rpc::python_repr(key)));
                continue;
            }
            Setting& s = settings_[*index];
            if (auto v = convert(kKeys[*index].conv, value, s)) {
                s.value = std::move(*v);
            } else {
                report(0, cat("command line: ", key, ": invalid value ", rpc::python_repr(value)));
                s.bad = true;
            }
            s.set = s.from_command_line = true;
        }
    }

    void file(const std::vector<Assignment>& assignments) {
        for (const Assignment& a : assignments) {
            auto index = find_key(a.key);
            if (!index) {
                report(a.line, cat("unknown key ", rpc::python_repr(a.key)));
                continue;
            }
            Setting& s = settings_[*index];
            if (s.from_command_line) continue;  // the command line wins
            s.value = a.value;
            s.line = a.line;
            s.set = true;
        }
    }

    // Shapes, checks and defaults; afterwards every setting holds a
    // normalised value or is unset (a default of None).
    void finish() {
        for (std::size_t i = 0; i < kKeyCount; ++i) {
            Setting& s = settings_[i];
            const Key& key = kKeys[i];
            if (!s.set) {
                apply_default(key.dflt, s);
                continue;
            }
            if (s.bad) continue;
            if (key.shape == Shape::kUnsupported) {
                report(s, key, "not supported by this xm");
                continue;
            }
            auto normal = normalise(key.shape, s.value);
            if (!normal) {
                report(s, key, cat(s.value.repr(), " is not ", shape_text(key.shape)));
                continue;
            }
            s.value = std::move(*normal);
            if (key.check)
                if (auto p = key.check(s.value)) report(s, key, *p);
        }
    }

    const Setting& get(std::string_view name) const { return settings_[*find_key(name)]; }
    Setting& get(std::string_view name) { return settings_[*find_key(name)]; }

    void report(const Setting& s, const Key& key, const std::string& text) {
        report(s.line, cat(s.from_command_line ? "command line: " : "", key.name, ": ", text));
    }
    void report(int line, std::string text) { problems_.push_back({line, std::move(text)}); }

private:
    static std::optional<ConfigValue> convert(Conv conv, const std::string& value, Setting& s) {
        switch (conv) {
            case Conv::kValue: return ConfigValue{value};
            case Conv::kInt: {
                auto i = parse_int(value);
                if (!i) return std::nullopt;
                return ConfigValue{*i};
            }
            case Conv::kBool:
                if (value == "yes" || value == "y") return ConfigValue{std::int64_t{1}};
                if (value == "no" || value == "n") return ConfigValue{std::int64_t{0}};
                return std::nullopt;
            case Conv::kAppend: {
                ConfigValue::List items;
                if (s.from_command_line && s.value.kind() == K::kList) items = s.value.list();
                items.push_back(ConfigValue{value});
                return ConfigValue{std::move(items)};
            }
        }
        return std::nullopt;
    }

    static void apply_default(const Default& d, Setting& s) {
        switch (d.kind) {
            case Default::Kind::kNone: return;
            case Default::Kind::kInt: s.value = ConfigValue{d.i}; break;
            case Default::Kind::kStr: s.value = ConfigValue{std::string(d.s)}; break;
            case Default::Kind::kList: s.value = ConfigValue{ConfigValue::List{}}; break;
        }
        s.set = true;
    }

    static std::string shape_text(Shape shape) {
        switch (shape) {
            case Shape::kStr: return "a string";
            case Shape::kStrOrInt: return "a string or a number";
            case Shape::kInt: return "a whole number";
            case Shape::kBool: return "0, 1, yes or no";
            case Shape::kStrList: return "a list of strings";
            case Shape::kCpus: return "a CPU list string or a list of them";
            case Shape::kIntList: return "a list of numbers";
            case Shape::kUnsupported: break;
        }
        return "valid";
    }

    static std::optional<ConfigValue> normalise(Shape shape, const ConfigValue& v) {
        switch (shape) {
            case Shape::kStr:
                if (v.kind() == K::kString) return v;
                return std::nullopt;
            case Shape::kStrOrInt:
                if (v.kind() == K::kString || v.kind() == K::kInt) return v;
                return std::nullopt;
            case Shape::kInt: return as_int(v);
            case Shape::kBool:
                if (v.kind() == K::kBool) return ConfigValue{std::int64_t{std::get<bool>(v.v) ? 1 : 0}};
                if (v.kind() == K::kString) {
                    if (v.str() == "yes" || v.str() == "y") return ConfigValue{std::int64_t{1}};
                    if (v.str() == "no" || v.str() == "n") return ConfigValue{std::int64_t{0}};
                }
                if (auto i = as_int(v)) return ConfigValue{std::int64_t{i->int_value() != 0}};
                return std::nullopt;
            case Shape::kStrList: return list_of(v, [](const ConfigValue& item) -> std::optional<ConfigValue> {
                    if (item.kind() == K::kString) return item;
                    return std::nullopt;
                });
            case Shape::kCpus:
                if (v.kind() == K::kString) return v;
                return list_of(v, [](const ConfigValue& item) -> std::optional<ConfigValue> {
                    if (item.kind() == K::kString || item.kind() == K::kInt) return item;
                    return std::nullopt;
                });
            case Shape::kIntList: return list_of(v, as_int);
            case Shape::kUnsupported: break;
        }
        return std::nullopt;
    }

    static std::optional<ConfigValue> as_int(const ConfigValue& v) {
        if (v.kind() == K::kInt) return v;
        if (v.kind() == K::kString)
            if (auto i = parse_int(v.str())) return ConfigValue{*i};
        return std::nullopt;
    }

    template <typename F>
    static std::optional<ConfigValue> list_of(const ConfigValue& v, F item_rule) {
        if (v.kind() != K::kList) return std::nullopt;
        ConfigValue::List out;
        for (const ConfigValue& item : v.list()) {
            auto n = item_rule(item);
            if (!n) return std::nullopt;
            out.push_back(std::move(*n));
        }
        return ConfigValue{std::move(out)};
    }

    std::array<Setting, kKeyCount> settings_{};
    std::vector<ConfigProblem>& problems_;
};

// ---------------------------------------------------------------------------
// make_config(): the S-expression, in create.py's order

bool truthy(const ConfigValue& v) {
    switch (v.kind()) {
        case K::kString: return !v.str().empty();
        case K::kInt: return v.int_value() != 0;
        case K::kFloat: return v.float_value() != 0;
        case K::kList: return !v.list().empty();
        case K::kBool: return std::get<bool>(v.v);
        case K::kNone: return false;
    }
    return false;
}

rpc::Sexpr to_sexpr(const ConfigValue& v) {
    switch (v.kind()) {
        case K::kString: return rpc::Sexpr::string(v.str());
        case K::kInt: return rpc::Sexpr::integer(v.int_value());
        case K::kFloat: return rpc::Sexpr::real(v.float_value());
        case K::kBool: return rpc::Sexpr::integer(std::get<bool>(v.v) ? 1 : 0);
        case K::kNone: return rpc::Sexpr::string("None");
        case K::kList: break;
    }
    rpc::Sexpr out = rpc::Sexpr::list();
    for (const ConfigValue& item : v.list()) out.add(to_sexpr(item));
    return out;
}

rpc::Sexpr str(std::string_view s) { return rpc::Sexpr::string(std::string(s)); }

class Builder {
public:
    Builder(Collector& c, const ConfigContext& ctx) : c_(c), ctx_(ctx) {}

    rpc::Sexpr build(std::vector<std::string>& warnings) {
        rpc::Sexpr vm = rpc::Sexpr::list({str("vm")});
        for (std::string_view n : {"name", "memory", "maxmem", "shadow_memory", "restart", "on_poweroff",
                                   "on_reboot", "on_crash", "vcpus", "vcpu_avail", "features", "on_xend_start",
                                   "on_xend_stop", "target", "machine_address_size"})
            if (is_set(n) && truthy(value(n))) vm.add(std::string(n), to_sexpr(value(n)));
        for (std::string_view n : {"uuid", "cpu", "cpus", "cpu_cap", "cpu_weight"})
            if (is_set(n)) vm.add(std::string(n), to_sexpr(value(n)));
        for (std::string_view n : {"blkif", "netif", "tpmif"})
            if (truthy(value(n))) vm.add("backend", rpc::Sexpr::list({str(n)}));
        if (truthy(value("localtime"))) vm.add("localtime", to_sexpr(value("localtime")));
        if (is_set("bootloader") && truthy(value("bootloader"))) {
            vm.add("bootloader", to_sexpr(value("bootloader")));
            std::string args = is_set("bootargs") && truthy(value("bootargs")) ? value("bootargs").str()
                               : ctx_.console_autoconnect                     ? ""
                                                                              : "-q";
            vm.add("bootloader_args", str(args));
        }
        vm.add("image", image());
        devices(vm, warnings);
        return vm;
    }

private:
    bool is_set(std::string_view n) const { return c_.get(n).set; }
    const ConfigValue& value(std::string_view n) const { return c_.get(n).value; }
    std::string string_of(std::string_view n) const { return is_set(n) ? value(n).str() : std::string(); }

    rpc::Sexpr image() {
        std::string builder = value("builder").str();
        rpc::Sexpr img = rpc::Sexpr::list({str(builder)});
        for (std::string_view n : {"kernel", "ramdisk", "loader"})
            if (!string_of(n).empty()) img.add(std::string(n), str(absolute_path(string_of(n), ctx_.cwd)));
        if (std::string ip = cmdline_ip(); !ip.empty()) img.add("ip", str(strip_prefix("ip=", ip)));
        if (!string_of("root").empty()) img.add("root", str(strip_prefix("root=", string_of("root"))));
        std::string extra = string_of("extra");
        if (is_set("nfs_root")) extra = "nfsroot=" + string_of("nfs_server") + ":" + string_of("nfs_root") + " " + extra;
        if (!extra.empty()) img.add("args", str(extra));
        if (builder == "hvm") hvm(img);
        if (truthy(value("vhpt"))) img.add("vhpt", to_sexpr(value("vhpt")));
        if (is_set("machine_address_size")) img.add("machine_address_size", to_sexpr(value("machine_address_size")));
        return img;
    }

    static std::string strip_prefix(std::string_view prefix, const std::string& s) {
        return s.starts_with(prefix) ? s.substr(prefix.size()) : s;
    }

    // create.py preprocess_ip(): the kernel's ip= argument.
    std::string cmdline_ip() const {
        if (string_of("ip").empty() && string_of("dhcp") == "off") return {};
        std::string nfs = string_of("nfs_server");
        return cat(string_of("ip"), ":", nfs.empty() ? "127.0.255.255" : nfs, ":", string_of("gateway"), ":",
                   string_of("netmask"), ":", string_of("hostname"), ":", string_of("interface"), ":",
                   string_of("dhcp"));
    }

    // create.py configure_hvm(): every HVM key that has a value.
    void hvm(rpc::Sexpr& img) {
        for (std::string_view n : {"device_model", "pae", "vcpus", "boot", "fda", "fdb", "timer_mode", "localtime",
                                   "serial", "stdvga", "isa", "nographic", "soundhw", "vnc", "vncdisplay",
                                   "vncunused", "vnclisten", "sdl", "display", "xauthority", "rtc_timeoffset",
                                   "monitor", "acpi", "apic", "usb", "usbdevice", "keymap", "pci", "hpet",
                                   "guest_os_type", "hap", "opengl"}) {
            if (n == "display" && !is_set(n) && !ctx_.display.empty()) {
                img.add("display", str(ctx_.display));
            } else if (n == "xauthority" && !is_set(n)) {
                img.add("xauthority", str(ctx_.xauthority));
            } else if (is_set(n)) {
                img.add(std::string(n), to_sexpr(value(n)));
            }
        }
        if (is_set("vncpasswd")) img.add("vncpasswd", to_sexpr(value("vncpasswd")));
    }

    static rpc::Sexpr device(rpc::Sexpr inner) { return rpc::Sexpr::list({str("device"), std::move(inner)}); }

    // "k=v,k=v" as (k v) pairs in the written order.
    static void add_pairs(rpc::Sexpr& out, const std::string& spec) {
        if (strip(spec).empty()) return;
        for (const std::string& part : split(strip(spec), ',')) {
            std::size_t eq = part.find('=');
            out.add(strip(part.substr(0, eq)), str(strip(part.substr(eq + 1))));
        }
    }

    static bool has_pair(const std::string& spec, std::string_view key) {
        for (const std::string& part : split(spec, ','))
            if (strip(part.substr(0, part.find('='))) == key) return true;
        return false;
    }

    void devices(rpc::Sexpr& vm, std::vector<std::string>& warnings) {
        for (const ConfigValue& d : value("disk").list()) {
            auto f = split(d.str(), ',');
            rpc::Sexpr vbd = rpc::Sexpr::list({str(f[0].starts_with("tap:") ? "tap" : "vbd")});
            vbd.add("uname", str(f[0])).add("dev", str(f[1])).add("mode", str(f[2]));
            if (f.size() > 3 && !f[3].empty()) vbd.add("backend", str(f[3]));
            if (f.size() > 4 && !f[4].empty()) vbd.add("protocol", str(f[4]));
            vm.add(device(std::move(vbd)));
        }
        if (!value("pci").list().empty()) {
            rpc::Sexpr pci = rpc::Sexpr::list({str("pci")});
            for (const ConfigValue& p : value("pci").list()) {
                auto parts = *parse_pci(p.str());
                pci.add(rpc::Sexpr::list({str("dev"), rpc::Sexpr::pair("domain", str("0x" + parts[0])),
                                          rpc::Sexpr::pair("bus", str("0x" + parts[1])),
                                          rpc::Sexpr::pair("slot", str("0x" + parts[2])),
                                          rpc::Sexpr::pair("func", str("0x" + parts[3]))}));
            }
            vm.add(device(std::move(pci)));
        }
        for (const ConfigValue& r : value("ioports").list()) {
            auto ends = split(r.str(), '-');
            vm.add(device(rpc::Sexpr::list({str("ioports"), rpc::Sexpr::pair("from", str("0x" + ends[0])),
                                            rpc::Sexpr::pair("to", str("0x" + ends.back()))})));
        }
        for (const ConfigValue& irq : value("irq").list())
            vm.add(device(rpc::Sexpr::list({str("irq"), rpc::Sexpr::pair("irq", to_sexpr(irq))})));
        vifs(vm, warnings);
        for (const ConfigValue& t : value("vtpm").list()) {
            rpc::Sexpr vtpm = rpc::Sexpr::list({str("vtpm")});
            for (const std::string& part : split(t.str(), ',')) {
                std::size_t eq = part.find('=');
                std::string k = strip(part.substr(0, eq)), v = strip(part.substr(eq + 1));
                vtpm.add(k == "instance" ? "pref_instance" : k, str(k == "instance" && v == "VTPMD" ? "0" : v));
            }
            vm.add(device(std::move(vtpm)));
        }
        for (const ConfigValue& f : value("vfb").list()) {
            rpc::Sexpr vfb = rpc::Sexpr::list({str("vfb")});
            add_pairs(vfb, f.str());
            if (!has_pair(f.str(), "type")) vfb.add("type", str("sdl"));
            if (!has_pair(f.str(), "keymap") && !string_of("keymap").empty()) vfb.add("keymap", str(string_of("keymap")));
            if (!has_pair(f.str(), "display") && !ctx_.display.empty()) vfb.add("display", str(ctx_.display));
            if (!has_pair(f.str(), "xauthority")) vfb.add("xauthority", str(ctx_.xauthority));
            vm.add(device(rpc::Sexpr::list({str("vkbd")})));
            vm.add(device(std::move(vfb)));
        }
    }

    void vifs(rpc::Sexpr& vm, std::vector<std::string>& warnings) {
        ConfigValue::List list = value("vif").list();
        std::int64_t nics = value("nics").int_value();
        if (nics > 0) {
            warnings.push_back("The nics option is deprecated.  Please use an empty vif entry instead:\n\n  vif = [ '' ]\n");
            while (static_cast<std::int64_t>(list.size()) < nics) list.push_back(ConfigValue{std::string()});
        } else if (nics == 0) {
            warnings.push_back("The nics option is deprecated.  Please remove it.");
        }
        for (const ConfigValue& v : list) {
            rpc::Sexpr vif = rpc::Sexpr::list({str("vif")});
            add_pairs(vif, v.str());
            vm.add(device(std::move(vif)));
        }
    }

    Collector& c_;
    const ConfigContext& ctx_;
};

std::string basename_of(std::string_view path) {
    std::size_t slash = path.find_last_of('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// Problems between keys, once each key is valid on its own.
void cross_checks(Collector& c) {
    const Setting& memory = c.get("memory");
    const Setting& maxmem = c.get("maxmem");
    if (maxmem.set && memory.value.kind() == K::kInt && maxmem.value.kind() == K::kInt &&
        memory.value.int_value() > maxmem.value.int_value())
        c.report(maxmem.line ? maxmem.line : memory.line,
                 cat("memory (", memory.value.int_value(), ") is more than maxmem (", maxmem.value.int_value(), ")"));
    const Setting& cpus = c.get("cpus");
    const Setting& vcpus = c.get("vcpus");
    if (cpus.set && cpus.value.kind() == K::kList && vcpus.value.kind() == K::kInt &&
        static_cast<std::int64_t>(cpus.value.list().size()) != vcpus.value.int_value())
        c.report(cpus.line, cat("cpus: a list of ", cpus.value.list().size(), " CPU lists for ",
                                vcpus.value.int_value(), " vcpus (one per vcpu is needed)"));
    if (c.get("nfs_root").set && !c.get("nfs_server").set)
        c.report(c.get("nfs_root").line, "nfs_root: nfs_server must be set too");
    bool pv = c.get("builder").value.kind() == K::kString && c.get("builder").value.str() == "linux";
    if (pv && !c.get("kernel").set && !c.get("bootloader").set)
        c.report(0, "neither kernel nor bootloader is set: a PV guest needs one of them");
}

}  // namespace

bool is_assignment_word(std::string_view word) {
    std::size_t eq = word.find('=');
    return eq != std::string_view::npos && eq > 0;
}

std::string absolute_path(std::string_view path, std::string_view cwd) {
    std::string joined = path.starts_with('/') ? std::string(path) : cat(cwd, "/", path);
    std::vector<std::string> parts;
    for (const std::string& part : split(joined, '/')) {
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    return "/" + join(parts, "/");
}

BuiltConfig make_config(const ParsedConfig& file, const std::vector<std::string>& overrides,
                        const ConfigContext& context) {
    BuiltConfig out;
    out.problems = file.problems;
    Collector c(out.problems);
    c.command_line(overrides);
    c.file(file.assignments);
    if (!c.get("name").set && !context.config_path.empty()) {
        c.get("name").value = ConfigValue{basename_of(context.config_path)};
        c.get("name").set = true;
    }
    c.finish();
    if (out.problems.empty()) cross_checks(c);
    std::stable_sort(out.problems.begin(), out.problems.end(),
                     [](const ConfigProblem& a, const ConfigProblem& b) { return a.line < b.line; });
    if (out.problems.empty()) out.vm = Builder(c, context).build(out.warnings);
    return out;
}

}  // namespace xvm::xm
