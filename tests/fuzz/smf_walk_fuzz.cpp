// Fuzz target: scf_walk_fmri's operand matching (lib/smf/smf_walk.h) -
// exact FMRIs, globs, partial FMRIs and property FMRIs - against a small
// repository. Input: one byte of walk flags, then operands separated by
// newlines. Every entity walked must exist and be named by a canonical
// FMRI, services-only walks yield no instances, and every message ends in
// a newline (the commands print them as they are).
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "lib/smf/smf_repo.h"
#include "lib/smf/smf_walk.h"

namespace {

std::unique_ptr<xvm::smf::Repository> repo;
std::string dir;

void remove_repository() {
    repo.reset();
    for (const char* f : {"/repository.tdb", "/repository.tdb.lock", "/repository-public.tdb"})
        (void)::unlink((dir + f).c_str());
    (void)::rmdir(dir.c_str());
}

void make_repository() {
    using namespace xvm::smf;
    char tmpl[] = "/tmp/xvm-walk-fuzz-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    dir = tmpl;
    std::atexit(remove_repository);
    auto r = Repository::open_path(dir + "/repository.tdb", true);
    if (!r) std::abort();
    repo = std::move(*r);
    for (const char* e : {"network/smtp", "network/smtp:sendmail", "network/smtp:postfix", "system/xctl/store",
                          "system/xctl/store:default", "system/xctl/xend", "system/xctl/xend:default", "site/empty",
                          "a", "a:a", "a/a", "a/a:a"})
        if (!repo->create(e)) std::abort();
    auto st = repo->update("system/xctl/store", [](PgSet& s) -> xvm::Status {
        s.get_or_add("config", "application").set(Property{"port", PropType::Integer, {"1"}});
        return {};
    });
    if (!st) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (!repo) make_repository();
    if (size == 0) return 0;
    unsigned flags = data[0] & 0x3f;
    std::vector<std::string> args;
    std::string cur;
    for (size_t i = 1; i < size && args.size() < 8; ++i) {
        if (data[i] == '\n') {
            args.push_back(cur);
            cur.clear();
        } else {
            cur += static_cast<char>(data[i]);
        }
    }
    if (!cur.empty() || size > 1) args.push_back(cur);
    auto r = xvm::smf::walk_fmri(*repo, args, flags);
    if (!r) return 0;
    for (const auto& w : r->walked) {
        auto there = repo->exists(w.entity);
        if (!there || !*there) std::abort();
        if (w.fmri.rfind("svc:/", 0) != 0) std::abort();
        if ((flags & xvm::smf::kWalkNoInstance) && w.entity.find(':') != std::string::npos) std::abort();
    }
    for (const auto& e : r->errors)
        if (e.empty() || e.back() != '\n') std::abort();
    return 0;
}
