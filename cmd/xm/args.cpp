#include "cmd/xm/args.h"

#include <algorithm>
#include <charconv>

#include "lib/base/format.h"

namespace xvm::xm {

bool Options::has(std::string_view short_name, std::string_view long_name) const {
    return value(short_name, long_name).has_value();
}

std::optional<std::string> Options::value(std::string_view short_name, std::string_view long_name) const {
    std::optional<std::string> out;
    for (const auto& [name, v] : given)
        if ((!short_name.empty() && name == short_name) || (!long_name.empty() && name == long_name)) out = v;
    return out;
}

namespace {

// One long option: "--name[=value]", possibly abbreviated.
Outcome long_option(Args args, std::size_t& i, std::initializer_list<std::string_view> longopts, Options& out) {
    std::string_view word = std::string_view(args[i]).substr(2);
    std::size_t eq = word.find('=');
    std::string_view name = word.substr(0, eq);
    std::optional<std::string> value;
    if (eq != std::string_view::npos) value = std::string(word.substr(eq + 1));

    std::vector<std::string_view> matches;
    for (std::string_view spec : longopts) {
        std::string_view bare = spec.ends_with('=') ? spec.substr(0, spec.size() - 1) : spec;
        if (bare == name) {
            matches = {spec};
            break;
        }
        if (bare.starts_with(name)) matches.push_back(spec);
    }
    if (matches.empty()) return Failure::usage(cat("option --", name, " not recognized"));
    if (matches.size() > 1) return Failure::usage(cat("option --", name, " not a unique prefix"));
    std::string_view spec = matches[0];
    bool takes_value = spec.ends_with('=');
    std::string full(takes_value ? spec.substr(0, spec.size() - 1) : spec);
    if (takes_value && !value) {
        if (i + 1 >= args.size()) return Failure::usage(cat("option --", full, " requires argument"));
        value = args[++i];
    } else if (!takes_value && value) {
        return Failure::usage(cat("option --", full, " must not have an argument"));
    }
    out.given.emplace_back("--" + full, value.value_or(""));
    return {};
}

// A cluster of short options: "-wa", "-fFILE", "-f FILE".
Outcome short_options(Args args, std::size_t& i, std::string_view shortopts, Options& out) {
    std::string_view word = std::string_view(args[i]).substr(1);
    for (std::size_t k = 0; k < word.size(); ++k) {
        char c = word[k];
        std::size_t at = c == ':' ? std::string_view::npos : shortopts.find(c);
        if (at == std::string_view::npos) return Failure::usage(cat("option -", c, " not recognized"));
        bool takes_value = at + 1 < shortopts.size() && shortopts[at + 1] == ':';
        if (!takes_value) {
            out.given.emplace_back(cat("-", c), "");
            continue;
        }
        std::string value(word.substr(k + 1));
        if (value.empty()) {
            if (i + 1 >= args.size()) return Failure::usage(cat("option -", c, " requires argument"));
            value = args[++i];
        }
        out.given.emplace_back(cat("-", c), std::move(value));
        return {};
    }
    return {};
}

}  // namespace

Expected<Options> gnu_getopt(Args args, std::string_view shortopts, std::initializer_list<std::string_view> longopts) {
    Options out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        if (word == "--") {
            out.params.insert(out.params.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
            break;
        }
        Outcome step;
        if (word.starts_with("--")) {
            step = long_option(args, i, longopts, out);
        } else if (word.size() > 1 && word[0] == '-') {
            step = short_options(args, i, shortopts, out);
        } else {
            out.params.push_back(word);
        }
        if (!step) return std::move(step).failure();
    }
    return out;
}

Outcome arg_check(Args args, std::string_view command, int lo, int hi) {
    auto n = static_cast<int>(std::count_if(args.begin(), args.end(), [](const std::string& a) { return a != "--"; }));
    if (hi == -1) {
        if (n != lo) return Failure::usage(cat("'xm ", command, "' requires ", lo, " argument", lo == 1 ? "" : "s", ".\n"));
    } else if (n < lo || n > hi) {
        return Failure::usage(cat("'xm ", command, "' requires between ", lo, " and ", hi, " arguments.\n"));
    }
    return {};
}

std::optional<std::int64_t> py_int(std::string_view s) {
    std::size_t a = s.find_first_not_of(" \t\n\r\f\v");
    if (a == std::string_view::npos) return std::nullopt;
    s = s.substr(a, s.find_last_not_of(" \t\n\r\f\v") - a + 1);
    if (s.starts_with('+')) s.remove_prefix(1);
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<std::int64_t> size_in_mib(std::string_view s) {
    if (s.empty()) return std::nullopt;
    char unit = s.back();
    bool alpha = (unit >= 'a' && unit <= 'z') || (unit >= 'A' && unit <= 'Z');
    if (!alpha) return py_int(s);
    auto value = py_int(s.substr(0, s.size() - 1));
    if (!value) return std::nullopt;
    switch (unit) {
        case 'k': case 'K': return *value >= 0 ? *value / 1024 : -((-*value + 1023) / 1024);
        case 'm': case 'M': return *value;
        case 'g': case 'G': return *value * 1024;
        default: return std::nullopt;
    }
}

std::optional<std::vector<std::int32_t>> cpu_make_map(std::string_view spec) {
    if (spec == "all") spec = "0-63";
    std::vector<std::int32_t> cpus;
    std::size_t start = 0;
    while (start <= spec.size()) {
        std::size_t comma = spec.find(',', start);
        std::string_view item = spec.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (item.empty()) return std::nullopt;
        std::size_t dash = item.find('-');
        if (item[0] == '^') {
            auto n = py_int(item.substr(1));
            if (!n) return std::nullopt;
            std::erase(cpus, static_cast<std::int32_t>(*n));
        } else if (dash != std::string_view::npos) {
            auto lo = py_int(item.substr(0, dash));
            auto hi = py_int(item.substr(dash + 1));
            if (!lo || !hi || *lo < 0 || *hi > 4095) return std::nullopt;
            for (std::int64_t c = *lo; c <= *hi; ++c) cpus.push_back(static_cast<std::int32_t>(c));
        } else {
            auto n = py_int(item);
            if (!n || *n < 0 || *n > 4095) return std::nullopt;
            cpus.push_back(static_cast<std::int32_t>(*n));
        }
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    std::sort(cpus.begin(), cpus.end());
    return cpus;
}

}  // namespace xvm::xm
