// Method exec strings (smf_method(7), svc.startd(1M)): the special
// forms :true and :kill [-SIG], and the tokens %r %m %s %i %f %% and
// %{prop[:sep]} that svc.startd expands before handing the string to
// /bin/sh -c "exec ...".
#pragma once

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
};

// Expands tokens; the error says which token and why (an unknown
// property, an unterminated %{).
Result<std::string> expand_tokens(std::string_view exec, const TokenContext& ctx);

}  // namespace xvm::startd
