// Fuzz target: a store's journal file as found at start-up (journal.h,
// store_ops.h). The input is the journal's bytes after a valid header
// (written here, so mutations reach the records and their operations):
// each record is checked (length, number, CRC) and replayed into a store.
// Replay may refuse a record - a bad operation, a node without a parent -
// but must never crash, and a store that opened must agree with its files.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "daemons/xenstored/journal.h"
#include "daemons/xenstored/store.h"
#include "daemons/xenstored/store_ops.h"
#include "daemons/xenstored/tdb_file.h"

namespace {

using namespace xvm;
using namespace xvm::xs;

const std::string& base() {
    static const std::string path = [] {
        std::string p = "/dev/shm/xs-journal-fuzz-" + std::to_string(::getpid());
        static std::string removed = p;
        std::atexit([] {
            for (const char* s : {"", ".journal", ".new"}) ::unlink((removed + s).c_str());
        });
        return p;
    }();
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = base();
    std::uint64_t id = 0;
    {
        // An empty store, closed cleanly: its id and record number.
        auto store = Store::open(path, true, 131);
        if (!store) std::abort();
    }
    {
        auto tdb = TdbFile::open(path, false, 131);
        if (!tdb) std::abort();
        (void)(*tdb)->for_each([&](std::string_view key, std::string_view value) {
            if (key == kStoreIdKey) id = std::strtoull(std::string(value).c_str(), nullptr, 10);
            return Status();
        });
    }
    {
        auto journal = Journal::create(path + ".journal", id, 0);
        if (!journal) std::abort();
    }
    int fd = ::open((path + ".journal").c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) std::abort();
    if (size > 0 && ::pwrite(fd, data, size, Journal::kHeaderSize) != static_cast<ssize_t>(size))
        std::abort();
    ::close(fd);
    // The operations alone, then the whole start-up path.
    (void)ops::for_each(std::string_view(reinterpret_cast<const char*>(data), size),
                        [](const ops::Op&) { return Status(); });
    auto store = Store::open(path, false, 131);
    if (store && !(*store)->check().empty()) std::abort();
    return 0;
}
