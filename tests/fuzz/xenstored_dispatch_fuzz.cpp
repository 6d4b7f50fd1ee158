// Fuzz target: arbitrary request streams into xenstored's dispatcher and
// store, from three connections (dom0 read-write, dom0 read-only, guest 5).
// Each message is preceded by one byte choosing the connection. After the
// stream the store is committed and the memory tree cross-checked against
// the tdb: any disagreement is a finding, as is any sanitizer report.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>

#include "daemons/xenstored/dispatch.h"
#include "daemons/xenstored/tdb_file.h"

namespace {

using namespace xvm;
using namespace xvm::xs;

class FakeServices : public Services {
public:
    Status introduce(DomainId, std::uint64_t, std::uint32_t) override {
        return make_error("no rings in the fuzzer", ENOSYS);
    }
    Status release(DomainId) override { return make_error("not introduced", ENOENT); }
    Status resume(DomainId) override { return make_error("not introduced", ENOENT); }
    bool introduced(DomainId dom) const override { return dom == 5; }
    Status set_target(DomainId, DomainId) override { return {}; }
    void set_trace(bool) override {}
    std::string describe() const override { return ""; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string path = [] {
        std::string p = "/dev/shm/xs-dispatch-fuzz-" + std::to_string(::getpid());
        // The scratch store goes when the fuzzer exits.
        static std::string removed = p;
        std::atexit([] { ::unlink(removed.c_str()); });
        return p;
    }();
    auto tdb = TdbFile::open(path, true, 131);
    if (!tdb) std::abort();
    auto store = Store::load(std::move(*tdb));
    if (!store) std::abort();
    WatchTable watches;
    Quotas quotas;
    quotas.output_bytes = 1 << 20;
    FakeServices services;
    Connection conns[3];
    conns[1].read_only = true;
    conns[2].caller = Caller{5, false, 0, false};
    for (Connection& c : conns) c.caller.privileged = c.caller.dom == 0;
    Context ctx{**store, watches, quotas, services,
                [](const Watch& w, std::string_view p, const EventPerms& perms) {
                    if (perms.node && !(perms_for(w.conn->caller, *perms.node) & kPermRead))
                        return;
                    std::string ev(p);
                    ev += '\0';
                    ev += w.token;
                    ev += '\0';
                    if (w.conn->out.size() < (1u << 20))
                        xs_append(w.conn->out, XS_WATCH_EVENT, 0, 0, ev);
                }};
    std::span<const char> in(reinterpret_cast<const char*>(data), size);
    while (in.size() > 1) {
        unsigned char selector = static_cast<unsigned char>(in[0]);
        Connection& conn = conns[selector % 3];
        in = in.subspan(1);
        auto msg = xs_parse(in);
        if (!msg || !*msg) break;
        dispatch(ctx, conn, **msg);
        // As the server does after each request; the high bit plays a
        // failed commit, whose rollback must leave memory equal to the tdb.
        if (selector & 0x80) (*store)->rollback();
        else if (!(*store)->commit()) std::abort();
        if (conn.out.size() > (1u << 20)) conn.out.clear();
        in = in.subspan((*msg)->wire_size());
    }
    if (!(*store)->commit()) std::abort();
    if (!(*store)->check().empty()) std::abort();
    for (Connection& c : conns) watches.remove_all(&c, c.watches);
    return 0;
}
