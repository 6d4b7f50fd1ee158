#include "daemons/xenstored/config.h"

#include <getopt.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "lib/base/format.h"
#include "lib/xen/hypervisor.h"
#include "daemons/kit/backend_setting.h"
#include "lib/base/paths.h"
#include "lib/smf/scf.h"

namespace xvm::xs {
namespace {

constexpr const char* kVersion = "xenstored (xVM) 1.0, xs_wire of Xen 4.17";

struct QuotaField {
    const char* name;  // also the SMF property name with "quota-" in front
    std::size_t Quotas::*wide;
    std::uint32_t Quotas::*narrow;
};

constexpr QuotaField kQuotaFields[] = {
    {"nodes", nullptr, &Quotas::nodes},
    {"entry-size", nullptr, &Quotas::entry_size},
    {"watches", nullptr, &Quotas::watches},
    {"transactions", nullptr, &Quotas::transactions},
    {"outstanding", nullptr, &Quotas::outstanding},
    {"transaction-nodes", nullptr, &Quotas::transaction_nodes},
    {"permissions", nullptr, &Quotas::permissions},
    {"output-bytes", &Quotas::output_bytes, nullptr},
    {"user-nodes", nullptr, &Quotas::user_nodes},
    {"user-watches", nullptr, &Quotas::user_watches},
    {"user-transactions", nullptr, &Quotas::user_transactions},
};

// "name=value" for -Q; errors name the option and the limit.
Status set_quota(Quotas& q, std::string_view arg) {
    auto eq = arg.find('=');
    if (eq == std::string_view::npos)
        return make_error(cat("-Q ", arg, ": expected name=value"));
    std::string_view name = arg.substr(0, eq), text = arg.substr(eq + 1);
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0 ||
        value > 0xffffffffu)
        return make_error(cat("-Q ", arg, ": ", text, " is not in 1..4294967295"));
    for (const QuotaField& f : kQuotaFields) {
        if (name != f.name) continue;
        if (f.wide) q.*(f.wide) = value;
        else q.*(f.narrow) = static_cast<std::uint32_t>(value);
        return {};
    }
    return make_error(cat("-Q ", arg, ": unknown quota ", name));
}

// A count (or integer) property, nullopt when absent; a wrong type or an
// out-of-range value is an error naming the property.
Result<std::optional<std::uint64_t>> smf_number(const char* fmri, const std::string& prop) {
    scf_simple_prop_t* p = scf_simple_prop_get(nullptr, fmri, "config", prop.c_str());
    if (p == nullptr) return std::optional<std::uint64_t>();
    std::optional<std::uint64_t> value;
    if (scf_simple_prop_type(p) == SCF_TYPE_COUNT) {
        if (std::uint64_t* v = scf_simple_prop_next_count(p)) value = *v;
    } else if (scf_simple_prop_type(p) == SCF_TYPE_INTEGER) {
        if (std::int64_t* v = scf_simple_prop_next_integer(p); v && *v > 0)
            value = static_cast<std::uint64_t>(*v);
    }
    scf_simple_prop_free(p);
    if (!value || *value == 0 || *value > 0xffffffffu)
        return make_error(cat(fmri, ": property config/", prop,
                              " must be a count in 1..4294967295"));
    return value;
}

// Under SMF (SMF_FMRI set) the properties are the configuration: quotas
// from config/quota-<name> of our own instance, the hypervisor backend
// from xend's config/hypervisor-backend (the one setting all daemons
// share). The command line, parsed afterwards, overrides both.
void load_smf(Config& c, std::vector<std::string>& errors) {
    const char* self = std::getenv("SMF_FMRI");
    if (self == nullptr) return;
    for (const QuotaField& f : kQuotaFields) {
        auto value = smf_number(self, cat("quota-", f.name));
        if (!value) {
            errors.push_back(value.error().message);
            continue;
        }
        if (!*value) continue;
        if (f.wide) c.quotas.*(f.wide) = **value;
        else c.quotas.*(f.narrow) = static_cast<std::uint32_t>(**value);
    }
    if (auto backend = kit::configured_backend()) c.hypervisor = *backend;
}

Config defaults() {
    Config c;
    c.run_dir = root_path("/var/run/xenstored");
    c.socket_path = c.run_dir + "/socket";
    c.socket_ro_path = c.run_dir + "/socket_ro";
    c.tdb_path = c.run_dir + "/tdb";
    return c;
}

}  // namespace

std::string usage_text() {
    std::string q;
    for (const QuotaField& f : kQuotaFields) q += cat(q.empty() ? "" : "|", f.name);
    return cat("usage: xenstored [-N] [-F pidfile] [-T tracefile] [-Q quota=value]...\n",
               "                 [--new-store | --init-store] [--hypervisor auto|xen|sim|files:DIR]\n",
               "                 [--no-drop] [-d] [-V]\n", "quotas: ", q, "\n");
}

Result<Config> load_config(int argc, char** argv) {
    static const option kLong[] = {
        {"no-fork", no_argument, nullptr, 'N'},
        {"pid-file", required_argument, nullptr, 'F'},
        {"trace-file", required_argument, nullptr, 'T'},
        {"quota", required_argument, nullptr, 'Q'},
        {"version", no_argument, nullptr, 'V'},
        {"debug", no_argument, nullptr, 'd'},
        {"help", no_argument, nullptr, 'h'},
        {"new-store", no_argument, nullptr, 'E'},
        {"init-store", no_argument, nullptr, 'I'},
        {"no-drop", no_argument, nullptr, 'U'},
        {"hypervisor", required_argument, nullptr, 'H'},
        {nullptr, 0, nullptr, 0},
    };
    Config c = defaults();
    std::vector<std::string> errors;
    load_smf(c, errors);
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":NF:T:Q:VdhEIUH:", kLong, nullptr)) != -1) {
        switch (opt) {
            case 'N': c.no_fork = true; break;
            case 'F': c.pid_file = optarg; break;
            case 'T': c.trace_file = optarg; break;
            case 'd': c.debug = true; break;
            case 'E': c.new_store = true; break;
            case 'I': c.init_store = true; break;
            case 'U': c.drop_privileges = false; break;
            case 'H': c.hypervisor = optarg; break;
            case 'Q': {
                Status s = set_quota(c.quotas, optarg);
                if (!s) errors.push_back(s.error().message);
                break;
            }
            case 'V': std::printf("%s\n", kVersion); std::exit(0);
            case 'h': std::fputs(usage_text().c_str(), stdout); std::exit(0);
            case ':': errors.push_back(cat("option ", argv[optind - 1], " needs a value")); break;
            default: errors.push_back(cat("unknown option ", argv[optind - 1])); break;
        }
    }
    if (optind < argc) errors.push_back(cat("unexpected argument ", argv[optind]));
    if (!errors.empty()) return make_error(join(errors, "; "));
    return c;
}

}  // namespace xvm::xs
