// svccfg - import, validate and export manifests; inspect and change the
// properties of a service or instance (SMF.md section 9).
//   svccfg import [-V] file     svccfg validate file|fmri
//   svccfg export fmri          svccfg -s fmri subcommand [args...]
// Exit status: 0 success, 1 a subcommand failed, 2 invalid usage.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "file.h"
#include "format.h"
#include "import.h"
#include "manifest.h"
#include "smf_control.h"
#include "smf_fmri.h"
#include "smf_repo.h"

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
                 "       svccfg -s fmri {listprop [pattern] | delprop pg[/name] |\n"
                 "                       addpg name type [P] | delpg name | refresh}\n");
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

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> a(argv + 1, argv + argc);
    if (a.empty()) return usage();
    if (a[0] == "-s") {
        if (a.size() < 3) return usage();
        auto ent = svccfg::select_entity(a[1]);
        if (!ent) return fail(ent.error());
        auto st = svccfg::run_entity_command(*ent, {a.begin() + 2, a.end()});
        if (st) return 0;
        fail(st.error());
        return st.error().message.starts_with("usage:") ? kExitUsage : kExitFail;
    }
    if (a[0] == "import") return do_import(a);
    if (a[0] == "validate") return do_validate(a);
    if (a[0] == "export") return do_export(a);
    return usage();
}
