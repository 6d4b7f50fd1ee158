// The privilege -> Linux capability table (privileges/priv_caps): how a
// Solaris privilege set named by an SMF method_context becomes capability
// sets. Every privilege of priv_names must have a line; "-" means Linux has
// no equivalent, so holding it grants nothing beyond what any process has.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/base/result.h"
#include "lib/priv/cred_switch.h"
#include "lib/priv/privilege.h"

namespace xvm {

inline constexpr std::string_view kPrivCapsPath = "/etc/xvm/priv_caps";

class CapTable {
public:
    static Result<CapTable> parse(const PrivNames& names, std::string_view text,
                                  std::string_view origin);
    static Result<CapTable> load(const PrivNames& names, const std::string& path);

    // The capabilities that together grant `set`.
    CapMask capabilities_for(const PrivSet& set) const;

private:
    std::vector<CapMask> caps_;  // by privilege index
};

}  // namespace xvm
