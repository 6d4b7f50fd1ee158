#include "daemons/xenstored/store_ops.h"

#include <cstring>

#include "lib/base/format.h"

namespace xvm::xs::ops {
namespace {

template <typename T>
void put_int(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void put_str16(std::string& out, std::string_view s) {
    put_int(out, static_cast<std::uint16_t>(s.size()));
    out.append(s);
}

void put_perms(std::string& out, std::span<const Perm> perms) {
    put_int(out, static_cast<std::uint16_t>(perms.size()));
    for (const Perm& p : perms) {
        put_int(out, p.dom);
        out += static_cast<char>(p.mode);
    }
}

// Reads from a payload, remembering the first failure.
class Reader {
public:
    Reader(std::string_view data, std::size_t at) : data_(data), at_(at) {}
    template <typename T>
    T get() {
        T v{};
        if (!take(sizeof v)) return v;
        std::memcpy(&v, data_.data() + at_ - sizeof v, sizeof v);
        return v;
    }
    std::string_view bytes(std::size_t n) {
        if (!take(n)) return {};
        return data_.substr(at_ - n, n);
    }
    Perms perms() {
        auto n = get<std::uint16_t>();
        Perms out;
        if (n == 0) ok_ = false;
        for (std::uint16_t i = 0; ok_ && i < n; ++i) {
            auto dom = get<DomainId>();
            auto mode = get<std::uint8_t>();
            out.push_back(Perm{dom, static_cast<std::uint8_t>(mode & 3)});
        }
        return out;
    }
    bool ok() const { return ok_; }
    std::size_t at() const { return at_; }

private:
    bool take(std::size_t n) {
        if (!ok_ || data_.size() - at_ < n) {
            ok_ = false;
            return false;
        }
        at_ += n;
        return true;
    }
    std::string_view data_;
    std::size_t at_;
    bool ok_ = true;
};

}  // namespace

void put(std::string& out, std::string_view path, std::span<const Perm> perms,
         std::string_view value) {
    out += 'P';
    put_str16(out, path);
    put_perms(out, perms);
    put_int(out, static_cast<std::uint32_t>(value.size()));
    out.append(value);
}

void remove(std::string& out, std::string_view path) {
    out += 'R';
    put_str16(out, path);
}

void special(std::string& out, std::string_view name, std::span<const Perm> perms) {
    out += 'S';
    put_str16(out, name);
    put_perms(out, perms);
}

void domain(std::string& out, DomainId dom, std::string_view record) {
    out += 'D';
    put_int(out, dom);
    put_int(out, static_cast<std::uint32_t>(record.size()));
    out.append(record);
}

void remove_domain(std::string& out, DomainId dom) {
    out += 'd';
    put_int(out, dom);
}

Result<Op> next(std::string_view payload, std::size_t& at) {
    std::size_t start = at;
    Reader r(payload, at + 1);
    Op op;
    op.kind = payload[at];
    switch (op.kind) {
        case 'P':
            op.path = r.bytes(r.get<std::uint16_t>());
            op.perms = r.perms();
            op.value = r.bytes(r.get<std::uint32_t>());
            break;
        case 'R': op.path = r.bytes(r.get<std::uint16_t>()); break;
        case 'S':
            op.path = r.bytes(r.get<std::uint16_t>());
            op.perms = r.perms();
            break;
        case 'D':
            op.dom = r.get<DomainId>();
            op.value = r.bytes(r.get<std::uint32_t>());
            break;
        case 'd': op.dom = r.get<DomainId>(); break;
        default:
            return make_error(cat("unknown operation ", int(static_cast<unsigned char>(op.kind)),
                                  " at byte ", start),
                              EIO);
    }
    if (!r.ok()) return make_error(cat("operation '", op.kind, "' at byte ", start, " is cut off"), EIO);
    at = r.at();
    return op;
}

}  // namespace xvm::xs::ops
