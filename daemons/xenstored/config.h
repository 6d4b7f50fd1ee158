// xenstored's configuration: every setting, its default (Xen 4.17's where
// Xen has one), and where it comes from - the command line, the SMF
// properties of svc:/system/xctl/store (the quotas, through the daemon
// kit's property table) and xend's shared config/hypervisor-backend. The
// command line overrides whatever the repository says.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "daemons/kit/service_config.h"
#include "lib/base/result.h"

namespace xvm::xs {

// Per-domain limits. Privileged connections (dom0 and the local sockets)
// are exempt from all but `output_bytes`, as in Xen.
struct Quotas {
    std::uint32_t nodes = 1000;              // quota-nodes: nodes owned per domain
    std::uint32_t entry_size = 2048;         // quota-entry-size: value bytes
    std::uint32_t watches = 128;             // quota-watches: per connection
    std::uint32_t transactions = 10;         // quota-transactions: open at once
    std::uint32_t outstanding = 20;          // quota-outstanding: requests per pass
    std::uint32_t transaction_nodes = 1024;  // quota-transaction-nodes
    std::uint32_t permissions = 5;           // quota-permissions: entries per node
    // quota-output-bytes: replies and events queued for a connection that
    // does not read them; past it the connection is dropped.
    std::size_t output_bytes = 32u << 20;
    // Local socket clients other than root (xend runs as xvm; virt_manage
    // users): dom0's rights, but these bound what one uid can make the
    // store hold. Nodes count across all of the uid's connections (since
    // the daemon started), watches and transactions per connection; values
    // are held to quota-entry-size.
    std::uint32_t user_nodes = 20000;        // quota-user-nodes
    std::uint32_t user_watches = 512;        // quota-user-watches
    std::uint32_t user_transactions = 32;    // quota-user-transactions
};

// The quota table: one row per quota, driving the SMF properties
// (config/quota-<name> of svc:/system/xctl/store), -Q <name>=<value>, the
// usage text and CONTROL quota.
using QuotaConfig = kit::ServiceConfig<Quotas>;
std::span<const kit::Setting<Quotas>> quota_table();
// "nodes 1000\nentry-size 2048\n..." in table order (CONTROL quota).
std::string describe_quotas(const Quotas& q);

struct Config {
    std::string run_dir;      // <root>/var/run/xenstored
    std::string socket_path;  // run_dir/socket
    std::string socket_ro_path;
    std::string tdb_path;  // run_dir/tdb
    std::string pid_file;  // -F
    std::string trace_file;  // -T
    bool no_fork = false;    // -N
    bool check_only = false;  // -n: report the configuration and exit
    bool new_store = false;  // --new-store: discard any tdb, start empty
    // --init-store: start empty only when there is no tdb at all (the first
    // start after boot: /var/run is memory); a damaged tdb is still an error.
    bool init_store = false;
    bool drop_privileges = true;  // --no-drop is for unprivileged test runs only
    bool debug = false;
    std::string hypervisor;  // "" (none), "auto", "xen", "sim", or "files:<dir>"
    // tdb copies its whole hash table at every transaction start, so the
    // table is kept small (16 KiB): cheap commits at the price of longer
    // chains for very large stores (bench/README.md).
    unsigned tdb_hash_size = 4093;
    std::string fmri;  // our SMF instance (SMF_FMRI), "" when not under SMF
    Quotas quotas;
    QuotaConfig quota_config{quota_table(), Quotas{}};  // re-read on refresh
};

// Parses argv over the defaults (paths under XVM_ROOT) and the SMF
// properties. `-V` and `-h` print and exit from here. Every bad option
// and property is reported, not just the first.
Result<Config> load_config(int argc, char** argv);

// Refresh (SIGHUP, from svcadm refresh): the quotas again from the running
// snapshot, with the command line's -Q still winning. On error `c` is
// unchanged and the error names every bad property.
Status reload_quotas(Config& c);

// The usage text (for -h and the man page's synopsis).
std::string usage_text();

}  // namespace xvm::xs
