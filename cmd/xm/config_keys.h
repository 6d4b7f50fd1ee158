// The keys of an xm domain configuration (XEND.md section 4; the original
// is tools/python/xen/xm/create.py at 3.3.0-rc7): one table of every key
// the original knew - its command-line conversion, default and check -
// and make_config()'s translation into the (vm ...) S-expression that
// xend.domain.create and xend.domain.new take.
//
// Differences from the original, each for a clearer failure:
//   - an unknown key, or a value of the wrong kind (the original ignored
//     True/False/None silently and passed anything else to xend), is
//     reported with its line, all of them at once;
//   - numbers written as strings ("256") are sent as numbers; booleans
//     given as yes/no or 1/0 are sent as 1/0;
//   - keys the original handled on the client side only (vncviewer,
//     vncconsole, bootentry, access_control, vscsi, cpuid, cpuid_check)
//     are refused as unsupported.
// As in the original, a key set on the command line wins over the file,
// and a list key given on the command line (disk=...) replaces the
// file's list with the command line's entries.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cmd/xm/config_file.h"
#include "lib/rpc/sexpr.h"

namespace xvm::xm {

// What make_config needs besides the file.
struct ConfigContext {
    std::string config_path;         // the file, for the default name (its basename)
    std::string cwd;                 // kernel, ramdisk and loader are made absolute against it
    bool console_autoconnect = false;  // bootloader_args '' instead of '-q'
    std::string display;             // $DISPLAY, for vfb and hvm
    std::string xauthority;          // $XAUTHORITY or ~/.Xauthority
};

struct BuiltConfig {
    rpc::Sexpr vm;                        // (vm ...), valid when problems is empty
    std::vector<ConfigProblem> problems;  // sorted by line; line 0 = command line / whole file
    std::vector<std::string> warnings;    // deprecated keys, printed as "Warning: ..."
};

// Checks the file's assignments and the command line's key=value words
// against the key table and builds the configuration.
BuiltConfig make_config(const ParsedConfig& file, const std::vector<std::string>& overrides,
                        const ConfigContext& context);

// A command-line word that sets a key: holds '=' and its name part is a
// key of the table (the original treated other NAME=VALUE words as
// variables for the file; here they are errors reported by make_config).
bool is_assignment_word(std::string_view word);

// Python's os.path.abspath against `cwd`: joins and removes "." and ".."
// components.
std::string absolute_path(std::string_view path, std::string_view cwd);

}  // namespace xvm::xm
