// xenstored's configuration: every setting, its default (Xen 4.17's where
// Xen has one), and where it comes from. All loading lives in config.cpp so
// that reading the SMF properties of svc:/system/xctl/store later is one
// change in one file; the command line overrides whatever is loaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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

struct Config {
    std::string run_dir;      // <root>/var/run/xenstored
    std::string socket_path;  // run_dir/socket
    std::string socket_ro_path;
    std::string tdb_path;  // run_dir/tdb
    std::string pid_file;  // -F
    std::string trace_file;  // -T
    bool no_fork = false;    // -N
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
    Quotas quotas;
};

// Parses argv over the defaults (paths under XVM_ROOT). `-V` and `-h`
// print and exit from here. Every bad option is reported, not just the first.
Result<Config> load_config(int argc, char** argv);

// The usage text (for -h and the man page's synopsis).
std::string usage_text();

}  // namespace xvm::xs
