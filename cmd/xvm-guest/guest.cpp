#include "cmd/xvm-guest/guest.h"

#include <unistd.h>

#include <charconv>
#include <ctime>
#include <sstream>

#include "lib/base/format.h"

namespace xvm::guest {

Behaviour parse_behaviour(const std::string& kernel, const std::string& extra) {
    Behaviour b;
    std::istringstream words(kernel + " " + extra);
    std::string w;
    while (words >> w) {
        // A kernel path names its behaviour in its last component.
        std::string_view word = std::string_view(w).substr(w.rfind('/') + 1);
        if (word == "crash-on-boot")
            b.crash_on_boot = true;
        else if (word == "die-on-boot")
            b.die_on_boot = true;
        else if (word == "ignore-shutdown")
            b.ignore_shutdown = true;
        else if (word == "no-xenstore")
            b.no_xenstore = true;
    }
    return b;
}

void Guest::tell_hvsim(const std::string& line) {
    std::string msg = line + "\n";
    // The control channel is a local socket with room for far more than one
    // line; if hvsim is gone we are about to be killed anyway.
    (void)!::write(control_fd_, msg.data(), msg.size());
}

void Guest::shutdown(std::string_view reason) {
    if (finished_) return;
    console_.print(cat("xvm-guest: shutting down: ", reason, "\n"));
    (void)console_.pump();  // the last words reach the ring before we end
    finished_ = true;
    tell_hvsim(cat("shutdown ", reason));
}

bool Guest::boot() {
    if (state_->magic != kStateMagic) {
        *state_ = KernelState{kStateMagic, 0, 0, static_cast<std::int64_t>(::time(nullptr)),
                              args_.memory_kib};
    }
    ++state_->boot_count;
    if (args_.resume) {
        console_.print(cat("xvm-guest: domain ", args_.domid, " resumed (boot ", state_->boot_count,
                           ", first booted at ", state_->first_boot_unix, ", ", state_->memory_kib,
                           " KiB)\n"));
    } else {
        state_->memory_kib = args_.memory_kib;
        console_.print(cat("xvm-guest 1.0: domain ", args_.domid, " booting (kernel '",
                           args_.kernel, "', extra '", args_.extra, "', ", args_.memory_kib,
                           " KiB, ", args_.vcpus, " vcpus)\n"));
    }
    (void)console_.pump();
    if (behaviour_.die_on_boot) {
        console_.print("xvm-guest: dying during boot (die-on-boot)\n");
        (void)console_.pump();
        ::_exit(3);
    }
    if (behaviour_.crash_on_boot) {
        console_.print("xvm-guest: kernel panic during boot (crash-on-boot)\n");
        shutdown("crash");
        return false;
    }
    if (!behaviour_.no_xenstore) {
        std::string id = cat(args_.domid);
        xs_.request(
            XS_GET_DOMAIN_PATH, std::string_view(id.c_str(), id.size() + 1),
            [this](int err, std::string_view path) {
                if (err != 0) {
                    console_.print(cat("xvm-guest: GET_DOMAIN_PATH failed: error ", err, "\n"));
                    return;
                }
                register_with_xenstore(path.substr(0, path.find('\0')));
            });
    }
    console_.print("xvm-guest: console ready; type 'help'\n");
    return true;
}

void Guest::register_with_xenstore(std::string_view domain_path) {
    path_ = domain_path;
    for (const char* feature : {"feature-poweroff", "feature-reboot", "feature-suspend"})
        xs_.write(path_ + "/control/" + feature, "1");
    xs_.write(path_ + "/attr/os", "xvm-guest 1.0");
    xs_.write(path_ + "/memory/actual", cat(state_->memory_kib));
    xs_.on_watch([this](std::string_view path, std::string_view) { on_watch(path); });
    xs_.watch(path_ + "/control/shutdown", "shutdown");
    xs_.watch(path_ + "/memory/target", "balloon");
    xs_.write(path_ + "/data/booted", "1", [this](int err, std::string_view) {
        console_.print(err == 0 ? cat("xvm-guest: registered at ", path_, "\n")
                                : cat("xvm-guest: xenstore write failed: error ", err, "\n"));
    });
}

void Guest::on_watch(std::string_view path) {
    std::string node(path);
    if (node == path_ + "/control/shutdown") {
        xs_.read(node, [this](int err, std::string_view value) {
            if (err == 0) on_shutdown_request(value);
        });
    } else if (node == path_ + "/memory/target") {
        xs_.read(node, [this](int err, std::string_view value) {
            if (err == 0) on_memory_target(value);
        });
    }
}

void Guest::on_shutdown_request(std::string_view value) {
    if (value.empty()) return;  // our own acknowledgement, or nothing asked
    if (behaviour_.ignore_shutdown) {
        console_.print(cat("xvm-guest: ignoring shutdown request '", value, "'\n"));
        return;
    }
    std::string_view reason;
    if (value == "poweroff" || value == "halt")
        reason = "poweroff";
    else if (value == "reboot")
        reason = "reboot";
    else if (value == "suspend")
        reason = "suspend";
    else if (value == "crash")
        reason = "crash";
    if (reason.empty()) {
        console_.print(cat("xvm-guest: unknown shutdown request '", value, "' ignored\n"));
        return;
    }
    // Acknowledge as Linux does (the node is emptied), then go down once
    // xenstore has it.
    xs_.write(path_ + "/control/shutdown", "",
              [this, r = std::string(reason)](int, std::string_view) { shutdown(r); });
}

void Guest::on_memory_target(std::string_view value) {
    std::uint64_t kib = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), kib);
    if (ec != std::errc() || end != value.data() + value.size() || kib == 0) {
        console_.print(cat("xvm-guest: balloon: bad memory/target '", value, "' ignored\n"));
        return;
    }
    if (kib == state_->memory_kib) return;
    console_.print(cat("xvm-guest: balloon: ", state_->memory_kib, " KiB -> ", kib, " KiB\n"));
    tell_hvsim(cat("balloon ", kib));
}

