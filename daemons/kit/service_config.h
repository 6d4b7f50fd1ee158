// A daemon's configuration as one typed property table. Each row names a
// property of the instance's `config` property group, the member of the
// daemon's settings struct it fills, its range (numbers) or allowed values
// (strings), and whether a change needs a restart. The struct's own
// initializers are the defaults. One loader serves start-up, `-n` and
// refresh:
//
//   defaults  ->  SMF: the running snapshot of SMF_FMRI (docs/smf.md,
//                 "When settings take effect")  ->  command-line overrides
//
// Every error is reported, not just the first, each naming the property,
// the value and what is allowed ("property config/quota-nodes: 0 is not
// in 1..4294967295"). A repository that cannot be read is an error, never
// "not set". On refresh the whole new configuration is applied or none of
// it: the caller keeps the old values when reload() fails.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lib/base/format.h"
#include "lib/base/result.h"

namespace xvm::kit {

struct Range {
    std::int64_t min = 0;
    std::int64_t max = 0;
};

template <typename S>
using Member = std::variant<std::uint32_t S::*, std::uint64_t S::*, std::int64_t S::*, bool S::*,
                            std::string S::*>;

template <typename S>
struct Setting {
    std::string_view name;  // the property config/<name>
    Member<S> member;
    Range range = {};                                 // numbers, inclusive
    std::span<const std::string_view> choices = {};  // strings; empty = any
    bool restart_only = false;  // a refresh keeps the running value
    std::string_view doc = {};
};

// ---- the untyped core (service_config.cpp) ----

enum class ValueKind { kNumber, kBoolean, kString };

// The property config/<name> of `fmri` in its running snapshot, as text
// ("42", "true", "xen"); nullopt when the property does not exist. An
// error when the repository cannot be read, the type does not fit `kind`,
// or the property does not hold exactly one value.
Result<std::optional<std::string>> read_running_property(const std::string& fmri,
                                                         std::string_view name, ValueKind kind);
// Text to value with the range / choices check; `origin` starts the error.
Result<std::int64_t> parse_number(std::string_view text, Range range, std::string_view origin);
Result<bool> parse_boolean(std::string_view text, std::string_view origin);
Status check_choice(std::string_view text, std::span<const std::string_view> choices,
                    std::string_view origin);

// ---- the typed table ----

template <typename S>
class ServiceConfig {
public:
    ServiceConfig(std::span<const Setting<S>> table, S defaults)
        : table_(table), defaults_(std::move(defaults)) {}

    // A command-line value for config/<name>: checked now, applied over
    // the repository at every load (the command line always wins).
    Status set_override(std::string_view name, std::string_view value, std::string_view origin) {
        const Setting<S>* s = find(name);
        if (s == nullptr) return make_error(cat(origin, ": unknown setting ", name));
        S scratch = defaults_;
        if (Status ok = assign(scratch, *s, value, origin); !ok) return ok;
        overrides_.push_back({s, std::string(value), std::string(origin)});
        return {};
    }

    // The whole configuration for the instance `fmri` ("" = SMF_FMRI, and
    // no repository at all when that is unset).
    Result<S> load(const std::string& fmri) const {
        S out = defaults_;
        std::vector<std::string> errors;
        if (!fmri.empty()) read_smf(out, fmri, errors);
        for (const Override& o : overrides_)
            if (Status ok = assign(out, *o.setting, o.value, o.origin); !ok)
                errors.push_back(ok.error().message);
        if (!errors.empty()) return make_error(join(errors, "; "), EINVAL);
        return out;
    }

    // Refresh: load again; restart-only settings keep their running value,
    // and each one that changed in the repository is named in `notes`.
    Result<S> reload(const S& running, const std::string& fmri,
                     std::vector<std::string>& notes) const {
        auto fresh = load(fmri);
        if (!fresh) return fresh;
        for (const Setting<S>& s : table_) {
            if (!s.restart_only || same(running, *fresh, s)) continue;
            notes.push_back(cat("config/", s.name, " changes at the next restart"));
            copy(*fresh, running, s);
        }
        return fresh;
    }

    const Setting<S>* find(std::string_view name) const {
        for (const Setting<S>& s : table_)
            if (s.name == name) return &s;
        return nullptr;
    }
    std::span<const Setting<S>> table() const { return table_; }

    // "42", "true", "xen": a setting's value in `settings`.
    static std::string text(const S& settings, const Setting<S>& s) {
        return std::visit(
            [&](auto member) -> std::string {
                const auto& v = settings.*member;
                if constexpr (std::is_same_v<std::decay_t<decltype(v)>, bool>)
                    return v ? "true" : "false";
                else
                    return cat(v);
            },
            s.member);
    }

private:
    struct Override {
        const Setting<S>* setting;
        std::string value;
        std::string origin;
    };

    static ValueKind kind_of(const Setting<S>& s) {
        if (std::holds_alternative<bool S::*>(s.member)) return ValueKind::kBoolean;
        if (std::holds_alternative<std::string S::*>(s.member)) return ValueKind::kString;
        return ValueKind::kNumber;
    }

    static Status assign(S& out, const Setting<S>& s, std::string_view value,
                         std::string_view origin) {
        return std::visit(
            [&](auto member) -> Status {
                using T = std::decay_t<decltype(out.*member)>;
                if constexpr (std::is_same_v<T, bool>) {
                    auto b = parse_boolean(value, origin);
                    if (!b) return std::move(b).error();
                    out.*member = *b;
                } else if constexpr (std::is_same_v<T, std::string>) {
                    if (Status ok = check_choice(value, s.choices, origin); !ok) return ok;
                    out.*member = std::string(value);
                } else {
                    auto n = parse_number(value, s.range, origin);
                    if (!n) return std::move(n).error();
                    out.*member = static_cast<T>(*n);
                }
                return {};
            },
            s.member);
    }

    void read_smf(S& out, const std::string& fmri, std::vector<std::string>& errors) const {
        for (const Setting<S>& s : table_) {
            auto value = read_running_property(fmri, s.name, kind_of(s));
            if (!value) {
                errors.push_back(value.error().message);
                continue;
            }
            if (!*value) continue;  // not set: the default stands
            if (Status ok = assign(out, s, **value, cat("property config/", s.name)); !ok)
                errors.push_back(ok.error().message);
        }
    }

    static bool same(const S& a, const S& b, const Setting<S>& s) {
        return std::visit([&](auto member) { return a.*member == b.*member; }, s.member);
    }
    static void copy(S& to, const S& from, const Setting<S>& s) {
        std::visit([&](auto member) { to.*member = from.*member; }, s.member);
    }

    std::span<const Setting<S>> table_;
    S defaults_;
    std::vector<Override> overrides_;
};

}  // namespace xvm::kit
