#include "cmd/svccfg/engine.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cmd/svccfg/commands.h"
#include "cmd/svccfg/import.h"
#include "cmd/svccfg/manifest.h"
#include "lib/base/file.h"
#include "lib/base/format.h"
#include "lib/smf/scf_errors.h"
#include "lib/smf/smf_control.h"
#include "lib/smf/smf_fmri.h"
#include "lib/smf/smf_walk.h"

namespace xvm::svccfg {
namespace {

std::unique_ptr<smf::Repository> g_repo;

const std::string& word(const std::vector<Word>& w, std::size_t i) { return w[i].text; }

// DTD then semantics; both must pass before anything is written.
Result<Bundle> load_manifest(const std::string& file) {
    auto text = read_text_file(file);
    if (!text) return std::move(text).error();
    if (auto st = validate_dtd(*text, file, dtd_path()); !st) return std::move(st).error();
    return parse_manifest(*text, file);
}

// import [-n] [-p file] [-V] file
void do_import(const std::vector<Word>& w) {
    std::size_t i = 1;
    for (; i < w.size() && word(w, i).starts_with("-") && word(w, i).size() > 1; ++i) {
        if (word(w, i) == "-p" && i + 1 < w.size()) {
            ++i;
            continue;
        }
        for (char c : word(w, i).substr(1))
            if (c != 'n' && c != 'V') return synerr("import");
    }
    if (i + 1 != w.size()) return synerr("import");
    const std::string& file = word(w, i);
    if (::geteuid() != 0) return semerr("Permission denied.\n");
    auto bundle = load_manifest(file);
    if (!bundle) {
        warn(cat(bundle.error().message, "\n"));
        return semerr(cat("Import of ", file, " failed.\n"));
    }
    std::vector<std::string> warnings;
    if (auto st = import_bundle(repo(), *bundle, warnings); !st) {
        warn(cat(st.error().message, "\n"));
        return semerr(cat("Import of ", file, " failed.\n"));
    }
    for (const std::string& x : warnings) warn(cat("Warning: ", x, "\n"));
    // Imported instances are refreshed; let a running restarter know.
    for (const auto& svc : bundle->services)
        for (const auto& inst : svc.instances)
            (void)smf::send_request(smf::Request{"refresh", svc.name + ":" + inst.name, {}});
}

// validate [file | fmri]
void do_validate(const std::vector<Word>& w) {
    if (w.size() != 2) return synerr("validate");
    std::string arg = word(w, 1);
    if (arg.starts_with("file:")) arg = arg.substr(5);
    if (!arg.starts_with("svc:") && ::access(arg.c_str(), R_OK) == 0) {
        auto bundle = load_manifest(arg);
        if (!bundle) {
            warn(cat(bundle.error().message, "\n"));
            return semerr("Validation failed.\n");
        }
        return;
    }
    auto r = smf::walk_fmri(repo(), {word(w, 1)}, smf::kWalkService);
    if (!r || r->walked.empty()) {
        if (r)
            for (const std::string& e : r->errors) warn(e);
        return semerr("Validation failed.\n");
    }
}

// export [-a] fmri [> file]
void do_export(const std::vector<Word>& w) {
    std::size_t i = 1;
    if (i < w.size() && word(w, i) == "-a") ++i;
    if (i >= w.size()) return synerr("export");
    std::string fmri = word(w, i++);
    std::optional<std::string> out;
    if (i < w.size()) {
        if (word(w, i) != ">" || i + 2 != w.size()) return synerr("export");
        out = word(w, i + 1);
    } else if (i != w.size()) {
        return synerr("export");
    }
    auto r = smf::walk_fmri(repo(), {fmri}, smf::kWalkService);
    if (!r) return semerr(cat(r.error().message, "\n"));
    for (const std::string& e : r->errors) semerr(e);
    if (r->walked.empty()) return;
    auto xml = export_service(repo(), smf::service_of(r->walked.front().entity));
    if (!xml) return semerr(cat(xml.error().message, "\n"));
    if (!out) {
        std::fwrite(xml->data(), 1, xml->size(), stdout);
        return;
    }
    std::FILE* f = std::fopen(out->c_str(), "w");
    if (f == nullptr) return semerr(cat("Could not open \"", *out, "\" for writing: ", std::strerror(errno), ".\n"));
    bool ok = std::fwrite(xml->data(), 1, xml->size(), f) == xml->size();
    if (std::fclose(f) != 0 || !ok) semerr(cat("Could not write \"", *out, "\".\n"));
}

void help(const std::string& cmd) {
    if (!cmd.empty()) {
        std::printf("%s: see svccfg(1M).\n", cmd.c_str());
        return;
    }
    std::printf(
        "General commands:\t help set repository end\n"
        "Manifest commands:\t inventory validate import export archive\n"
        "Profile commands:\t apply extract\n"
        "Entity commands:\t list select unselect add delete describe\n"
        "Snapshot commands:\t listsnap selectsnap revert\n"
        "Instance commands:\t refresh\n"
        "Property group commands: listpg addpg delpg\n"
        "Property commands:\t listprop setprop delprop editprop\n"
        "Property value commands: addpropvalue delpropvalue setenv unsetenv\n");
}

}  // namespace

Engine& engine() {
    static Engine e;
    return e;
}

void message(const std::string& msg) {
    Engine& E = engine();
    FILE* strm = E.interactive ? stdout : stderr;
    if (!E.interactive) {
        if (!E.cmd_filename)
            std::fprintf(stderr, "svccfg: ");
        else
            std::fprintf(stderr, "svccfg (%s, line %d): ", E.cmd_filename->c_str(), E.lineno);
    }
    std::fputs(msg.c_str(), strm);
    if (msg.empty() || msg.back() != '\n') std::fprintf(strm, ": %s.\n", std::strerror(errno));
}

void warn(const std::string& msg) { message(msg); }

void semerr(const std::string& msg) {
    message(msg);
    Engine& E = engine();
    E.status = 1;
    if (!E.interactive && !E.dont_exit) {
        std::fflush(stdout);
        std::exit(1);
    }
}

void synerr(const std::string& command) {
    Engine& E = engine();
    if (E.interactive) return help(command);
    warn("Syntax error.\n");
    E.status = 1;
    if (!E.dont_exit) {
        std::fflush(stdout);
        std::exit(1);
    }
}

smf::Repository& repo() {
    if (!g_repo) {
        auto r = smf::Repository::open(::geteuid() == 0);
        if (!r) {
            smf::ScfError e = smf::scf_error_of(r.error());
            if (e == smf::ScfError::NotFound || e == smf::ScfError::Internal) e = smf::ScfError::NoServer;
            std::fprintf(stderr, "svccfg: Could not connect to repository server: %s.\nsvccfg: %s\n",
                         std::string(smf::scf_strerror(e)).c_str(), r.error().message.c_str());
            std::exit(1);
        }
        g_repo = std::move(*r);
    }
    return *g_repo;
}

void select(const std::string& fmri) {
    Engine& E = engine();
    if (fmri == "svc:") {
        E.selection.clear();
        return;
    }
    if (fmri == ":properties")
        return semerr(":properties is not an entity.  Try 'listprop' to list properties.\n");
    // First relative to the current selection: an instance of the
    // selected service, or a service of the scope.
    if (E.selection.empty() || E.selection.find(':') == std::string::npos) {
        std::string candidate = E.selection.empty() ? fmri : E.selection + ":" + fmri;
        bool valid = E.selection.empty() ? static_cast<bool>(smf::check_service_name(fmri))
                                         : static_cast<bool>(smf::check_instance_name(fmri));
        auto exists = valid ? repo().exists(candidate) : Result<bool>(false);
        if (exists && *exists) {
            E.selection = candidate;
            return;
        }
    }
    auto r = smf::walk_fmri(repo(), {fmri}, smf::kWalkService);
    if (!r) return semerr(cat("Failed to walk instances: ", r.error().message, "\n"));
    for (const std::string& e : r->errors) semerr(e);
    if (!r->walked.empty()) E.selection = r->walked.front().entity;
}

bool run_statement(const std::vector<Word>& w, const std::string& raw) {
    if (w.empty()) return true;
    Engine& E = engine();
    const std::string& cmd = word(w, 0);
    std::size_t n = w.size() - 1;
    auto arg = [&](std::size_t i) -> const std::string* { return i < w.size() ? &w[i].text : nullptr; };
    if (cmd == "end" || cmd == "exit" || cmd == "quit") {
        if (n != 0) synerr(cmd);
        return false;
    }
    if (cmd == "help") {
        help(n ? word(w, 1) : "");
    } else if (cmd == "import") {
        do_import(w);
    } else if (cmd == "validate") {
        do_validate(w);
    } else if (cmd == "export") {
        do_export(w);
    } else if (cmd == "select") {
        if (n != 1) return synerr(cmd), true;
        select(word(w, 1));
    } else if (cmd == "unselect") {
        if (n != 0) return synerr(cmd), true;
        if (E.selection.empty()) semerr("Cannot unselect at scope level.\n");
        else if (E.selection.find(':') != std::string::npos) E.selection = smf::service_of(E.selection);
        else E.selection.clear();
    } else if (cmd == "list") {
        if (n > 1) return synerr(cmd), true;
        list(arg(1));
    } else if (cmd == "add") {
        if (n != 1) return synerr(cmd), true;
        add(word(w, 1));
    } else if (cmd == "delete") {
        bool force = n == 2 && word(w, 1) == "-f";
        if (n != 1 + static_cast<std::size_t>(force)) return synerr(cmd), true;
        delete_entity(word(w, n), force);
    } else if (cmd == "listpg" || cmd == "listprop") {
        if (n > 1) return synerr(cmd), true;
        listprop(arg(1), cmd == "listpg");
    } else if (cmd == "addpg") {
        if (n != 2 && n != 3) return synerr(cmd), true;
        addpg(word(w, 1), word(w, 2), arg(3));
    } else if (cmd == "delpg") {
        if (n != 1) return synerr(cmd), true;
        delpg(word(w, 1));
    } else if (cmd == "delprop") {
        if (n != 1) return synerr(cmd), true;
        delprop(word(w, 1));
    } else if (cmd == "setprop" || cmd == "addprop") {
        setprop(std::vector<Word>(w.begin() + 1, w.end()));
    } else if (cmd == "addpropvalue") {
        addpropvalue(std::vector<Word>(w.begin() + 1, w.end()));
    } else if (cmd == "delpropvalue") {
        if (n != 2) return synerr(cmd), true;
        delpropvalue(word(w, 1), word(w, 2));
    } else if (cmd == "setenv" || cmd == "unsetenv") {
        setenv_cmd(std::vector<Word>(w.begin() + 1, w.end()), cmd == "setenv");
    } else if (cmd == "refresh") {
        if (n != 0) return synerr(cmd), true;
        refresh();
    } else if (cmd == "describe") {
        describe(std::vector<Word>(w.begin() + 1, w.end()));
    } else if (cmd == "listsnap") {
        if (n != 0) return synerr(cmd), true;
        listsnap();
    } else if (cmd == "apply" || cmd == "archive" || cmd == "cleanup" || cmd == "delhash" || cmd == "editprop" ||
               cmd == "extract" || cmd == "inventory" || cmd == "repository" || cmd == "revert" ||
               cmd == "selectsnap" || cmd == "set") {
        semerr(cat("The \"", cmd, "\" subcommand is not supported on this system.\n"));
    } else {
        (void)raw;
        synerr(cmd);
    }
    return true;
}

int run_source(std::istream& in, const std::optional<std::string>& name) {
    Engine& E = engine();
    E.cmd_filename = name;
    std::string line, pending;
    int start = 0;
    for (E.lineno = 1; std::getline(in, line); ++E.lineno) {
        // A statement may continue over lines while a '(' is open.
        if (pending.empty()) start = E.lineno;
        pending += pending.empty() ? line : "\n" + line;
        auto words = lex(pending);
        if (!words) {
            if (words.error().message == "unterminated quoted string" || words.error().code == EAGAIN) continue;
            int at = E.lineno;
            E.lineno = start;
            synerr("");
            E.lineno = at;
            pending.clear();
            continue;
        }
        int depth = 0;
        for (const Word& w : *words)
            if (!w.quoted) depth += w.text == "(" ? 1 : w.text == ")" ? -1 : 0;
        if (depth > 0) continue;
        std::string stmt = std::move(pending);
        pending.clear();
        if (words->empty() || words->front().text.starts_with("#")) continue;
        int at = E.lineno;
        E.lineno = start;
        bool more = run_statement(*words, stmt);
        E.lineno = at;
        if (!more) break;
    }
    if (!pending.empty()) synerr("");
    return E.status;
}

int run_interactive() {
    Engine& E = engine();
    E.interactive = true;
    std::string line;
    for (;;) {
        std::string prompt = E.selection.empty() ? "svc:" : smf::entity_fmri(E.selection);
        std::printf("%s> ", prompt.c_str());
        std::fflush(stdout);
        if (!std::getline(std::cin, line)) break;
        auto words = lex(line);
        if (!words) {
            synerr("");
            continue;
        }
        if (!words->empty() && words->front().text.starts_with("#")) continue;
        if (!run_statement(*words, line)) break;
    }
    return 0;
}

}  // namespace xvm::svccfg
