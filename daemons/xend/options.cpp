#include "daemons/xend/options.h"

#include <cstdlib>

#include "daemons/kit/backend_setting.h"
#include "lib/base/format.h"

namespace xvm::xend {

std::string usage() {
    return "usage: xend [-d] [-n] [-N] [--<property> <value> ...]\n"
           "       properties: the config/* properties of svc:/system/xctl/xend (xend(1M))";
}

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
            if (Status s = o.config.set_override(std::string_view(a).substr(2), args[++i], a); !s)
                errors.push_back(s.error().message);
        } else {
            errors.push_back(cat("unexpected argument '", a, "'"));
        }
    }
    const char* fmri = std::getenv("SMF_FMRI");
    o.fmri = fmri ? fmri : "";
    auto loaded = o.config.load(o.fmri);
    if (!loaded) errors.push_back(loaded.error().message);
    else if (Status ok = check_settings(*loaded); !ok) errors.push_back(ok.error().message);
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
    if (!fresh) return fresh;
    if (Status ok = check_settings(*fresh); !ok) return std::move(ok).error();
    return fresh;
}

}  // namespace xvm::xend
