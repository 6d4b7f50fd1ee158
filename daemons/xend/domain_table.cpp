#include "daemons/xend/domain_table.h"

#include <algorithm>
#include <charconv>

#include "daemons/xend/uuid.h"

namespace xvm::xend {

std::string_view busy_name(Busy b) {
    switch (b) {
        case Busy::kNone: return "idle";
        case Busy::kCreating: return "being created";
        case Busy::kDestroying: return "being destroyed";
        case Busy::kRestarting: return "restarting";
        case Busy::kDumping: return "dumping its core";
    }
    return "busy";
}

std::string DomainRecord::uuid() const { return spec.uuid ? uuid_text(*spec.uuid) : std::string(); }

DomainRecord& DomainTable::add(DomainRecord record) {
    std::string key = record.uuid();
    return records_.insert_or_assign(key, std::move(record)).first->second;
}

void DomainTable::remove(const std::string& uuid) { records_.erase(uuid); }

DomainRecord* DomainTable::by_uuid(const std::string& uuid) {
    auto it = records_.find(uuid);
    return it == records_.end() ? nullptr : &it->second;
}

DomainRecord* DomainTable::by_domid(DomId dom) {
    for (auto& [_, r] : records_)
        if (r.domid == dom) return &r;
    return nullptr;
}

DomainRecord* DomainTable::by_name(std::string_view name) {
    DomainRecord* halted = nullptr;
    for (auto& [_, r] : records_) {
        if (r.spec.name != name) continue;
        if (r.running()) return &r;
        halted = &r;
    }
    return halted;
}

DomainRecord* DomainTable::lookup(std::string_view key) {
    if (DomainRecord* r = by_name(key)) return r;
    DomId dom = 0;
    auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), dom);
    if (!key.empty() && ec == std::errc() && end == key.data() + key.size()) return by_domid(dom);
    if (auto u = parse_uuid(key)) return by_uuid(uuid_text(*u));
    return nullptr;
}

std::vector<DomainRecord*> DomainTable::all() {
    std::vector<DomainRecord*> out;
    for (auto& [_, r] : records_) out.push_back(&r);
    std::sort(out.begin(), out.end(), [](const DomainRecord* a, const DomainRecord* b) {
        return a->spec.name != b->spec.name ? a->spec.name < b->spec.name : a->domid < b->domid;
    });
    return out;
}

const DomainRecord* DomainTable::name_clash(std::string_view name, const std::string& uuid) const {
    for (const auto& [key, r] : records_)
        if (r.spec.name == name && key != uuid) return &r;
    return nullptr;
}

}  // namespace xvm::xend
