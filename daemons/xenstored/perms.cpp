#include "daemons/xenstored/perms.h"

#include <cerrno>
#include <charconv>

#include "lib/base/format.h"

namespace xvm::xs {
namespace {

bool acts_as(const Caller& who, DomainId dom) {
    return who.dom == dom || (who.has_target && who.target == dom);
}

}  // namespace

std::uint8_t perms_for(const Caller& who, std::span<const Perm> perms) {
    constexpr std::uint8_t kAll = kPermRead | kPermWrite | kPermOwner;
    if (who.privileged) return kAll;
    if (perms.empty()) return kPermNone;
    if (acts_as(who, perms[0].dom)) return kAll;
    for (std::size_t i = 1; i < perms.size(); ++i)
        if (acts_as(who, perms[i].dom)) return perms[i].mode;
    return perms[0].mode;
}

Result<Perm> parse_perm(std::string_view text) {
    if (text.size() < 2) return make_error(cat("bad permission '", text, "'"), EINVAL);
    Perm p;
    switch (text[0]) {
        case 'n': p.mode = kPermNone; break;
        case 'r': p.mode = kPermRead; break;
        case 'w': p.mode = kPermWrite; break;
        case 'b': p.mode = kPermRead | kPermWrite; break;
        default: return make_error(cat("bad permission '", text, "'"), EINVAL);
    }
    auto digits = text.substr(1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p.dom);
    if (ec != std::errc() || end != digits.data() + digits.size() || p.dom > 0xffff)
        return make_error(cat("bad permission '", text, "'"), EINVAL);
    return p;
}

void append_perms(std::string& out, std::span<const Perm> perms) {
    static constexpr char kLetters[] = {'n', 'r', 'w', 'b'};
    for (const Perm& p : perms) {
        out += kLetters[p.mode & 3];
        out += std::to_string(p.dom);
        out += '\0';
    }
}

}  // namespace xvm::xs
