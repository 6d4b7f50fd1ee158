// A guest on a shared ring, played by the test: the FileRings backend of
// xenstored (--hypervisor files:DIR) maps DIR/<dom>.page as the guest's
// xenstore page and uses two FIFOs as its event channel.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "daemons/xenstored/ring_backend.h"
#include "lib/xen/ring.h"
#include "lib/xen/xs_wire.h"
#include "tests/e2e/xs_harness.h"

namespace xvm::test {

class TestGuest {
public:
    TestGuest(const std::string& dir, std::uint32_t dom) {
        std::string base = dir + "/" + std::to_string(dom);
        // The daemon runs as xvm: the guest's files must be reachable for it.
        int fd = ::open((base + ".page").c_str(), O_RDWR | O_CREAT, 0666);
        EXPECT_EQ(::fchmod(fd, 0666), 0);
        EXPECT_EQ(::ftruncate(fd, 4096), 0);
        auto m = Mapping::map_shared(fd, 4096, PROT_READ | PROT_WRITE);
        ::close(fd);
        page_ = std::move(*m);
        for (const char* end : {".up", ".down"}) {
            ::mkfifo((base + end).c_str(), 0666);
            EXPECT_EQ(::chmod((base + end).c_str(), 0666), 0);
        }
        chan_ = std::move(*xs::fifo_event_channel(base + ".down", base + ".up"));
    }
    xenstore_domain_interface* intf() { return static_cast<xenstore_domain_interface*>(page_.data()); }

    // Puts as much of `bytes` on the request ring as fits; the count.
    std::size_t push(std::string_view bytes) {
        auto n = xenstore_requests(intf()).write(std::span<const char>(bytes.data(), bytes.size()));
        if (!n) return 0;
        if (*n) (void)chan_->notify();
        return *n;
    }
    // Takes every response byte there is off the ring into the buffer.
    void pull() {
        char buf[XENSTORE_RING_SIZE];
        while (true) {
            auto n = xenstore_responses(intf()).read(std::span<char>(buf, sizeof buf));
            if (!n || *n == 0) break;
            in_.append(buf, *n);
            (void)chan_->notify();
        }
    }
    // The next whole message received, if there is one.
    std::optional<XsReply> next_message() {
        pull();
        auto parsed = xs_parse(std::span<const char>(in_));
        if (!parsed || !*parsed) return std::nullopt;
        const XsMessage& m = **parsed;
        XsReply r{m.header.type, m.header.req_id, m.header.tx_id, std::string(m.payload)};
        in_.erase(0, m.wire_size());
        return r;
    }
    // Waits for a notification (or a bounded poll interval).
    void wait() {
        pollfd p{chan_->fd(), POLLIN, 0};
        ::poll(&p, 1, 50);
        (void)chan_->ack();
    }
    std::optional<XsReply> call(std::uint32_t type, const std::string& payload) {
        std::string msg;
        xs_append(msg, type, ++req_, 0, payload);
        std::size_t off = 0;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            if (off < msg.size()) off += push(std::string_view(msg).substr(off));
            while (auto m = next_message()) {
                if (m->type == XS_WATCH_EVENT) events.push_back(*m);
                else return m;
            }
            wait();
        }
        return std::nullopt;
    }
    // Watch events received while waiting for replies ("path token").
    std::vector<XsReply> events;

private:
    Mapping page_;
    std::unique_ptr<EventChannel> chan_;
    std::uint32_t req_ = 0;
    std::string in_;
};

}  // namespace xvm::test
