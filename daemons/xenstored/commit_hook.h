// A test hook on the store's commit, for tests that must prove ordering
// ("no reply or event leaves before its commit") without timing: with
// XENSTORED_TEST_COMMIT_HOOK=<dir> in the environment, every commit that
// has changes first writes one byte to the FIFO <dir>/at and then reads
// one byte from the FIFO <dir>/go - 'f' fails the commit as a full disk
// would (ENOSPC), anything else lets it proceed. While the test holds the
// daemon there, it can look at every client socket and see that nothing
// of the change has left. Unset (always, outside tests) the hook is absent
// and costs one pointer test per commit.
#pragma once

#include <memory>
#include <string>

#include "lib/base/result.h"
#include "lib/base/unique_fd.h"

namespace xvm::xs {

class CommitHook {
public:
    // nullptr unless the environment asks for the hook.
    static std::unique_ptr<CommitHook> from_environment();
    // Blocks until the test says go; ENOSPC if it says fail.
    Status before_commit();

private:
    explicit CommitHook(std::string dir) : dir_(std::move(dir)) {}
    std::string dir_;
    UniqueFd at_, go_;  // opened on first use (opening a FIFO waits for its peer)
};

}  // namespace xvm::xs
