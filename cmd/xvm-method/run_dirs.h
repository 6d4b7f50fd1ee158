// The xctl run and state directories (privileges/xctl_dirs, installed as
// /etc/xvm/xctl_dirs): one table, read by xvm-method when it runs as root
// (the store's start method), so that directories of daemons that never
// run as root (xend) exist, belong to xvm and were made without following
// a link before those daemons start.
//
// Table format: one directory per line - absolute path, octal mode,
// owning account (user, or user:group; the group defaults to the user's
// primary group) - then an optional "# why" comment; blank lines and lines
// starting with '#' are ignored. Every error names the file and line.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.h"

namespace xvm::method {

inline constexpr std::string_view kXctlDirsPath = "/etc/xvm/xctl_dirs";

struct RunDirEntry {
    std::string path;   // as written (absolute; XVM_ROOT is applied when made)
    mode_t mode = 0;
    std::string user;
    std::string group;  // "" = the user's primary group
    int line = 0;
};

// Parses the table; `origin` names it in errors ("xctl_dirs:7: ...").
// Reports every bad line, not just the first.
Result<std::vector<RunDirEntry>> parse_run_dirs(std::string_view text, std::string_view origin);

// Makes every directory under `root` ("" = /) with make_trusted_dir, in
// table order (a parent listed before its child). Stops at the first
// failure: a refused path (a planted link, a foreign owner) is an error
// naming it and nothing after it is touched.
Status make_run_dirs(const std::vector<RunDirEntry>& dirs, const std::string& root);

// parse + make for the installed table under XVM_ROOT.
Status make_installed_run_dirs();

}  // namespace xvm::method
