// xend - the xVM control daemon (xend(1M)): domains over XML-RPC on
// /var/run/xend/xmlrpc.sock and, when configured, the legacy HTTP +
// S-expression interface; configured only by the config/* properties of
// svc:/system/xctl/xend.
//
// Start-up only, the daemon kit's checklist (daemons/kit/daemon_start.h)
// with one difference: xend is started by svc.startd as xvm (its
// manifest's method_context), so there is no root part and no drop -
// its directories were made by the store's start method (xvm-method,
// privileges/xctl_dirs), and it verifies its own identity instead:
//   configuration -> identity (xvm, exactly daemon_caps's capabilities)
//   -> background -> its directories (no links, its own) -> the
//   hypervisor, the store, the workers -> signals (HUP = refresh) -> find
//   every domain again -> sockets -> ready -> loop.
// Everything else is in the xend_core library that tests link.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "daemons/kit/daemon_start.h"
#include "daemons/xend/http_server.h"
#include "daemons/xend/identity.h"
#include "daemons/xend/legacy_http.h"
#include "daemons/xend/listeners.h"
#include "daemons/xend/options.h"
#include "daemons/xend/worker.h"
#include "daemons/xend/xend.h"
#include "daemons/xend/xmlrpc_server.h"
#include "lib/base/format.h"
#include "lib/base/log.h"
#include "lib/base/paths.h"
#include "lib/base/trusted_dir.h"
#include "lib/priv/priv_db.h"
#include "lib/smf/scf.h"

