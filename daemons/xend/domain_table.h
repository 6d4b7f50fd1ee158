// The domains xend knows, owned by the loop thread: every domain it
// created or found running at start (with a domid), and every managed
// domain (config.sxp under /var/lib/xend/domains), running or halted.
// The hypervisor is the truth about what runs; a record carries what only
// xend knows (configuration, actions, restart history) and the
// hypervisor's view at the last refresh. dom0 is a record too.
//
// Lookups take the key as xm gives it (XEND.md section 1.3): a name
// (running, then managed), a domid (int or numeric string), or a UUID.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemons/xend/domain_config.h"
#include "lib/xen/hypervisor.h"

namespace xvm::xend {

// An operation in progress on a domain; others wait for it or are refused.
enum class Busy : std::uint8_t { kNone, kCreating, kDestroying, kRestarting, kDumping };
std::string_view busy_name(Busy b);

struct DomainRecord {
    DomainSpec spec;                  // complete: spec.uuid is set
    std::optional<DomId> domid;       // in the hypervisor (any state)
    std::optional<DomainInfo> info;   // at the last refresh
    bool managed = false;
    double start_time = 0;            // epoch seconds of the current run
    std::uint32_t restart_count = 0;
    double previous_restart_time = 0;  // 0 = none (throttling, section 11)
    std::string last_shutdown_reason;
    Busy busy = Busy::kNone;
    // The on_* action for the current shutdown was taken (or is running).
    bool shutdown_handled = false;
    // When xm asked for a shutdown (the unresponsive-guest timer).
    std::optional<std::chrono::steady_clock::time_point> shutdown_requested;

    std::string uuid() const;
    bool running() const { return domid.has_value(); }
};

class DomainTable {
public:
    DomainRecord& add(DomainRecord record);
    void remove(const std::string& uuid);

    DomainRecord* by_uuid(const std::string& uuid);
    DomainRecord* by_domid(DomId dom);
    // A running domain of that name first, then a halted managed one.
    DomainRecord* by_name(std::string_view name);
    // xend's domain_lookup_nr order: running names, managed names, domid,
    // UUIDs. nullptr when nothing matches.
    DomainRecord* lookup(std::string_view key);

    std::vector<DomainRecord*> all();  // by name
    std::size_t size() const { return records_.size(); }

    // Whether `name` is taken by another domain (not `uuid`) - "VM name
    // '<n>' already exists as domain <id>" - and by which.
    const DomainRecord* name_clash(std::string_view name, const std::string& uuid) const;

private:
    std::map<std::string, DomainRecord> records_;  // by UUID text
};

}  // namespace xvm::xend
