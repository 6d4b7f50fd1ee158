// Method exec strings (smf_method(7), svc.startd(1M)): the special
// forms :true and :kill [-SIG], and the tokens svc.startd expands before
// handing the string to /bin/sh -c "exec ...", as illumos expand.c does:
// %r %m %s %i %f %%, and %{spec} / %{spec,} / %{spec:} - the values of a
// property joined by a space, a comma or a colon, each escaped for the
// shell. spec is "prop" (in the group "application"), "pg/prop", or a
// property FMRI (another entity's). A lone % at the end is dropped.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "lib/base/result.h"
#include "lib/smf/smf_types.h"

namespace xvm::startd {

struct ExecSpec {
    enum class Kind { Command, True, Kill } kind = Kind::Command;
    int signo = 0;  // for Kind::Kill
};

// Classifies an exec string: ":true", ":kill", ":kill -HUP", ":kill -9";
// anything else (including ":kill foo") is a command.
ExecSpec classify_exec(std::string_view exec);

// Signal name (with or without SIG) or number -> number.
std::optional<int> signal_number(std::string_view name);
// SIGSEGV -> "SEGV" (for "failed due to signal SEGV").
std::string signal_name(int signo);

struct TokenContext {
    std::string method;    // start / stop / refresh
    std::string instance;  // entity string "system/xctl/store:default"
    const smf::PgSet* props = nullptr;  // running view of the instance
    // illumos expand.c's get_prop(): a group or property missing from the running
    // view is looked up in the composed editing view.
    const smf::PgSet* editing = nullptr;
    // For a property FMRI: another entity's view by name ("running",
    // "composed" for an instance; "current" for a service).
    std::function<std::optional<smf::PgSet>(const std::string& entity, std::string_view view)> lookup;
};

// Expands tokens; the error is illumos expand.c's text ("property \"x\" not
// found", "parse error", "unknown method token").
Result<std::string> expand_tokens(std::string_view exec, const TokenContext& ctx);

}  // namespace xvm::startd
