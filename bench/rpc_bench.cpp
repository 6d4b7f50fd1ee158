// rpc_bench: the cost of lib/rpc's codecs for the biggest answer xm
// routinely asks for, `xend.domains_with_state(True, 'all', ...)` with 100
// domains (the issue's `xm list` with 100 domains). Each row is a median
// over ROUNDS runs; the baseline is a whole call's worth of the smallest
// answer, a one-int response decoded, so the ratios say how many "empty
// calls" each step costs. See README.md.
//   rpc_bench [ROUNDS]          (default 200)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "lib/base/format.h"
#include "lib/rpc/sexpr.h"
#include "lib/rpc/xmlrpc.h"

using namespace xvm;
using namespace xvm::rpc;

namespace {

// A domain as xend describes it (XEND.md 2.5 shape, with devices).
Sexpr domain(int i) {
    auto s = parse_sexpr(cat(
        "(domain (domid ", i, ") (on_crash restart) (uuid 6f3c2a1e-94b7-4d0b-a2c5-", 100000000000 + i,
        ") (bootloader_args '') (vcpus 2) (name guest", i,
        ") (on_poweroff destroy) (on_reboot restart) (bootloader '') (maxmem 512) (memory 384) (shadow_memory 0) "
        "(features '') (on_xend_start ignore) (on_xend_stop ignore) (online_vcpus 2) "
        "(image (linux (kernel /var/lib/xen/images/vmlinuz) (args 'root=/dev/xvda1 ro console=hvc0') "
        "(notes (GUEST_OS linux) (XEN_VERSION xen-3.0)))) (status 2) (state -b----) (store_mfn 1155073) "
        "(console_mfn 1155072) (device (vbd (uname phy:/dev/vg0/g", i, ") (dev xvda) (mode w))))"));
    Sexpr d = *s;
    d.add("start_time", Sexpr::real(1221745032.52 + i)).add("cpu_time", Sexpr::real(42.318007121 * i));
    return d;
}

double median_us(int rounds, const std::function<void()>& work) {
    std::vector<double> samples;
    for (int r = 0; r < rounds; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        work();
        samples.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = argc > 1 ? std::atoi(argv[1]) : 200;
    if (rounds < 1) rounds = 1;
    Sexpr all = Sexpr::list();
    for (int i = 1; i <= 100; ++i) all.add(domain(i));
    std::string body = *encode_response(sexpr_to_value(all));
    std::string tiny = *encode_response(Value::integer(0));
    std::string compact = sexpr_to_string(all);
    Value decoded = decode_response(body)->value();
    std::size_t sink = 0;

    struct Row {
        const char* name;
        std::function<void()> work;
    };
    std::vector<Row> rows = {
        {"decode a one-int response (baseline)", [&] { sink += decode_response(tiny)->is_fault(); }},
        {"decode the 100-domain response", [&] { sink += decode_response(body)->value().as_array().size(); }},
        {"response -> S-expressions", [&] { sink += value_to_sexpr(decoded)->items().size(); }},
        {"decode + S-expressions (xm list's share)",
         [&] { sink += value_to_sexpr(decode_response(body)->value())->items().size(); }},
        {"pretty-print 100 domains (xm list -l)", [&] { sink += sexpr_pretty(all).size(); }},
        {"encode the 100-domain response (xend's share)",
         [&] { sink += encode_response(sexpr_to_value(all))->size(); }},
        {"parse 100 domains as S-expression text", [&] { sink += parse_sexpr(compact)->items().size(); }},
    };
    std::printf("response: %zu bytes of XML for 100 domains; %d rounds\n", body.size(), rounds);
    std::printf("%-48s %12s %10s\n", "measurement", "median (us)", "/ baseline");
    double baseline = 0;
    for (const Row& row : rows) {
        double us = median_us(rounds, row.work);
        if (baseline == 0) baseline = us;
        std::printf("%-48s %12.1f %10.1f\n", row.name, us, us / baseline);
    }
    return sink == 0 ? 1 : 0;
}
