#include "daemons/xend/managed.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemons/xend/uuid.h"
#include "lib/base/format.h"
#include "lib/base/unique_fd.h"
#include "lib/rpc/sexpr.h"

namespace xvm::xend {
namespace {

constexpr const char* kConfig = "config.sxp";
constexpr std::size_t kMaxConfig = 1 << 20;

Result<UniqueFd> open_dir(int at, const std::string& name, const std::string& shown) {
    UniqueFd fd(::openat(at, name.c_str(), O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC));
    if (!fd) return errno_error(cat("cannot open ", shown));
    return fd;
}

Result<std::string> read_at(int dir, const char* name, const std::string& shown) {
    UniqueFd fd(::openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return errno_error(cat("cannot open ", shown));
    std::string text;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) return errno_error(cat("cannot read ", shown));
        if (n == 0) return text;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > kMaxConfig) return make_error(cat(shown, " is larger than ", kMaxConfig, " bytes"));
    }
}

Status write_all(int fd, const std::string& text, const std::string& shown) {
    for (std::size_t at = 0; at < text.size();) {
        ssize_t n = ::write(fd, text.data() + at, text.size() - at);
        if (n < 0) return errno_error(cat("cannot write ", shown));
        at += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) < 0) return errno_error(cat("cannot sync ", shown));
    return {};
}

}  // namespace

std::vector<DomainSpec> ManagedStore::load_all(std::vector<std::string>& problems) const {
    std::vector<DomainSpec> out;
    auto dir = open_dir(AT_FDCWD, dir_, dir_);
    if (!dir) {
        problems.push_back(dir.error().message);
        return out;
    }
    DIR* d = ::fdopendir(::dup(dir->get()));
    if (d == nullptr) {
        problems.push_back(errno_error(cat("cannot list ", dir_)).message);
        return out;
    }
    while (struct dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        std::string shown = cat(dir_, "/", name, "/", kConfig);
        auto u = parse_uuid(name);
        if (!u) {
            problems.push_back(cat(dir_, "/", name, ": not a domain UUID, ignored"));
            continue;
        }
        auto sub = open_dir(dir->get(), name, cat(dir_, "/", name));
        if (!sub) {
            problems.push_back(sub.error().message);
            continue;
        }
        auto text = read_at(sub->get(), kConfig, shown);
        auto value = text ? rpc::parse_sexpr(*text) : Result<rpc::Sexpr>(text.error());
        auto spec = value ? parse_domain_config(*value) : Result<DomainSpec>(value.error());
        if (!spec) {
            problems.push_back(cat(shown, ": ", spec.error().message));
            continue;
        }
        if (!spec->uuid || uuid_text(*spec->uuid) != uuid_text(*u)) {
            problems.push_back(cat(shown, ": its uuid is not ", name, ", ignored"));
            continue;
        }
        if (Status ok = complete_spec(*spec); !ok) {
            problems.push_back(cat(shown, ": ", ok.error().message));
            continue;
        }
        out.push_back(std::move(*spec));
    }
    ::closedir(d);
    return out;
}

Status ManagedStore::save(const DomainSpec& spec) const {
    std::string uuid = uuid_text(*spec.uuid);
    std::string shown = cat(dir_, "/", uuid, "/", kConfig);
    auto dir = open_dir(AT_FDCWD, dir_, dir_);
    if (!dir) return std::move(dir).error();
    if (::mkdirat(dir->get(), uuid.c_str(), 0700) < 0 && errno != EEXIST)
        return errno_error(cat("cannot create ", dir_, "/", uuid));
    auto sub = open_dir(dir->get(), uuid, cat(dir_, "/", uuid));
    if (!sub) return std::move(sub).error();
    std::string tmp = cat(kConfig, ".new");
    (void)::unlinkat(sub->get(), tmp.c_str(), 0);  // a leftover of a crash, if any
    UniqueFd fd(::openat(sub->get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return errno_error(cat("cannot create ", shown, ".new"));
    if (Status ok = write_all(fd.get(), rpc::sexpr_pretty(spec_to_config(spec), 78), shown); !ok) return ok;
    if (::renameat(sub->get(), tmp.c_str(), sub->get(), kConfig) < 0)
        return errno_error(cat("cannot replace ", shown));
    return {};
}

Status ManagedStore::remove(const std::string& uuid) const {
    auto dir = open_dir(AT_FDCWD, dir_, dir_);
    if (!dir) return std::move(dir).error();
    auto sub = open_dir(dir->get(), uuid, cat(dir_, "/", uuid));
    if (!sub) return std::move(sub).error();
    for (const char* name : {kConfig, "config.sxp.new", "checkpoint.chk"})
        if (::unlinkat(sub->get(), name, 0) < 0 && errno != ENOENT)
            return errno_error(cat("cannot remove ", dir_, "/", uuid, "/", name));
    if (::unlinkat(dir->get(), uuid.c_str(), AT_REMOVEDIR) < 0)
        return errno_error(cat("cannot remove ", dir_, "/", uuid));
    return {};
}

}  // namespace xvm::xend