void Guest::from_hvsim(std::string_view line) {
    std::string_view word = line.substr(0, line.find(' '));
    std::string_view arg = word.size() < line.size() ? line.substr(word.size() + 1) : "";
    std::uint64_t kib = 0;
    auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), kib);
    if (ec != std::errc() || end != arg.data() + arg.size()) return;
    if (word == "balloon-done") {
        state_->memory_kib = kib;
        console_.print(cat("xvm-guest: balloon: now ", kib, " KiB\n"));
        if (!path_.empty()) xs_.write(path_ + "/memory/actual", cat(kib));
    } else if (word == "balloon-refused") {
        console_.print(cat("xvm-guest: balloon: the hypervisor refused ", kib, " KiB; staying at ",
                           state_->memory_kib, " KiB\n"));
    }
}

std::string Guest::mem_report() const {
    return cat("memory: ", state_->memory_kib, " KiB (booted with ", args_.memory_kib, " KiB)\n");
}

void Guest::command(std::string_view line) {
    std::string_view cmd = line.substr(0, line.find(' '));
    std::string_view rest = cmd.size() < line.size() ? line.substr(cmd.size() + 1) : "";
    if (cmd.empty()) return;
    if (cmd == "help") {
        console_.print("commands: help uname uptime echo mem halt reboot crash spew <MiB>\n");
    } else if (cmd == "uname") {
        console_.print(cat("xvm-guest 1.0 domain ", args_.domid, " (", args_.vcpus, " vcpus)\n"));
    } else if (cmd == "uptime") {
        auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                  started_);
        console_.print(cat("up ", s.count(), " s, boot ", state_->boot_count, "\n"));
    } else if (cmd == "echo") {
        console_.print(cat(rest, "\n"));
    } else if (cmd == "mem") {
        console_.print(mem_report());
    } else if (cmd == "halt" || cmd == "poweroff") {
        shutdown("poweroff");
    } else if (cmd == "reboot") {
        shutdown("reboot");
    } else if (cmd == "crash") {
        shutdown("crash");
    } else if (cmd == "spew") {
        std::uint64_t mib = 0;
        auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), mib);
        if (ec != std::errc() || end != rest.data() + rest.size() || mib == 0 || mib > 4096) {
            console_.print("spew: usage: spew <MiB 1..4096>\n");
            return;
        }
        console_.spew(mib << 20);
    } else {
        console_.print(cat(cmd, ": command not found\n"));
    }
}

}  // namespace xvm::guest
