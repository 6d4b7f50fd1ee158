// Placeholder for `xm console` until the console branch's cmd/xm/console.cpp
// (the xenconsoled client, same header) is merged with this branch; when it
// is, this file goes and CMakeLists.txt lists console.cpp instead. It only
// says what is missing, with console.h's exit status for an unreachable
// xenconsoled.
#include <cstdio>

#include "cmd/xm/console.h"

namespace xvm::xm {

int console_main(std::span<char* const> /*args*/) {
    std::fputs("Error: this xm was built without the xenconsoled client (cmd/xm/console.cpp).\n", stderr);
    return kConsoleNoDaemon;
}

}  // namespace xvm::xm
