#include "daemons/xenstored/config.h"

#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "lib/base/format.h"
#include "daemons/kit/backend_setting.h"
#include "lib/base/paths.h"

namespace xvm::xs {
namespace {

constexpr const char* kVersion = "xenstored (xVM) 1.0, xs_wire of Xen 4.17";

constexpr kit::Range kQuotaRange{1, 4294967295};
constexpr std::string_view kQuotaPrefix = "quota-";

const kit::Setting<Quotas> kQuotaTable[] = {
    {.name = "quota-nodes", .member = &Quotas::nodes, .range = kQuotaRange},
    {.name = "quota-entry-size", .member = &Quotas::entry_size, .range = kQuotaRange},
    {.name = "quota-watches", .member = &Quotas::watches, .range = kQuotaRange},
    {.name = "quota-transactions", .member = &Quotas::transactions, .range = kQuotaRange},
    {.name = "quota-outstanding", .member = &Quotas::outstanding, .range = kQuotaRange},
    {.name = "quota-transaction-nodes", .member = &Quotas::transaction_nodes, .range = kQuotaRange},
    {.name = "quota-permissions", .member = &Quotas::permissions, .range = kQuotaRange},
    {.name = "quota-output-bytes", .member = &Quotas::output_bytes, .range = kQuotaRange},
    {.name = "quota-user-nodes", .member = &Quotas::user_nodes, .range = kQuotaRange},
    {.name = "quota-user-watches", .member = &Quotas::user_watches, .range = kQuotaRange},
    {.name = "quota-user-transactions", .member = &Quotas::user_transactions, .range = kQuotaRange},
};

// "-Q name=value": the table row "quota-<name>".
Status set_quota(Config& c, std::string_view arg) {
    auto eq = arg.find('=');
    if (eq == std::string_view::npos) return make_error(cat("-Q ", arg, ": expected name=value"));
    return c.quota_config.set_override(cat(kQuotaPrefix, arg.substr(0, eq)), arg.substr(eq + 1),
                                       cat("-Q ", arg));
}

// Under SMF (SMF_FMRI set) the properties are the configuration: quotas
// from config/quota-<name> of our own instance, the hypervisor backend
// from xend's config/hypervisor-backend (the one setting all daemons
// share). The command line overrides both.
void load_smf(Config& c, std::vector<std::string>& errors) {
    auto quotas = c.quota_config.load(c.fmri);
    if (quotas) c.quotas = *quotas;
    else errors.push_back(quotas.error().message);
    if (c.fmri.empty() || !c.hypervisor.empty()) return;
    auto backend = kit::configured_backend();
    if (!backend) errors.push_back(backend.error().message);
    else if (*backend) c.hypervisor = **backend;
}

Config defaults() {
    Config c;
    c.run_dir = root_path("/var/run/xenstored");
    c.socket_path = c.run_dir + "/socket";
    c.socket_ro_path = c.run_dir + "/socket_ro";
    c.tdb_path = c.run_dir + "/tdb";
    if (const char* self = std::getenv("SMF_FMRI")) c.fmri = self;
    return c;
}

}  // namespace

std::span<const kit::Setting<Quotas>> quota_table() { return kQuotaTable; }

std::string describe_quotas(const Quotas& q) {
    std::string out;
    for (const auto& s : kQuotaTable)
        out += cat(s.name.substr(kQuotaPrefix.size()), " ", QuotaConfig::text(q, s), "\n");
    return out;
}

Status reload_quotas(Config& c) {
    std::vector<std::string> notes;
    auto fresh = c.quota_config.reload(c.quotas, c.fmri, notes);
    if (!fresh) return std::move(fresh).error();
    c.quotas = *fresh;
    return {};
}

std::string usage_text() {
    std::string q;
    for (const auto& s : kQuotaTable) q += cat(q.empty() ? "" : "|", s.name.substr(kQuotaPrefix.size()));
    return cat("usage: xenstored [-N] [-n] [-F pidfile] [-T tracefile] [-Q quota=value]...\n",
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
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":NnF:T:Q:VdhEIUH:", kLong, nullptr)) != -1) {
        switch (opt) {
            case 'N': c.no_fork = true; break;
            case 'n': c.check_only = true; break;
            case 'F': c.pid_file = optarg; break;
            case 'T': c.trace_file = optarg; break;
            case 'd': c.debug = true; break;
            case 'E': c.new_store = true; break;
            case 'I': c.init_store = true; break;
            case 'U': c.drop_privileges = false; break;
            case 'H': c.hypervisor = optarg; break;
            case 'Q': {
                Status s = set_quota(c, optarg);
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
    load_smf(c, errors);
    if (!errors.empty()) return make_error(join(errors, "; "));
    return c;
}

}  // namespace xvm::xs
