// From requests to committed replies: one pass over a connection's input
// serves every complete request, committing the store once for the whole
// run of plain requests (batching), and keeps the journal merged into the
// tdb on a timer. See server.h for the invariants.
//
// A batch is a run of requests that change nothing but the store (WRITE,
// MKDIR, RM, SET_PERMS outside transactions) and pure reads; anything
// else (transactions, watches, domain control) first commits the batch
// and is then committed on its own. If a batch's commit fails, everything
// from its first change on is taken back - replies, the events it queued
// for others - and those requests are served again one commit each, so
// each is answered exactly as if it had been committed alone (the first
// that does not fit gets ENOSPC, the reads after it see what is there).
#include <algorithm>

#include "daemons/xenstored/server.h"
#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm::xs {
namespace {

using namespace std::chrono_literals;

// The journal is merged into the tdb this long after its first record,
// or at once when it holds more than kMergeBytes.
constexpr auto kMergeDelay = 100ms;
constexpr auto kMergeRetry = 1s;  // after a failed merge (a full disk)
constexpr std::size_t kMergeBytes = 4u << 20;

// Requests whose only effect is on the store (and the events it fires).
bool batchable(const XsMessage& msg) {
    if (msg.header.tx_id != 0) return false;
    switch (msg.header.type) {
        case XS_READ: case XS_DIRECTORY: case XS_DIRECTORY_PART: case XS_GET_PERMS:
        case XS_GET_DOMAIN_PATH: case XS_IS_DOMAIN_INTRODUCED:
        case XS_WRITE: case XS_MKDIR: case XS_RM: case XS_SET_PERMS:
            return true;
        default:
            return false;
    }
}

}  // namespace

// Serves every complete request in the input buffer, until the output is
// full. Broken framing drops the connection; guests are limited to
// quota-outstanding requests per pass so one busy guest cannot starve the
// rest.
void Server::process_input(Client& cl) {
    std::size_t off = 0;
    Batch batch;
    if (!serve_requests(cl, off, true, batch)) {
        off = batch.first_in;
        (void)serve_requests(cl, off, false, batch);  // one commit each: cannot fail as a batch
    }
    cl.conn.in.erase(0, std::min(off, cl.conn.in.size()));
}

// False when a batch failed to commit: its changes are rolled back and
// taken back from every output, and its requests from batch.first_in on
// must be served again without batching.
bool Server::serve_requests(Client& cl, std::size_t& off, bool batching, Batch& batch) {
    Connection& conn = cl.conn;
    std::size_t served = 0;
    batch = Batch{};
    while (!conn.closing && !output_full(conn)) {
        auto parsed = xs_parse(std::span<const char>(conn.in.data() + off, conn.in.size() - off));
        if (!parsed) {
            log_warnx(cat(conn.label, ": ", parsed.error().message, "; disconnecting"));
            close_client(conn.id, "");
            break;
        }
        if (!*parsed) break;
        const XsMessage& msg = **parsed;
        if (cl.refused) {
            xs_append_error(conn.out, msg.header.req_id, msg.header.tx_id, EACCES);
            conn.closing = true;
            mark_dirty(conn);
            break;
        }
        bool in_batch = batching && batchable(msg);
        if (!in_batch && batch.open && !commit_batch(conn, batch)) return false;
        if (trace_) trace(conn, msg);
        queued_events_.clear();
        if (!batch.open) touched_.clear();
        std::size_t mark = conn.out.size();
        dispatch(ctx_, conn, msg);
        if (store_.pending()) {
            if (!in_batch) {
                commit_request(conn, msg, mark);
            } else if (!batch.open) {
                batch = Batch{true, off, mark, msg.header.req_id, msg.header.tx_id, 1, 0};
            } else {
                ++batch.changes;
            }
        }
        if (batch.open && batch.first_in != off) ++batch.after;
        off += msg.wire_size();
        mark_dirty(conn);
        if (!conn.caller.privileged && ++served >= config_.quotas.outstanding) break;
    }
    return !batch.open || commit_batch(conn, batch);
}

// Commits a batch. On failure it is taken back; a batch whose only change
// was its last request is answered there (that is the request's own
// commit), any other is to be served again.
bool Server::commit_batch(Connection& conn, Batch& batch) {
    batch.open = false;
    Status s = commit_store();
    if (s) return true;
    log_commit_failure(s.error(), conn, "a batch of requests");
    take_back(conn, batch.out_mark);
    if (batch.changes == 1 && batch.after == 0) {
        xs_append_error(conn.out, batch.req_id, batch.tx_id, s.error().code == ENOSPC ? ENOSPC : EIO);
        return true;
    }
    return false;
}

// Commits what one request changed. On failure the store is already rolled
// back; the request's reply and the events it queued are taken back and it
// is answered with the failure (ENOSPC for a full disk).
void Server::commit_request(Connection& conn, const XsMessage& msg, std::size_t mark) {
    Status s = commit_store();
    if (s) return;
    log_commit_failure(s.error(), conn, xs_type_name(msg.header.type));
    take_back(conn, mark);
    xs_append_error(conn.out, msg.header.req_id, msg.header.tx_id,
                    s.error().code == ENOSPC ? ENOSPC : EIO);
    reconcile_domains();
}

Status Server::commit_store() {
    Status s = hook_ ? hook_->before_commit() : Status();
    if (s) s = store_.commit();
    else store_.rollback();
    if (s) {
        if (failed_commits_ > 0)
            log_info(cat("store commits succeed again after ", failed_commits_, " failed"));
        failed_commits_ = 0;
    }
    return s;
}

void Server::log_commit_failure(const Error& e, const Connection& conn, std::string_view what) {
    if (failed_commits_++ == 0)
        log_error(e.context(cat("cannot commit the store (", conn.label, " ", what,
                                "); the request is answered with an error and serving goes on; "
                                "further failures are not logged until a commit succeeds")));
}

// Takes back the output of changes that were not committed: the events
// queued for others since `touched_` was reset, and this connection's
// output from `mark` on.
void Server::take_back(Connection& conn, std::size_t mark) {
    for (auto& [id, size] : touched_)
        if (Client* c = find(id); c && c->conn.out.size() >= size) c->conn.out.resize(size);
    touched_.clear();
    if (conn.out.size() > mark) conn.out.resize(mark);
}

// After a pass: the journal is merged into the tdb soon, or now when it
// has grown large.
void Server::after_commits() {
    if (store_.pending() || !store_.merge_due()) return;
    if (store_.journal_bytes() > kMergeBytes) {
        run_merge();
        return;
    }
    if (merge_timer_ == 0)
        merge_timer_ = loop_.add_timer(kMergeDelay, [this] {
            merge_timer_ = 0;
            run_merge();
            return Status();
        });
}

void Server::run_merge() {
    if (store_.pending()) return;
    Status s = store_.merge();
    if (s) {
        if (failed_merges_ > 0)
            log_info(cat("the journal is merged into the store again after ", failed_merges_,
                         " failed attempts"));
        failed_merges_ = 0;
        return;
    }
    if (failed_merges_++ == 0)
        log_error(s.error().context("cannot merge the journal into the store; the journal keeps "
                                    "every change and merging is retried every second"));
    if (merge_timer_ == 0)
        merge_timer_ = loop_.add_timer(kMergeRetry, [this] {
            merge_timer_ = 0;
            run_merge();
            return Status();
        });
}

}  // namespace xvm::xs
