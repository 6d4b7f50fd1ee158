// Fuzz target: the privilege files (priv_names, priv_groups, priv_caps) and
// privilege specifications, parsed from arbitrary bytes. The input is split
// at the first NUL: before it a priv_names text, after it a specification
// and a priv_caps text (split again at the next NUL).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lib/priv/priv_caps.h"
#include "lib/priv/priv_db.h"
#include "lib/priv/privilege.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string_view names_text = input.substr(0, input.find('\0'));
    std::string_view rest = names_text.size() < input.size()
                                ? input.substr(names_text.size() + 1)
                                : std::string_view();
    std::string_view spec = rest.substr(0, rest.find('\0'));
    std::string_view caps_text =
        spec.size() < rest.size() ? rest.substr(spec.size() + 1) : std::string_view();

    auto names = xvm::PrivNames::parse(names_text, "fuzz");
    if (!names) return 0;
    if (auto set = names->parse_spec(spec)) {
        (void)names->to_string(*set);
        if (auto table = xvm::CapTable::parse(*names, caps_text, "fuzz"))
            (void)table->capabilities_for(*set);
    }
    (void)xvm::PrivDb::parse(*names, caps_text, "fuzz");
    return 0;
}
