// The machine frames of a domain's store and console rings, when the
// hypervisor backend knows them (xen: the builder placed them; the
// simulator has none and says 0). Read through these so that xend builds
// against a DomainInfo with or without the fields.
#pragma once

#include <cstdint>

namespace xvm::xend {

template <typename Info>
std::uint64_t store_mfn_of(const Info& i) {
    if constexpr (requires { i.store_mfn; }) return i.store_mfn;
    else return 0;
}

template <typename Info>
std::uint64_t console_mfn_of(const Info& i) {
    if constexpr (requires { i.console_mfn; }) return i.console_mfn;
    else return 0;
}

}  // namespace xvm::xend
