#include "cmd/svccfg/import.h"

#include "lib/base/format.h"

namespace xvm::svccfg {
namespace {

// The manifest's groups replace stored ones of the same name; the rest
// (administrator-added groups, non-persistent state) stays.
void merge(smf::PgSet& stored, const smf::PgSet& spec, bool keep_enabled) {
    std::optional<smf::Property> enabled;
    if (const smf::Property* p = stored.find("general", "enabled"); p && keep_enabled) enabled = *p;
    for (const smf::PropertyGroup& g : spec.pgs) {
        stored.remove(g.name);
        stored.pgs.push_back(g);
    }
    if (enabled) stored.get_or_add("general", "framework").set(*enabled);
}

Status import_instance(smf::Repository& repo, const std::string& entity, const smf::PgSet& pgs) {
    auto existed = repo.exists(entity);
    if (!existed) return std::move(existed).error();
    if (auto st = repo.create(entity); !st) return st;
    auto st = repo.update(entity, [&](smf::PgSet& stored) -> Status {
        merge(stored, pgs, *existed);
        return {};
    });
    if (!st) return st;
    if (!*existed)
        if (auto s = repo.take_snapshot(entity, "initial"); !s) return s;
    if (auto s = repo.take_snapshot(entity, "last-import"); !s) return s;
    return repo.take_snapshot(entity, "running");
}

Status import_all(smf::Repository& repo, const Bundle& b, std::vector<std::string>& warnings) {
    for (const ServiceSpec& svc : b.services) {
        if (auto st = repo.create(svc.name); !st) return st;
        auto st = repo.update(svc.name, [&](smf::PgSet& stored) -> Status {
            merge(stored, svc.pgs, false);
            return {};
        });
        if (!st) return st;
    }
    for (const InjectedPg& inj : b.injected) {
        auto have = repo.exists(inj.entity);
        if (!have) return std::move(have).error();
        if (!*have) {
            warnings.push_back(cat("dependent ", inj.pg.name, ": service svc:/", inj.entity,
                                   " does not exist; dependency not created"));
            continue;
        }
        auto st = repo.update(inj.entity, [&](smf::PgSet& stored) -> Status {
            stored.remove(inj.pg.name);
            stored.pgs.push_back(inj.pg);
            return {};
        });
        if (!st) return st;
    }
    // Instances last: their snapshots compose the service groups above.
    for (const ServiceSpec& svc : b.services)
        for (const InstanceSpec& inst : svc.instances)
            if (auto st = import_instance(repo, svc.name + ":" + inst.name, inst.pgs); !st) return st;
    return {};
}

}  // namespace

Status import_bundle(smf::Repository& repo, const Bundle& b, std::vector<std::string>& warnings) {
    return repo.transaction([&]() { return import_all(repo, b, warnings); });
}

}  // namespace xvm::svccfg
