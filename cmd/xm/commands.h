// xm's subcommands (XEND.md sections 1.3 and 3; the original is
// tools/python/xen/xm/main.py, create.py, new.py and shutdown.py at
// 3.3.0-rc7). Each is one function of the arguments after its name that
// prints its result on stdout and returns an Outcome; main.cpp holds the
// table that maps names to them and reports failures.
#pragma once

#include <cstdio>
#include <string_view>

#include "cmd/xm/args.h"
#include "cmd/xm/failure.h"
#include "cmd/xm/xend_client.h"

namespace xvm::xm {

struct Context {
    XendClient& xend;
};

// Writes to stdout as the original's print statements did.
void print(std::string_view text);

// cmd_list.cpp
Outcome cmd_list(Context& ctx, Args args);
Outcome cmd_uptime(Context& ctx, Args args);
Outcome cmd_vcpu_list(Context& ctx, Args args);
Outcome cmd_info(Context& ctx, Args args);
Outcome cmd_domid(Context& ctx, Args args);
Outcome cmd_domname(Context& ctx, Args args);

// cmd_domain.cpp
Outcome cmd_destroy(Context& ctx, Args args);
Outcome cmd_pause(Context& ctx, Args args);
Outcome cmd_unpause(Context& ctx, Args args);
Outcome cmd_delete(Context& ctx, Args args);
Outcome cmd_start(Context& ctx, Args args);
Outcome cmd_mem_set(Context& ctx, Args args);
Outcome cmd_mem_max(Context& ctx, Args args);
Outcome cmd_vcpu_set(Context& ctx, Args args);
Outcome cmd_vcpu_pin(Context& ctx, Args args);
Outcome cmd_dump_core(Context& ctx, Args args);

// cmd_shutdown.cpp
Outcome cmd_shutdown(Context& ctx, Args args);
Outcome cmd_reboot(Context& ctx, Args args);

// cmd_create.cpp
Outcome cmd_create(Context& ctx, Args args);
Outcome cmd_new(Context& ctx, Args args);

// `xm console` for a domain xm has just created or started (-c).
Outcome attach_console(std::string_view domain);

}  // namespace xvm::xm