namespace xvm::xend {
namespace {

// Enough for a create, a destroy, a dump and a restart at once; more
// wait in the pool's queue. A fixed set: xend never grows threads.
constexpr int kWorkers = 4;

// The directories xvm-method made for xend (privileges/xctl_dirs).
Status check_directories(uid_t self) {
    for (const char* dir : {"/var/run/xend", "/var/lib/xend", kDomainsDir, kDumpDir}) {
        auto fd = open_trusted_dir(root_path(dir), self);
        if (!fd)
            return std::move(fd).error().context(
                "xend's directories are made by the store's start method (xvm-method, as root): "
                "enable xctl/store first");
    }
    return {};
}

Result<std::vector<std::unique_ptr<Worker>>> open_workers(Backend backend, std::mutex& memory) {
    std::vector<std::unique_ptr<Worker>> out;
    for (int i = 0; i < kWorkers; ++i) {
        auto w = std::make_unique<Worker>();
        auto hv = open_hypervisor(backend);
        if (!hv) return std::move(hv).error();
        auto xs = XsClient::open();
        if (!xs) return std::move(xs).error();
        w->hv = std::move(*hv);
        w->xs = std::move(*xs);
        w->memory_lock = &memory;
        out.push_back(std::move(w));
    }
    return out;
}

Result<std::unique_ptr<Xend>> open_xend(EventLoop& loop, const Options& o, const Identity& id, std::mutex& memory) {
    auto hv = open_hypervisor(o.backend);
    if (!hv) return std::move(hv).error().context("xend: cannot open the hypervisor");
    auto xs = XsClient::open();
    if (!xs) return std::move(xs).error();
    auto watch = XsClient::open();
    if (!watch) return std::move(watch).error();
    auto workers = open_workers(o.backend, memory);
    if (!workers) return std::move(workers).error();
    auto pool = WorkPool::start(loop, std::move(*workers));
    if (!pool) return std::move(pool).error();
    Xend::Deps deps{&loop, std::move(*hv), std::move(*xs), std::move(*watch), std::move(*pool), o.settings,
                    o.backend_name, id.uid, id.gid};
    return Xend::start(std::move(deps));
}

void refresh(Options& o, Xend& xend, Socket& xmlrpc, Socket& legacy) {
    std::vector<std::string> notes;
    auto fresh = reload_settings(o, notes);
    if (!fresh) {
        log_warnx(cat("refresh: ", fresh.error().message, "; the previous configuration stays in force"));
        return;
    }
    for (const std::string& n : notes) log_info(cat("refresh: ", n));
    std::vector<std::string> changed = changed_settings(o.settings, *fresh);
    if (Status ok = xmlrpc.bind(fresh->xmlrpc_path); !ok) {
        log_error(ok.error().context("refresh"));
        fresh->xmlrpc_path = o.settings.xmlrpc_path;
    }
    auto legacy_path = fresh->unix_server ? std::optional<std::string>(fresh->unix_path) : std::nullopt;
    if (Status ok = legacy.bind(legacy_path); !ok) {
        log_error(ok.error().context("refresh"));
        fresh->unix_server = o.settings.unix_server;
        fresh->unix_path = o.settings.unix_path;
    }
    xend.apply_settings(*fresh);
    o.settings = *fresh;
    log_info(cat("refresh: ", changed.empty() ? std::string("nothing changed") : "changed " + join(changed, ", "),
                 "; in force: ", describe(o.settings)));
}

int serve(Options& o, const Identity& id, kit::DaemonStart& start) {
    auto db = PrivDb::load_installed();
    if (!db) return kit::exit_config(db.error());
    auto loop = EventLoop::create();
    if (!loop) return kit::exit_fatal(loop.error());
    // Signals first: the worker threads inherit the blocked mask.
    Xend* live = nullptr;
    Socket* sockets[2] = {nullptr, nullptr};
    Status sig = start.handle_signals(**loop, [&] {
        if (live && sockets[0]) refresh(o, *live, *sockets[0], *sockets[1]);
    });
    if (!sig) return kit::exit_fatal(sig.error());
    std::mutex memory;
    auto xend = open_xend(**loop, o, id, memory);
    if (!xend) return kit::exit_fatal(xend.error());
    Xend& x = **xend;
    auto rpc = HttpServer::start(**loop, {.what = "xend XML-RPC socket", .max_body = kMaxXmlRpcBody},
                                 [&x](const HttpRequest& r, Responder done) { serve_xmlrpc(x, r, std::move(done)); });
    if (!rpc) return kit::exit_fatal(rpc.error());
    auto old = HttpServer::start(**loop,
                                 {.what = "xend legacy socket", .max_body = kMaxLegacyBody, .parse_form = true},
                                 [&x](const HttpRequest& r, Responder done) { serve_legacy(x, r, std::move(done)); });
    if (!old) return kit::exit_fatal(old.error());
    Socket xmlrpc(**loop, *db, **rpc), legacy(**loop, *db, **old);
    if (Status ok = xmlrpc.bind(o.settings.xmlrpc_path); !ok) return kit::exit_fatal(ok.error());
    if (o.settings.unix_server)
        if (Status ok = legacy.bind(o.settings.unix_path); !ok) return kit::exit_fatal(ok.error());
    live = &x;
    sockets[0] = &xmlrpc;
    sockets[1] = &legacy;
    log_info(cat("ready: backend ", o.backend_name, "; ", describe(o.settings)));
    if (Status r = start.ready(); !r) log_error(r.error());
    Status ran = (*loop)->run();
    live = nullptr;
    if (!ran) return kit::exit_fatal(ran.error());
    if (!x.lost().empty()) return kit::exit_fatal(make_error(cat("stopping: ", x.lost())));
    log_info("stopping");
    return SMF_EXIT_OK;
}

int run(int argc, char** argv) {
    auto options = parse_options(std::vector<std::string>(argv + 1, argv + argc));
    if (!options) {
        log_init("xend");
        std::cerr << usage() << "\n";
        return kit::exit_config(options.error());
    }
    Options& o = *options;
    log_init("xend", o.debug);
    if (o.check_only) {
        std::cout << "xend: configuration OK: backend " << o.backend_name << "; " << describe(o.settings) << "\n";
        return SMF_EXIT_OK;
    }
    auto id = settle_identity();
    if (!id) return kit::exit_config(id.error());
    // libxenstore finds xenstored through this; our root applies.
    ::setenv("XENSTORED_PATH", root_path("/var/run/xenstored/socket").c_str(), 0);
    auto start = kit::DaemonStart::begin({.daemon = "xend", .background = !o.foreground, .drop = false});
    if (!start) return kit::exit_fatal(start.error());
    if (Status ok = check_directories(id->uid); !ok) return kit::exit_config(ok.error());
    return serve(o, *id, *start);
}

}  // namespace
}  // namespace xvm::xend

int main(int argc, char** argv) { return xvm::xend::run(argc, argv); }
