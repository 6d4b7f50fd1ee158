// svcs's table: the columns, their widths and sort keys exactly as
// illumos svcs.c's sprint_*() and sortkey_*() produce them, and the -p lines.
#include <cstdio>
#include <cstring>

#include "cmd/svcs/list.h"
#include "lib/smf/smf_fmri.h"

namespace xvm::svcs {
namespace {

constexpr int kMaxStateString = 14;  // MAX_SCF_STATE_STRING_SZ

// snprintf(newbuf, size, "%s<fmt>", buf, ...): appends `text`, cut so
// the line stays within `room` more characters (the terminating NUL of
// illumos' buffers is what truncates some columns).
void append(std::string& buf, const std::string& text, std::size_t room) {
    buf += text.substr(0, room);
}

std::string pad(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

char state_to_char(const std::string& s) {
    if (s == "uninitialized") return 'u';
    if (s == "offline") return '0';
    if (s == "online") return '1';
    if (s == "maintenance") return 'm';
    if (s == "disabled") return 'd';
    if (s == "degraded") return 'D';
    if (s == "legacy_run") return 'L';
    return '?';
}

const char* state_abbrev(const std::string& s) {
    if (s == "uninitialized") return "UN";
    if (s == "offline") return "OFF";
    if (s == "online") return "ON";
    if (s == "maintenance") return "MNT";
    if (s == "disabled") return "DIS";
    if (s == "degraded") return "DGD";
    if (s == "legacy_run") return "LRC";
    return "?";
}

bool transitioning(const Inst& i) { return state_to_char(restarter_string(i, "next_state")) != '?'; }

// Lower sorts first: from least interesting to most.
unsigned char state_order(const std::string& s) {
    if (s == "online") return 2;
    if (s == "degraded") return 3;
    if (s == "offline") return 4;
    if (s == "maintenance") return 5;
    if (s == "disabled") return 1;
    if (s == "uninitialized") return 6;
    return 7;
}

void key_bytes(std::string& key, std::string bytes, bool reverse) {
    if (reverse)
        for (char& c : bytes) c = static_cast<char>(~static_cast<unsigned char>(c));
    key += bytes;
}

void key_state(std::string& key, const std::string& prop, bool reverse, const Inst& i) {
    key_bytes(key, std::string(1, static_cast<char>(state_order(restarter_string(i, prop)))), reverse);
}

std::string be(std::uint64_t v, int n) {
    std::string out(static_cast<std::size_t>(n), '\0');
    for (int k = n - 1; k >= 0; --k, v >>= 8) out[static_cast<std::size_t>(k)] = static_cast<char>(v & 0xff);
    return out;
}

std::string padded_prefix(std::string s, std::size_t width) {
    s = pad(s, width) + " ";
    return s.substr(0, width);
}

std::string service_name(const Inst& i) { return smf::service_of(i.entity); }
std::string instance_name(const Inst& i) { return i.entity.substr(i.entity.find(':') + 1); }

const Column kColumns[] = {
    {"CTID", 6,
     [](std::string& b, const Inst& i, const ListOptions&) {
         auto ids = contract_ids(i);
         char tmp[32];
         if (ids.size() == 1) std::snprintf(tmp, sizeof tmp, "%*s ", 6, ids[0].c_str());
         else if (ids.size() > 1) std::snprintf(tmp, sizeof tmp, "%*s* ", 5, ids[0].c_str());
         else std::snprintf(tmp, sizeof tmp, "%*s ", 6, "-");
         b += tmp;
     },
     [](std::string& k, bool r, const Inst& i) {
         auto ids = contract_ids(i);
         key_bytes(k, ids.size() == 1 ? be(std::strtoull(ids[0].c_str(), nullptr, 10), 8) : std::string(8, '\0'), r);
     }},
    {"DESC", 100,
     [](std::string& b, const Inst& i, const ListOptions&) {
         std::string n = common_name(i).value_or("-");
         for (char& c : n)
             if (c == '\n') c = ' ';
         b += pad(n, 100) + " ";
     },
     [](std::string& k, bool, const Inst&) { k += std::string(100, '\0'); }},
    {"FMRI", 50, [](std::string& b, const Inst& i, const ListOptions&) { b += pad(i.fmri, 50) + " "; },
     [](std::string& k, bool r, const Inst& i) { key_bytes(k, padded_prefix(i.fmri, 50), r); }},
    {"INST", 20, [](std::string& b, const Inst& i, const ListOptions&) { append(b, pad(instance_name(i), 20) + " ", 21); },
     [](std::string& k, bool r, const Inst& i) { key_bytes(k, padded_prefix(instance_name(i), 20), r); }},
    {"N", 1,
     [](std::string& b, const Inst& i, const ListOptions&) {
         std::string n = restarter_string(i, "next_state");
         append(b, std::string(1, n == "none" ? '-' : state_to_char(n)) + "  ", 2);
     },
     [](std::string& k, bool r, const Inst& i) { key_state(k, "next_state", r, i); }},
    {"NSTA", 4,
     [](std::string& b, const Inst& i, const ListOptions&) {
         std::string n = restarter_string(i, "next_state");
         append(b, pad(n == "none" ? "-" : state_abbrev(n), 4) + " ", 5);
     },
     [](std::string& k, bool r, const Inst& i) { key_state(k, "next_state", r, i); }},
    {"NSTATE", kMaxStateString - 1,
     [](std::string& b, const Inst& i, const ListOptions&) {
         std::string n = restarter_string(i, "next_state");
         if (n.empty() || n == "none") n = "-";
         append(b, pad(n, kMaxStateString - 1) + " ", kMaxStateString);
     },
     [](std::string& k, bool r, const Inst& i) { key_state(k, "next_state", r, i); }},
    {"S", 2,
     [](std::string& b, const Inst& i, const ListOptions& o) {
         std::string t(1, state_to_char(restarter_string(i, "state")));
         t += !o.nstate_shown && transitioning(i) ? '*' : ' ';
         append(b, t + " ", 3);
     },
     [](std::string& k, bool r, const Inst& i) { key_state(k, "state", r, i); }},
    {"SCOPE", 20, [](std::string& b, const Inst&, const ListOptions&) { append(b, pad("localhost", 20) + " ", 21); },
     [](std::string& k, bool r, const Inst&) { key_bytes(k, padded_prefix("localhost", 20), r); }},
    {"SN", 2,
     [](std::string& b, const Inst& i, const ListOptions&) {
         std::string n = restarter_string(i, "next_state");
         std::string t(1, state_to_char(restarter_string(i, "state")));
         t += n == "none" ? '-' : state_to_char(n);
         append(b, t + "  ", 3);
     },
     [](std::string& k, bool r, const Inst& i) {
         key_state(k, "state", r, i);
         key_state(k, "next_state", r, i);
     }},
    {"SVC", 20, [](std::string& b, const Inst& i, const ListOptions&) { b += pad(service_name(i), 20) + " "; },
     [](std::string& k, bool r, const Inst& i) { key_bytes(k, padded_prefix(service_name(i), 20), r); }},
    {"STA", 4,
     [](std::string& b, const Inst& i, const ListOptions& o) {
         std::string s = state_abbrev(restarter_string(i, "state"));
         if (!o.nstate_shown && transitioning(i)) s += "*";
         append(b, pad(s, 4) + " ", 5);
     },
     [](std::string& k, bool r, const Inst& i) { key_state(k, "state", r, i); }},
    {"STATE", kMaxStateString,
     [](std::string& b, const Inst& i, const ListOptions& o) {
         std::string s = restarter_string(i, "state");
         if (s.empty()) s = "-";
         if (!o.nstate_shown && transitioning(i)) s += "*";
         append(b, pad(s, kMaxStateString + 1) + " ", kMaxStateString + 1);
     },
     [](std::string& k, bool r, const Inst& i) { key_state(k, "state", r, i); }},
    {"STIME", 8,
     [](std::string& b, const Inst& i, const ListOptions&) {
         auto t = state_time(i);
         append(b, pad(t ? stime_text(static_cast<time_t>(t->first)) : "-", 9) + (t ? " " : ""), 9);
     },
     [](std::string& k, bool r, const Inst& i) {
         auto t = state_time(i);
         key_bytes(k, t ? be(static_cast<std::uint64_t>(t->first), 8) + be(static_cast<std::uint32_t>(t->second), 4)
                        : std::string(12, '\0'),
                   r);
     }},
    {"ZONE", 16, [](std::string& b, const Inst&, const ListOptions&) { b += pad("global", 16) + " "; },
     [](std::string& k, bool r, const Inst&) { key_bytes(k, padded_prefix("global", 16), r); }},
};

}  // namespace

std::span<const Column> columns() { return kColumns; }

const Column* find_column(std::string_view name) {
    for (const Column& c : kColumns)
        if (name.size() == std::strlen(c.name) && ::strncasecmp(name.data(), c.name, name.size()) == 0) return &c;
    return nullptr;
}

std::string header_line(const ListOptions& o) {
    std::string line;
    for (const Column* c : o.columns) line += pad(c->name, static_cast<std::size_t>(c->width)).substr(0, static_cast<std::size_t>(c->width)) + " ";
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line;
}

Line make_line(const Inst& i, const ListOptions& o) {
    Line l;
    for (const Column* c : o.columns) c->sprint(l.text, i, o);
    while (!l.text.empty() && l.text.back() == ' ') l.text.pop_back();
    if (o.processes) {
        for (pid_t pid : instance_processes(i)) {
            auto ps = psinfo(pid);
            if (!ps) continue;
            char buf[128];
            std::snprintf(buf, sizeof buf, "\n               %-8s   %6ld %.*s", stime_text(ps->start).c_str(),
                          static_cast<long>(pid), 16, ps->fname.c_str());
            l.text += buf;
        }
    }
    for (const SortKey& s : o.sort) s.column->sortkey(l.key, s.reverse, i);
    return l;
}

}  // namespace xvm::svcs
