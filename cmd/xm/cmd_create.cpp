// xm create and xm new (the original is tools/python/xen/xm/create.py and
// new.py): find the configuration file along the path, read it
// (config_file.h), turn it and the command line's key=value words into
// the (vm ...) S-expression (config_keys.h), and hand that to xend.
// create then waits for the devices and unpauses the domain, destroying
// it again if either step fails, as make_domain() did.
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cmd/xm/commands.h"
#include "cmd/xm/config_file.h"
#include "cmd/xm/config_keys.h"
#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/base/unique_fd.h"
#include "lib/rpc/pystr.h"

namespace xvm::xm {

using rpc::Sexpr;
using rpc::Value;

namespace {

struct CreateArgs {
    bool quiet = false, dryrun = false, paused = false, console = false;
    std::string path;       // search path for the file
    std::string defconfig;  // the file's name as given
    std::string sxp_file;   // -F: an S-expression configuration instead
    std::vector<std::string> overrides;
};

Expected<CreateArgs> parse_args(Args args) {
    auto opts = gnu_getopt(args, "qf:F:npc",
                           {"quiet", "path=", "defconfig=", "config=", "dryrun", "paused", "console_autoconnect"});
    if (!opts) return std::move(opts).failure();
    CreateArgs out;
    out.quiet = opts->has("-q", "--quiet");
    out.dryrun = opts->has("-n", "--dryrun");
    out.paused = opts->has("-p", "--paused");
    out.console = opts->has("-c", "--console_autoconnect");
    out.path = opts->value("", "--path").value_or(cat(".:", root_path("/etc/xen")));
    out.defconfig = opts->value("-f", "--defconfig").value_or("");
    out.sxp_file = opts->value("-F", "--config").value_or("");
    std::vector<std::string> files;
    for (const std::string& p : opts->params) {
        if (is_assignment_word(p)) {
            out.overrides.push_back(p);
        } else {
            files.push_back(p);
        }
    }
    if (files.size() > 1) return Failure::usage(cat("more than one configuration file given: ", join(files, " ")));
    if (!files.empty()) out.defconfig = files[0];
    if (out.defconfig.empty()) out.defconfig = "xmdefconfig";
    if (!out.sxp_file.empty() && !out.overrides.empty())
        return Failure::usage("key=value settings cannot be combined with an S-expression file (-F)");
    return out;
}

// opts.py load_defconfig(): the name as given, then along the path; a
// relative result is shown with "./" as the original showed it.
std::optional<std::string> find_config(const CreateArgs& a) {
    std::vector<std::string> dirs{""};
    std::size_t start = 0;
    while (true) {
        std::size_t colon = a.path.find(':', start);
        dirs.push_back(a.path.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    for (const std::string& dir : dirs) {
        std::string p = dir.empty() || a.defconfig.starts_with('/') ? a.defconfig : cat(dir, "/", a.defconfig);
        if (!p.starts_with('/')) p = "./" + p;
        struct stat st{};
        if (stat(p.c_str(), &st) == 0) return p;
    }
    return std::nullopt;
}

// The whole file, at most kMaxConfigBytes (+1 to tell that it is larger).
Expected<std::string> read_bounded(const std::string& path) {
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) return Failure::plain(cat("Cannot read file ", path, ": ", std::strerror(errno)));
    std::string text;
    char buf[8192];
    while (text.size() <= kMaxConfigBytes) {
        ssize_t n = read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Failure::plain(cat("Cannot read file ", path, ": ", std::strerror(errno)));
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    return text;
}

std::string xauthority() {
    if (const char* x = std::getenv("XAUTHORITY"); x && *x) return x;
    const char* home = std::getenv("HOME");
    std::string dir = home && *home ? home : "";
    if (dir.empty())
        if (const passwd* pw = getpwuid(getuid())) dir = pw->pw_dir;
    return dir + "/.Xauthority";
}

std::string current_directory() {
    char buf[4096];
    return getcwd(buf, sizeof buf) ? std::string(buf) : std::string("/");
}

// Every problem of the file and the command line, at once.
Failure config_failure(const std::string& path, const std::vector<ConfigProblem>& problems) {
    std::string text = cat(problems.size() == 1 ? "1 error" : cat(problems.size(), " errors"), " in ", path, ":");
    for (const ConfigProblem& p : problems)
        text += p.line > 0 ? cat("\n  line ", p.line, ": ", p.text) : cat("\n  ", p.text);
    return Failure::plain(text);
}

// The (vm ...) configuration from -F or from the Python-syntax file.
Expected<Sexpr> load_config(const CreateArgs& a) {
    if (!a.sxp_file.empty()) {
        auto text = read_bounded(a.sxp_file);
        if (!text) return Failure::usage(std::move(text).failure().message);
        auto all = rpc::parse_sexprs(*text);
        if (!all) return Failure::plain(cat(a.sxp_file, ": ", all.error().message));
        if (all->empty()) return Failure::plain(cat(a.sxp_file, ": no S-expression in the file"));
        return std::move(all->front());
    }
    auto path = find_config(a);
    if (!path) return Failure::usage(cat("Unable to open config file: ", a.defconfig));
    if (!a.quiet) print(cat("Using config file \"", *path, "\".\n"));
    auto text = read_bounded(*path);
    if (!text) return std::move(text).failure();
    if (text->starts_with('<'))
        return Failure::plain(cat(*path, " is a Xen-API XML configuration, which this xm does not read"));
    const char* display = std::getenv("DISPLAY");
    ConfigContext context{*path, current_directory(), a.console, display ? display : "", xauthority()};
    BuiltConfig built = make_config(parse_config_file(*text), a.overrides, context);
    for (const std::string& w : built.warnings) std::fprintf(stderr, "Warning: %s\n", w.c_str());
    if (!built.problems.empty()) return config_failure(*path, built.problems);
    return std::move(built.vm);
}

// create.py/new.py turned a fault into a plain message (no usage text).
Failure as_plain(Failure f) {
    if (f.kind != Failure::Kind::kFault) return f;
    if (f.fault_code == rpc::kFaultInvalidDomain) return Failure::plain(cat("the domain '", f.message, "' does not exist."));
    return Failure::plain(std::move(f.message));
}

// create.py make_domain(): create (left paused by xend), wait for the
// devices, unpause unless -p; a failure after creation destroys it.
Expected<Sexpr> make_domain(Context& ctx, const Sexpr& config, bool paused) {
    auto info = ctx.xend.call_sexpr("xend.domain.create", {rpc::sexpr_to_value(config)});
    if (!info) return as_plain(std::move(info).failure());
    std::string name = info->value_text("name").value_or("");
    // Clean-up after a failure: that failure is what gets reported, so the
    // outcome of the destroy itself is not.
    auto destroy = [&] { (void)ctx.xend.call("xend.domain.destroy", {Value::string(name)}); };
    if (auto w = ctx.xend.call("xend.domain.waitForDevices", {Value::string(name)}); !w) {
        destroy();
        const Failure& f = w.failure();
        return Failure::plain(f.kind == Failure::Kind::kFault ? f.message
                                                                : cat("Device creation failed for domain ", name));
    }
    if (!paused) {
        if (auto u = ctx.xend.call("xend.domain.unpause", {Value::string(name)}); !u) {
            destroy();
            return Failure::plain(cat("Failed to unpause domain ", name));
        }
    }
    return std::move(*info);
}

}  // namespace

Outcome cmd_create(Context& ctx, Args args) {
    auto a = parse_args(args);
    if (!a) return std::move(a).failure();
    auto config = load_config(*a);
    if (!config) return std::move(config).failure();
    if (a->dryrun) {
        print(rpc::sexpr_pretty(*config));
        return {};
    }
    auto info = make_domain(ctx, *config, a->paused);
    if (!info) return std::move(info).failure();
    if (!a->quiet) print(cat("Started domain ", info->value_text("name").value_or(""), "\n"));
    if (a->console) {
        std::fflush(stdout);
        return attach_console(info->value_text("domid").value_or(info->value_text("name").value_or("")));
    }
    return {};
}

Outcome cmd_new(Context& ctx, Args args) {
    auto a = parse_args(args);
    if (!a) return std::move(a).failure();
    auto config = load_config(*a);
    if (!config) return std::move(config).failure();
    if (a->dryrun) {
        print(rpc::sexpr_pretty(*config));
        return {};
    }
    auto done = ctx.xend.call("xend.domain.new", {rpc::sexpr_to_value(*config)});
    if (!done) return as_plain(std::move(done).failure());
    return {};
}

}  // namespace xvm::xm
