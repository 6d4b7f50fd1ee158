// xend's domain management: the operations both interfaces (XML-RPC,
// rpc_methods.h; the legacy HTTP interface, legacy_http.h) call, over the
// domain table, the hypervisor and the store. Everything here runs on the
// loop thread; what blocks (building, destroying, dumping) is a job on
// the work pool whose completion comes back here (work_pool.h).
//
// Errors: an Error whose code is kNoSuchDomain means "no such domain" -
// its message is the key exactly as given (fault 3; xm prints "Error:
// Domain '<key>' does not exist."); every other error is a refused
// operation (fault 2) whose message is the text xm shows.
//
// Invariants:
//  - the hypervisor is the truth about what runs; each lookup refreshes
//    the table from it first (one domain_list call);
//  - a domain has at most one operation of kind Busy in flight; others
//    are refused ("Domain 'x' is being destroyed") until it completes;
//  - a domain xend did not build and cannot find in the store is not
//    touched (it belongs to some other toolstack).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemons/xend/builder.h"
#include "daemons/xend/domain_table.h"
#include "daemons/xend/managed.h"
#include "daemons/xend/settings.h"
#include "daemons/xend/store.h"
#include "daemons/xend/work_pool.h"
#include "lib/base/event_loop.h"
#include "lib/priv/ucred.h"
#include "lib/rpc/sexpr.h"
#include "lib/xen/hypervisor.h"

namespace xvm::xend {

inline constexpr int kNoSuchDomain = -3;
Error no_such_domain(std::string_view key);

// Core files and their directory (under XVM_ROOT when used).
inline constexpr const char* kDumpDir = "/var/xen/dump";
inline constexpr const char* kDomainsDir = "/var/lib/xend/domains";

// A guest asked to shut down that has not after this long is marked
// unresponsive (3.3: logged and xend/unresponsive written; never destroyed).
inline constexpr std::chrono::seconds kShutdownGrace{300};
// A restart within this long of the previous one destroys instead.
inline constexpr double kMinRestartInterval = 20.0;

class Xend {
public:
    template <typename T>
    using Reply = std::function<void(Result<T>)>;

    struct Deps {
        EventLoop* loop = nullptr;
        std::unique_ptr<Hypervisor> hv;        // the loop thread's
        std::unique_ptr<XsClient> xs;          // the loop thread's requests
        std::unique_ptr<XsClient> watch;       // the loop thread's watches
        std::unique_ptr<WorkPool> pool;
        Settings settings;
        std::string backend;  // "sim" / "xen", for node info
        uid_t xvm_uid = 0;
        gid_t xvm_gid = 0;
    };

    // Finds every domain again (recovery.cpp), applies dom0-cpus, watches
    // @releaseDomain, and handles shutdowns that happened meanwhile.
    static Result<std::unique_ptr<Xend>> start(Deps deps);
    ~Xend();

    // Settings after a refresh (all valid): applied without disturbing
    // any domain.
    void apply_settings(const Settings& s);
    const Settings& settings() const { return settings_; }

    // ---- queries ----
    Result<rpc::Sexpr> domain(std::string_view key, bool full);
    // Names (detail false) or sxprs of the domains in `state` (all,
    // running, paused, halted, suspended, crashed, unknown; any case; an
    // unknown word lists nothing). Sorted by name.
    std::vector<rpc::Sexpr> domains(bool detail, std::string_view state, bool full);
    Result<rpc::Sexpr> vcpu_info(std::string_view key);
    // xend.node.info's pairs (no head atom); `legacy`: under `node`, as
    // the legacy server's GET /xend/node/ answers.
    Result<rpc::Sexpr> node_info(bool legacy = false);
    Result<std::string> restart_count(std::string_view key);

    // ---- operations that answer at once ----
    Status shutdown(std::string_view key, std::string_view reason);
    Status pause(std::string_view key);
    Status unpause(std::string_view key);
    Status set_memory_target(std::string_view key, std::int64_t mib);
    Status set_max_memory(std::string_view key, std::int64_t mib);
    Status set_vcpus(std::string_view key, std::int64_t count);
    // vcpu: a number, or "all"; cpus: CPUs of the host (others ignored).
    Status pin(std::string_view key, std::string_view vcpu, const std::vector<std::uint32_t>& cpus);
    Status set_name(std::string_view key, std::string_view name);
    Status sysrq(std::string_view key, std::string_view letter);
    Status wait_for_devices(std::string_view key);
    Status new_domain(const rpc::Sexpr& config);
    Status delete_domain(std::string_view key);

    // ---- operations that run on a worker ----
    void create(const rpc::Sexpr& config, std::optional<PeerCred> peer, Reply<rpc::Sexpr> done);
    void start_domain(std::string_view key, bool paused, std::optional<PeerCred> peer, Reply<rpc::Sexpr> done);
    void destroy(std::string_view key, Reply<void> done);
    // `file`: "" for the default name, else a name inside /var/xen/dump
    // (absolute or not); anywhere else is refused (xend(1M)).
    void dump(std::string_view key, std::string_view file, Reply<std::string> done);

    // Operations in flight (tests, bench).
    std::size_t busy() const { return pool_->busy(); }
    // Why xend stopped its loop by itself: the store or the hypervisor went
    // away (the restarter starts xend again once they are back); "" if not.
    const std::string& lost() const { return lost_; }

private:
    explicit Xend(Deps deps);

    // xend.cpp
    Status refresh();
    Result<DomainRecord*> find(std::string_view key);
    Result<DomainRecord*> find_idle(std::string_view key);
    Result<DomainRecord*> find_running(std::string_view key, std::string_view verb);
    void save_if_managed(const DomainRecord& r);
    // recovery.cpp
    Status recover();
    void add_dom0();
    // lifecycle.cpp
    Status watch_domains();
    Status on_watch_readable();
    void handle_shutdowns();
    void on_shutdown(DomainRecord& r);
    void after_destroy(const std::string& uuid, Status result, Reply<void> done);
    void restart(DomainRecord& r, bool rename, bool dump);
    void teardown(DomainRecord& r, bool dump, Reply<void> done);
    void check_unresponsive(const std::string& uuid);
    BuildRequest request_for(const DomainRecord& r, std::optional<PeerCred> peer) const;
    void build(DomainRecord& r, std::optional<PeerCred> peer, Reply<rpc::Sexpr> done);

    EventLoop& loop_;
    std::unique_ptr<Hypervisor> hv_;
    std::unique_ptr<XsClient> xs_;
    std::unique_ptr<XsClient> watch_;
    std::unique_ptr<WorkPool> pool_;
    Settings settings_;
    std::string backend_;
    uid_t xvm_uid_;
    gid_t xvm_gid_;
    DomainTable table_;
    ManagedStore managed_;
    std::uint32_t nr_cpus_ = 1;
    std::string lost_;
    void lose(const Error& why);
};

}  // namespace xvm::xend
