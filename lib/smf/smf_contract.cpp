#include "lib/smf/smf_contract.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>

#include "lib/base/file.h"
#include "lib/base/format.h"
#include "lib/base/paths.h"
#include "lib/base/unique_fd.h"

namespace xvm::smf {
namespace {

constexpr long kCgroup2Magic = 0x63677270;

Result<std::string> cgroup2_mount() {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("XVM_CGROUP2")) candidates.push_back(env);
    candidates.push_back("/sys/fs/cgroup/unified");
    candidates.push_back("/sys/fs/cgroup");
    for (const std::string& c : candidates) {
        struct statfs fs {};
        if (::statfs(c.c_str(), &fs) == 0 && fs.f_type == kCgroup2Magic) return c;
    }
    return make_error("no cgroup2 hierarchy found (tried $XVM_CGROUP2, /sys/fs/cgroup/unified, "
                      "/sys/fs/cgroup): process contracts need one",
                      ENOENT);
}

Status write_file(const std::string& path, std::string_view text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return errno_error(cat("cannot open ", path));
    if (::write(fd.get(), text.data(), text.size()) < 0) return errno_error(cat("cannot write ", path));
    return {};
}

}  // namespace

Result<std::string> contract_base() {
    auto mount = cgroup2_mount();
    if (!mount) return mount;
    std::string root = xvm_root();
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(root.empty() ? "/" : root));
    return cat(*mount, "/xvm-", hash);
}

Contract::Contract(const std::string& base, const std::string& instance) {
    std::string name = instance;
    std::replace(name.begin(), name.end(), '/', '-');
    path_ = base + "/" + name;
}

bool Contract::exists() const {
    struct stat st {};
    return !path_.empty() && ::stat(path_.c_str(), &st) == 0;
}

Status Contract::create() const {
    std::string base = path_.substr(0, path_.rfind('/'));
    if (::mkdir(base.c_str(), 0755) < 0 && errno != EEXIST)
        return errno_error(cat("cannot create contract directory ", base));
    if (::mkdir(path_.c_str(), 0755) < 0 && errno != EEXIST)
        return errno_error(cat("cannot create contract ", path_));
    return {};
}

Status Contract::join(pid_t pid) const {
    return write_file(path_ + "/cgroup.procs", std::to_string(pid));
}

bool Contract::populated() const {
    auto text = read_text_file(events_path());
    return text && text->find("populated 1") != std::string::npos;
}

std::vector<pid_t> Contract::pids() const {
    std::vector<pid_t> out;
    auto text = read_text_file(path_ + "/cgroup.procs");
    if (!text) return out;
    for (std::size_t pos = 0; pos < text->size();) {
        auto nl = text->find('\n', pos);
        std::string line = text->substr(pos, nl - pos);
        if (!line.empty()) out.push_back(static_cast<pid_t>(std::atoi(line.c_str())));
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    return out;
}

int Contract::signal_all(int signo) const {
    int n = 0;
    for (pid_t p : pids())
        if (p > 0 && ::kill(p, signo) == 0) ++n;
    return n;
}

Status Contract::kill_all() const {
    if (!exists()) return {};
    if (auto st = write_file(path_ + "/cgroup.kill", "1"); st) return st;
    // Kernels before 5.14 have no cgroup.kill: signal members one by one.
    signal_all(SIGKILL);
    return {};
}

Status Contract::remove() const {
    if (::rmdir(path_.c_str()) < 0 && errno != ENOENT)
        return errno_error(cat("cannot remove contract ", path_));
    return {};
}

Status destroy_all_contracts() {
    auto base = contract_base();
    if (!base) return std::move(base).error();
    DIR* dir = ::opendir(base->c_str());
    if (dir == nullptr) return {};
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(dir))
        if (e->d_type == DT_DIR && e->d_name[0] != '.') names.push_back(e->d_name);
    ::closedir(dir);
    for (const std::string& n : names) {
        Contract c;
        c = Contract(*base, n);
        (void)c.kill_all();  // removal below reports what matters
        // Killed members leave the cgroup asynchronously; rmdir fails with
        // EBUSY until they have.
        for (int i = 0; i < 200 && c.populated(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (auto st = c.remove(); !st) return st;
    }
    if (::rmdir(base->c_str()) < 0 && errno != ENOENT)
        return errno_error(cat("cannot remove ", *base));
    return {};
}

}  // namespace xvm::smf
