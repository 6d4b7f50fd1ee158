#include "daemons/xend/options.h"

#include <cstdlib>

#include "daemons/kit/backend_setting.h"
#include "lib/base/format.h"

namespace xvm::xend {

std::string usage() {
    return "usage: xend [-d] [-n] [-N] [--<property> <value> ...]\n"
           "       properties: the config/* properties of svc:/system/xctl/xend (xend(1M))";
}

namespace {

// The table, then the checks a range cannot make - over the strings alone
// when a number is bad, so that one message names every bad property.
Result<Settings> load_checked(const Options& o, const std::string& fmri) {
    auto loaded = o.config.load(fmri);
    if (loaded) {
        if (Status ok = check_settings(*loaded); !ok) return std::move(ok).error();
        return loaded;
    }
    std::string message = loaded.error().message;
    if (auto strings = o.strings.load(fmri))
        if (Status ok = check_settings(*strings); !ok) message += "; " + ok.error().message;
    return make_error(message);
}

}  // namespace

Result<Options> parse_options(const std::vector<std::string>& args) {
    Options o;
    std::vector<std::string> errors;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-d") o.debug = true;
        else if (a == "-n") o.check_only = true;
        else if (a == "-N") o.foreground = true;
        else if (a.starts_with("--") && a.size() > 2) {
            if (i + 1 >= args.size()) {
                errors.push_back(cat("option ", a, " needs a value"));
                break;
            }
            std::string_view name = std::string_view(a).substr(2);
            const std::string& value = args[++i];
            if (Status s = o.config.set_override(name, value, a); !s) errors.push_back(s.error().message);
            else if (o.strings.find(name)) (void)o.strings.set_override(name, value, a);  // checked just above
        } else {
            errors.push_back(cat("unexpected argument '", a, "'"));
        }
    }
    const char* fmri = std::getenv("SMF_FMRI");
    o.fmri = fmri ? fmri : "";
    auto loaded = load_checked(o, o.fmri);
    if (!loaded) errors.push_back(loaded.error().message);
    else o.settings = *loaded;
    // The shared backend setting is read only under SMF: outside it the
    // simulator is the only choice that needs nothing of the host.
    if (!o.fmri.empty()) {
        auto b = kit::configured_backend();
        if (!b) errors.push_back(b.error().message);
        else if (*b) o.backend_name = **b;
    } else if (const char* env = std::getenv("XVM_HYPERVISOR")) {
        o.backend_name = env;
    }
    auto backend = parse_backend(o.backend_name);
    if (!backend) errors.push_back(backend.error().message);
    else o.backend = *backend;
    if (!errors.empty()) return make_error(cat("xend: ", join(errors, "; ")));
    return o;
}

Result<Settings> reload_settings(const Options& o, std::vector<std::string>& notes) {
    auto fresh = o.config.reload(o.settings, o.fmri, notes);
    if (fresh) {
        if (Status ok = check_settings(*fresh); !ok) return std::move(ok).error();
        return fresh;
    }
    auto again = load_checked(o, o.fmri);  // fails the same way, naming every property
    return again ? std::move(fresh).error() : std::move(again).error();
}

}  // namespace xvm::xend
