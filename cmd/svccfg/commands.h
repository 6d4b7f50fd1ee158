// svccfg's subcommands on the current selection, with illumos'
// messages (svccfg_libscf.c). Each reports through semerr() (engine.h).
// Changes go through smf::submit, so the same rules (types, authorizations)
// apply to root and to other users.
#pragma once

#include <string>
#include <vector>

#include "cmd/svccfg/syntax.h"

namespace xvm::svccfg {

// listprop [glob] / listpg [glob]: the selection's own groups and
// properties, names padded to the longest, as listprop() prints them.
void listprop(const std::string* pattern, bool only_pgs);
void addpg(const std::string& name, const std::string& type, const std::string* flags);
void delpg(const std::string& name);
void delprop(const std::string& pgprop);
// setprop pg/name = [type:] value | [type:] (values): words after
// "setprop".
void setprop(const std::vector<Word>& words);
void addpropvalue(const std::vector<Word>& words);
void delpropvalue(const std::string& pgprop, const std::string& glob);
// setenv/unsetenv [-i | -s] [-m method] NAME [value]
void setenv_cmd(const std::vector<Word>& words, bool set);
void refresh();
// describe [-v] [-t] [pg[/prop]]: listprop's lines (this system keeps no
// template descriptions beyond the manifest's common name).
void describe(const std::vector<Word>& words);
// listsnap: the selected instance's snapshots.
void listsnap();

// lscf_list(), lscf_add(), lscf_delete().
void list(const std::string* pattern);
void add(const std::string& name);
void delete_entity(const std::string& fmri, bool force);

}  // namespace xvm::svccfg
