// svccfg - import, validate and export manifests; inspect and change the
// properties of a service or instance (SMF.md section 9).
//   svccfg import [-V] file     svccfg validate file|fmri
//   svccfg export fmri          svccfg -s fmri subcommand [args...]
//   svccfg -f file | svccfg      commands from a file or standard input
// Exit status: 0 success, 1 a subcommand failed, 2 invalid usage.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "cmd/svccfg/commands.h"
#include "lib/base/file.h"
#include "lib/base/format.h"
#include "cmd/svccfg/import.h"
#include "cmd/svccfg/manifest.h"
#include "lib/smf/smf_control.h"
#include "lib/smf/smf_fmri.h"
#include "lib/smf/smf_repo.h"
#include "cmd/svccfg/syntax.h"

namespace {

using namespace xvm;

constexpr int kExitFail = 1;
constexpr int kExitUsage = 2;

int usage() {
    std::fprintf(stderr,
                 "usage: svccfg import [-V] file\n"
                 "       svccfg validate file | fmri\n"
                 "       svccfg export fmri\n"
                 "       svccfg -s fmri setprop pg/name = [type:] value\n"
                 "       svccfg -s fmri {listprop [pattern] | listpg [pattern] | delprop pg[/name] |\n"
                 "                       addpg name type [P] | delpg name | refresh |\n"
                 "                       addpropvalue pg/name [type:] value | delpropvalue pg/name glob |\n"
                 "                       setenv [-m method] NAME value | unsetenv [-m method] NAME}\n"
                 "       svccfg -f file      (commands, one per line; select fmri chooses the entity)\n");
    return kExitUsage;
}

int fail(const Error& e) {
    std::fprintf(stderr, "svccfg: %s\n", e.message.c_str());
    return kExitFail;
}

// DTD then semantics; both must pass before anything is written.
Result<svccfg::Bundle> load_manifest(const std::string& file) {
    auto text = read_text_file(file);
    if (!text) return std::move(text).error();
    if (auto st = svccfg::validate_dtd(*text, file, svccfg::dtd_path()); !st)
        return std::move(st).error();
    return svccfg::parse_manifest(*text, file);
}

int do_import(const std::vector<std::string>& a) {
    std::size_t i = 1;
    if (i < a.size() && a[i] == "-V") ++i;
    if (i + 1 != a.size()) return usage();
    if (::geteuid() != 0)
        return fail(make_error("import: permission denied (only root may import manifests)", EPERM));
    auto bundle = load_manifest(a[i]);
    if (!bundle) return fail(bundle.error());
    auto repo = smf::Repository::open(true);
    if (!repo) return fail(repo.error());
    std::vector<std::string> warnings;
    if (auto st = svccfg::import_bundle(**repo, *bundle, warnings); !st)
        return fail(st.error().context(cat("import of ", a[i], " failed, nothing changed")));
    repo->reset();
    for (const std::string& w : warnings) std::fprintf(stderr, "svccfg: warning: %s\n", w.c_str());
    // Imported instances are refreshed; let a running restarter know.
    for (const auto& svc : bundle->services)
        for (const auto& inst : svc.instances)
            (void)smf::send_request(smf::Request{"refresh", svc.name + ":" + inst.name, {}});
    return 0;
}

int do_validate(const std::vector<std::string>& a) {
    if (a.size() != 2) return usage();
    if (a[1].starts_with("svc:")) {
        auto ent = svccfg::select_entity(a[1]);
        if (!ent) return fail(ent.error());
        return 0;  // an entity in the repository passed validation on import
    }
    auto bundle = load_manifest(a[1]);
    if (!bundle) return fail(bundle.error());
    return 0;
}

int do_export(const std::vector<std::string>& a) {
    if (a.size() != 2) return usage();
    auto ent = svccfg::select_entity(a[1]);
    if (!ent) return fail(ent.error());
    auto repo = smf::Repository::open(false);
    if (!repo) return fail(repo.error());
    auto xml = svccfg::export_service(**repo, smf::service_of(*ent));
    if (!xml) return fail(xml.error());
    std::fwrite(xml->data(), 1, xml->size(), stdout);
    return 0;
}

// svccfg -f file (or commands on standard input): one command per line,
// '#' comments, "select FMRI" choosing the entity later subcommands act
// on. Stops at the first failing command, whose status is returned.
int run_script(std::istream& in, const std::string& origin) {
    std::string line, selected;
    for (int lineno = 1; std::getline(in, line); ++lineno) {
        auto words = svccfg::lex(line);
        if (!words) return fail(words.error().context(cat(origin, ":", lineno)));
        if (words->empty() || words->front().text.starts_with("#")) continue;
        std::vector<std::string> a;
        for (const auto& w : *words) a.push_back(w.text);
        const std::string& cmd = a[0];
        int rc = 0;
        if (cmd == "end" || cmd == "exit" || cmd == "quit") break;
        if (cmd == "select" && a.size() == 2) {
            auto ent = svccfg::select_entity(a[1]);
            if (!ent) return fail(ent.error().context(cat(origin, ":", lineno)));
            selected = *ent;
            continue;
        }
        if (cmd == "unselect") { selected.clear(); continue; }
        if (cmd == "import") rc = do_import(a);
        else if (cmd == "validate") rc = do_validate(a);
        else if (cmd == "export") rc = do_export(a);
        else if (selected.empty()) return fail(make_error(cat(origin, ":", lineno, ": no entity selected for ", cmd)));
        else {
            // setprop re-reads its own syntax from the raw text (quotes kept).
            if (cmd == "setprop") a = {cmd, line.substr(line.find("setprop") + 7)};
            auto st = svccfg::run_entity_command(selected, a);
            if (!st) return fail(st.error().context(cat(origin, ":", lineno)));
        }
        if (rc != 0) return rc;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> a(argv + 1, argv + argc);
    if (a.empty()) return run_script(std::cin, "(stdin)");
    if (a[0] == "-s") {
        if (a.size() < 3) return usage();
        auto ent = svccfg::select_entity(a[1]);
        if (!ent) return fail(ent.error());
        auto st = svccfg::run_entity_command(*ent, {a.begin() + 2, a.end()});
        if (st) return 0;
        fail(st.error());
        return st.error().message.starts_with("usage:") ? kExitUsage : kExitFail;
    }
    if (a[0] == "-f") {
        if (a.size() != 2) return usage();
        std::ifstream f(a[1]);
        if (!f) return fail(errno_error(cat("cannot open ", a[1])));
        return run_script(f, a[1]);
    }
    if (a[0] == "-") return run_script(std::cin, "(stdin)");
    if (a[0] == "import") return do_import(a);
    if (a[0] == "validate") return do_validate(a);
    if (a[0] == "export") return do_export(a);
    return usage();
}
