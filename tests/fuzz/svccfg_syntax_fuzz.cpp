// Fuzz target: the svccfg value syntax (setprop arguments) and the SMF
// value checks applied to whatever it yields, plus FMRI parsing of the
// same bytes (operand matching: smf_walk_fuzz).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lib/smf/smf_fmri.h"
#include "lib/smf/smf_types.h"
#include "cmd/svccfg/syntax.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view line(reinterpret_cast<const char*>(data), size);
    // The statement lexer svccfg's engine runs on every line.
    if (auto words = xvm::svccfg::lex(line))
        for (const auto& w : *words)
            if (!w.quoted && w.text.empty()) std::abort();
    if (auto args = xvm::svccfg::parse_setprop(line)) {
        auto type = args->type.value_or(xvm::smf::PropType::Astring);
        for (const std::string& v : args->values) {
            auto canon = xvm::smf::validate_value(type, v);
            // Canonical values are fixed points of validation.
            if (canon && *xvm::smf::validate_value(type, *canon) != *canon) std::abort();
            (void)xvm::svccfg::quote_if_needed(v);
        }
    }
    if (auto f = xvm::smf::parse_fmri(line)) {
        auto again = xvm::smf::parse_fmri(f->str());
        if (!again || again->entity() != f->entity()) std::abort();
        (void)xvm::smf::log_stem(f->entity());
    }
    return 0;
}
