// Test-only access to the privilege files shipped in the source tree.
#pragma once

#include <gtest/gtest.h>

#include "lib/priv/privilege.h"

namespace xvm {

inline PrivNames shipped_priv_names() {
    auto names = PrivNames::load(XVM_SOURCE_DIR "/privileges/priv_names");
    EXPECT_TRUE(names) << names.error().message;
    return std::move(names).value();
}

}  // namespace xvm
