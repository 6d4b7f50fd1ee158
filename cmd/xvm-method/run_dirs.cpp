#include "cmd/xvm-method/run_dirs.h"

#include <grp.h>
#include <pwd.h>

#include <sstream>

#include "lib/base/file.h"
#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/base/trusted_dir.h"

namespace xvm::method {
namespace {

// Absolute, no empty, "." or ".." component: the path means what it says.
bool plain_absolute(std::string_view path) {
    if (path.size() < 2 || path[0] != '/' || path.back() == '/') return false;
    std::size_t at = 1;
    while (at <= path.size()) {
        std::size_t slash = path.find('/', at);
        if (slash == std::string_view::npos) slash = path.size();
        std::string_view part = path.substr(at, slash - at);
        if (part.empty() || part == "." || part == "..") return false;
        at = slash + 1;
    }
    return true;
}

Result<mode_t> parse_mode(const std::string& word) {
    if (word.empty() || word.size() > 4 || word.find_first_not_of("01234567") != std::string::npos)
        return make_error(cat("mode \"", word, "\" is not an octal mode"));
    unsigned long mode = std::stoul(word, nullptr, 8);
    // Nothing set-id, sticky or writable by others: these are daemon homes.
    if (mode & ~0775UL) return make_error(cat("mode ", word, " is not allowed (at most 0775)"));
    return static_cast<mode_t>(mode);
}

Result<RunDirEntry> parse_line(const std::string& line, int number) {
    std::istringstream words(line);
    RunDirEntry e;
    std::string mode, owner, extra;
    words >> e.path >> mode >> owner;
    if (owner.empty()) return make_error("expected: path mode owner");
    if (words >> extra) return make_error(cat("unexpected \"", extra, "\""));
    if (!plain_absolute(e.path)) return make_error(cat("path \"", e.path, "\" is not a plain absolute path"));
    auto m = parse_mode(mode);
    if (!m) return std::move(m).error();
    e.mode = *m;
    std::size_t colon = owner.find(':');
    e.user = owner.substr(0, colon);
    if (colon != std::string::npos) e.group = owner.substr(colon + 1);
    if (e.user.empty() || (colon != std::string::npos && e.group.empty()))
        return make_error(cat("owner \"", owner, "\" is not user or user:group"));
    if (e.user == "root") return make_error("owner root: these directories belong to a daemon account");
    e.line = number;
    return e;
}

Result<DirOwner> resolve(const RunDirEntry& e) {
    struct passwd* pw = ::getpwnam(e.user.c_str());
    if (pw == nullptr) return make_error(cat("user ", e.user, " does not exist (xvm-accounts(1M) creates it)"), ENOENT);
    DirOwner owner{pw->pw_uid, pw->pw_gid, e.mode};
    if (!e.group.empty()) {
        struct group* gr = ::getgrnam(e.group.c_str());
        if (gr == nullptr) return make_error(cat("group ", e.group, " does not exist"), ENOENT);
        owner.gid = gr->gr_gid;
    }
    return owner;
}

}  // namespace

Result<std::vector<RunDirEntry>> parse_run_dirs(std::string_view text, std::string_view origin) {
    std::vector<RunDirEntry> out;
    std::vector<std::string> errors;
    std::istringstream in{std::string(text)};
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        line = line.substr(0, line.find('#'));
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        auto e = parse_line(line, number);
        if (!e) {
            errors.push_back(cat(origin, ":", number, ": ", e.error().message));
            continue;
        }
        for (const RunDirEntry& seen : out)
            if (seen.path == e->path)
                errors.push_back(cat(origin, ":", number, ": ", e->path, " is listed twice"));
        out.push_back(std::move(*e));
    }
    if (!errors.empty()) return make_error(join(errors, "; "));
    return out;
}

Status make_run_dirs(const std::vector<RunDirEntry>& dirs, const std::string& root) {
    for (const RunDirEntry& e : dirs) {
        auto owner = resolve(e);
        if (!owner) return std::move(owner).error().context(e.path);
        auto made = make_trusted_dir(root + e.path, *owner);
        if (!made) return std::move(made).error();
    }
    return {};
}

Status make_installed_run_dirs() {
    std::string path = root_path(kXctlDirsPath);
    auto text = read_text_file(path);
    if (!text) return std::move(text).error();
    auto dirs = parse_run_dirs(*text, path);
    if (!dirs) return std::move(dirs).error();
    return make_run_dirs(*dirs, xvm_root());
}

}  // namespace xvm::method
