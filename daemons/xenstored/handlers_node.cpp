// Handlers for the node requests: READ, WRITE, MKDIR, RM, DIRECTORY,
// DIRECTORY_PART, GET_PERMS, SET_PERMS. Outside a transaction, changes
// fire watches at once (the events wait in the output queues until the
// batch is committed); inside one they fire when it commits.
#include <charconv>
#include <cstdlib>

#include "lib/base/format.h"
#include "daemons/xenstored/path.h"
#include "daemons/xenstored/request.h"

namespace xvm::xs {
namespace {

// The nearest existing ancestor's path (the node itself if it exists).
std::string existing_ancestor(Tree& tree, std::string_view path) {
    std::string_view at = path;
    while (at != "/" && !tree.get(at)) at = parent_of(at);
    return std::string(at);
}

// Creates `path` and any missing parents. New nodes inherit their parent's
// permissions; a guest owns what it creates. The caller needs write
// permission on the nearest existing ancestor, and guests are held to the
// node quota.
int create_node(Request& r, const std::string& path, std::string_view value) {
    Tree& tree = r.tree();
    std::string base = existing_ancestor(tree, path);
    const Node* anc = tree.get(base);
    if (!(perms_for(r.caller(), anc->perms) & kPermWrite)) return EACCES;
    std::vector<std::string_view> missing;
    for (std::string_view at = path; at != base; at = parent_of(at)) missing.push_back(at);
    Perms perms = anc->perms;
    if (!r.caller().privileged) perms[0].dom = r.caller().dom;
    if (r.caller().user) {
        // Nodes made in an open transaction count as the transaction's size.
        std::uint32_t made = r.ctx.store.created_by_user(r.caller().uid) +
                             (r.tx ? static_cast<std::uint32_t>(r.tx->size()) : 0);
        if (made + missing.size() > r.ctx.quotas.user_nodes) return ENOSPC;
    } else if (r.quota_applies()) {
        std::uint32_t owned = r.ctx.store.owned_by(r.caller().dom) +
                              (r.tx ? r.tx->created_by(r.caller().dom) : 0);
        if (owned + missing.size() > r.ctx.quotas.nodes) return ENOSPC;
    }
    if (r.quota_applies()) {
        if (r.tx && r.tx->size() + missing.size() + 1 > r.ctx.quotas.transaction_nodes)
            return ENOSPC;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        bool last = *it == path;
        Status s = tree.put(std::string(*it), last ? value : std::string_view(), perms);
        if (!s) return s.error().code;
    }
    return 0;
}

int write_value(Request& r, const std::string& path, std::string_view value, bool only_create) {
    if (r.quota_applies() && value.size() > r.ctx.quotas.entry_size) return ENOSPC;
    Result<const Node*> node = lookup(r, path, kPermWrite);
    if (node) {
        if (only_create) return 0;
        Perms perms = (*node)->perms;
        Status s = r.tree().put(path, value, perms);
        if (!s) return s.error().code;
        changed(r, path);
        return 0;
    }
    if (node.error().code != ENOENT) return node.error().code;
    int err = create_node(r, path, value);
    if (err) return err;
    changed(r, path);
    return 0;
}

}  // namespace

int do_read(Request& r) {
    auto path = one_path_arg(r);
    if (!path) return EINVAL;
    auto node = lookup(r, *path, kPermRead);
    if (!node) return node.error().code;
    r.reply((*node)->value);
    return 0;
}

int do_write(Request& r) {
    std::string_view p = r.msg.payload;
    auto nul = p.find('\0');
    if (nul == std::string_view::npos) return EINVAL;
    auto path = path_arg(r, p.substr(0, nul));
    if (!path) return EINVAL;
    int err = write_value(r, *path, p.substr(nul + 1), false);
    if (err == 0) r.ok();
    return err;
}

int do_mkdir(Request& r) {
    auto path = one_path_arg(r);
    if (!path) return EINVAL;
    int err = write_value(r, *path, "", true);
    if (err == 0) r.ok();
    return err;
}

int do_rm(Request& r) {
    auto path = one_path_arg(r);
    if (!path) return EINVAL;
    auto node = lookup(r, *path, kPermWrite);
    if (!node) {
        if (node.error().code != ENOENT) return node.error().code;
        // Removing what is not there is fine while its parent exists.
        if (*path == "/" || !r.tree().get(parent_of(*path))) return ENOENT;
        r.ok();
        return 0;
    }
    if (*path == "/") return EINVAL;
    if (r.quota_applies() && r.tx && r.tx->size() >= r.ctx.quotas.transaction_nodes)
        return ENOSPC;
    // Xen's delnode_sub: as each node goes (children first, while it and
    // its parent can still be seen), the root fires like a change and every
    // node below it only the watches on exactly that node.
    const std::string& root = *path;
    RemovedFn fire = [&r, &root](const std::string& p, const Perms&) {
        changed(r, p, p != root);
    };
    Status s = r.tree().remove(*path, fire);
    if (!s) return s.error().code;
    r.ok();
    return 0;
}

namespace {

std::string children_list(const Node& node) {
    std::string out;
    for (const std::string& name : node.children) {
        out += name;
        out += '\0';
    }
    return out;
}

}  // namespace

int do_directory(Request& r) {
    auto path = one_path_arg(r);
    if (!path) return EINVAL;
    auto node = lookup(r, *path, kPermRead);
    if (!node) return node.error().code;
    std::string list = children_list(**node);
    if (list.size() > XENSTORE_PAYLOAD_MAX) return E2BIG;
    r.reply(list);
    return 0;
}

// Reply: "<generation>\0" and the children list from byte `offset`, whole
// names only; a final extra NUL marks the end of the list.
int do_directory_part(Request& r) {
    auto args = string_args(r.msg.payload, 2);
    if (!args) return EINVAL;
    auto path = path_arg(r, (*args)[0]);
    if (!path) return EINVAL;
    auto node = lookup(r, *path, kPermRead);
    if (!node) return node.error().code;
    // Xen reads the offset with atoi() into an unsigned: junk is 0, a
    // negative number is huge, and an offset at or past the end gets the
    // generation and an empty list.
    std::size_t offset = static_cast<unsigned int>(std::atoi(std::string((*args)[1]).c_str()));
    std::string list = children_list(**node);
    std::string out = cat((*node)->gen);
    out += '\0';
    if (offset >= list.size()) {
        out += '\0';
        r.reply(out);
        return 0;
    }
    std::size_t room = XENSTORE_PAYLOAD_MAX - out.size();
    std::string_view rest = std::string_view(list).substr(offset);
    if (rest.size() + 1 <= room) {
        out.append(rest);
        out += '\0';
    } else {
        std::size_t take = 0;
        while (true) {
            std::size_t next = rest.find('\0', take);
            if (next == std::string_view::npos || next + 1 > room) break;
            take = next + 1;
        }
        out.append(rest.substr(0, take));
    }
    r.reply(out);
    return 0;
}

int do_get_perms(Request& r) {
    auto path = one_path_arg(r, true);
    if (!path) return EINVAL;
    std::string out;
    if (is_special(*path)) {
        const Perms* perms = r.ctx.store.special_perms(*path);
        if (!perms) return ENOENT;
        if (!(perms_for(r.caller(), *perms) & kPermRead)) return EACCES;
        append_perms(out, *perms);
    } else {
        auto node = lookup(r, *path, kPermRead);
        if (!node) return node.error().code;
        append_perms(out, (*node)->perms);
    }
    r.reply(out);
    return 0;
}

namespace {

Result<Perms> parse_perms(Request& r, const std::vector<std::string_view>& args) {
    Perms perms;
    for (std::size_t i = 1; i < args.size(); ++i) {
        Result<Perm> p = parse_perm(args[i]);
        if (!p) return std::move(p).error();
        perms.push_back(*p);
    }
    if (r.quota_applies() && perms.size() > r.ctx.quotas.permissions)
        return make_error("too many permissions", ENOSPC);
    return perms;
}

}  // namespace

int do_set_perms(Request& r) {
    auto args = string_args(r.msg.payload, 2, true);
    if (!args) return EINVAL;
    auto path = path_arg(r, (*args)[0], true);
    if (!path) return EINVAL;
    auto perms = parse_perms(r, *args);
    if (!perms) return perms.error().code;
    if (is_special(*path)) {
        const Perms* old = r.ctx.store.special_perms(*path);
        if (!old) return ENOENT;
        if (!r.caller().privileged) return EACCES;
        Status s = r.ctx.store.set_special_perms(*path, *perms);
        if (!s) return s.error().code;
        r.ok();
        return 0;
    }
    auto node = lookup(r, *path, kPermOwner);
    if (!node) return node.error().code;
    // A guest may share what it owns but not give it away.
    if (!r.caller().privileged && (*perms)[0].dom != (*node)->perms[0].dom) return EPERM;
    std::string value = (*node)->value;
    Perms old = (*node)->perms;
    Status s = r.tree().put(*path, value, *perms);
    if (!s) return s.error().code;
    // Xen fires with the old permissions too: a watcher losing access
    // learns of it.
    changed(r, *path, false, &old);
    r.ok();
    return 0;
}

}  // namespace xvm::xs
