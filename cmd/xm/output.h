// xm's tables, made from xend's S-expressions (XEND.md section 3; the
// original is tools/python/xen/xm/main.py at 3.3.0-rc7). Pure functions of
// their input - the clock and /proc/uptime come in as arguments - so the
// golden tests in output_test.cpp pin every column.
//
// A field that is present but not a number where one is needed is what
// Python's int()/float() refused: the caller reports "Invalid argument."
// as main.py did for a ValueError.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "cmd/xm/failure.h"
#include "lib/rpc/sexpr.h"

namespace xvm::xm {

// main.py parse_doms_info(): one domain's columns.
struct DomainInfo {
    std::string domid;  // "" for an inactive (managed, halted) domain
    std::string name;   // "??" when missing
    std::string state;  // "r-----"; "" when inactive
    std::int64_t vcpus = 0;
    std::int64_t mem = 0;
    double cpu_time = 0;
    double up_time = -1;  // seconds since start_time; -1 without one
};

Expected<DomainInfo> parse_domain_info(const rpc::Sexpr& domain, double now);

// `xm list`: the header and a row per domain, in the order given.
Expected<std::string> format_list(const std::vector<rpc::Sexpr>& domains, double now);
// `xm list --long`: each domain pretty-printed (width 80).
std::string format_list_long(const std::vector<rpc::Sexpr>& domains);
// Sorts as xend's list_sorted() did: by name.
void sort_by_name(std::vector<rpc::Sexpr>& domains);

// `xm info`: "%-23s: value" for every pair after the first.
std::string format_info(const rpc::Sexpr& info);
// nr_cpus of xend.node.info's answer; nullopt when missing.
std::optional<std::int64_t> node_nr_cpus(const rpc::Sexpr& info);

// `xm vcpu-list`: one getVCPUInfo answer per domain.
Expected<std::string> format_vcpu_list(const std::vector<rpc::Sexpr>& vcpu_infos, std::int64_t nr_cpus);
// The affinity column: "any cpu", "0-3,5" or "no cpus".
std::string cpumap_text(std::vector<std::int64_t> cpus, std::int64_t nr_cpus);

// `xm uptime [-s]`. dom0's uptime is /proc/uptime's (seconds); `local`
// is the wall clock for -s.
Expected<std::string> format_uptime(const std::vector<rpc::Sexpr>& domains, double now, double dom0_uptime,
                                    bool short_mode, const std::tm& local);

// Python's "%-Ns" / "%Ns" / "%N.Pf" / "%Nd".
std::string pad_right(const std::string& s, std::size_t width);
std::string pad_left(const std::string& s, std::size_t width);
std::string fixed(double value, int width, int precision);

}  // namespace xvm::xm
