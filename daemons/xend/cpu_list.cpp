#include "daemons/xend/cpu_list.h"

#include <charconv>
#include <set>

#include "lib/base/format.h"

namespace xvm::xend {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

Result<std::uint32_t> cpu_number(std::string_view word, std::string_view whole) {
    std::uint32_t n = 0;
    auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), n);
    if (word.empty() || ec != std::errc() || end != word.data() + word.size())
        return make_error(cat("cpus '", whole, "': '", word, "' is not a CPU number"));
    if (n > kMaxCpu) return make_error(cat("cpus '", whole, "': CPU ", n, " is beyond ", kMaxCpu));
    return n;
}

}  // namespace

Result<std::vector<std::uint32_t>> parse_cpu_list(std::string_view text) {
    std::set<std::uint32_t> cpus;
    std::size_t at = 0;
    while (at <= text.size()) {
        std::size_t comma = text.find(',', at);
        if (comma == std::string_view::npos) comma = text.size();
        std::string_view word = trim(text.substr(at, comma - at));
        at = comma + 1;
        bool remove = !word.empty() && word[0] == '^';
        if (remove) word.remove_prefix(1);
        std::size_t dash = word.find('-');
        std::uint32_t lo, hi;
        if (dash == std::string_view::npos) {
            auto n = cpu_number(word, text);
            if (!n) return std::move(n).error();
            lo = hi = *n;
        } else {
            auto a = cpu_number(trim(word.substr(0, dash)), text);
            if (!a) return std::move(a).error();
            auto b = cpu_number(trim(word.substr(dash + 1)), text);
            if (!b) return std::move(b).error();
            if (*a > *b) return make_error(cat("cpus '", text, "': range ", word, " runs backwards"));
            lo = *a;
            hi = *b;
        }
        for (std::uint32_t c = lo; c <= hi; ++c) {
            if (remove) cpus.erase(c);
            else cpus.insert(c);
        }
    }
    if (cpus.empty()) return make_error(cat("cpus '", text, "' leaves no CPU"));
    return std::vector<std::uint32_t>(cpus.begin(), cpus.end());
}

std::string format_cpu_list(const std::vector<std::uint32_t>& cpus) {
    std::string out;
    for (std::size_t i = 0; i < cpus.size();) {
        std::size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += j == i ? cat(cpus[i]) : cat(cpus[i], "-", cpus[j]);
        i = j + 1;
    }
    return out;
}

}  // namespace xvm::xend
