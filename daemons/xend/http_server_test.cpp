#include "daemons/xend/http_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <thread>

#include "lib/base/format.h"
#include "lib/base/log.h"

namespace xvm::xend {
namespace {

// A server on the loop of this thread; clients are socketpairs driven by
// a helper thread while the loop runs here.
class HttpServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        log_init("http-test");
        auto l = EventLoop::create();
        ASSERT_TRUE(l);
        loop_ = std::move(*l);
    }

    void start(HttpServer::Handler handler, std::size_t max_body = 1024) {
        auto s = HttpServer::start(*loop_, {.what = "test socket", .max_body = max_body, .parse_form = true},
                                   std::move(handler));
        ASSERT_TRUE(s) << s.error().message;
        server_ = std::move(*s);
    }

    // Sends `request` on a new connection (admitted or not), half-closes,
    // and returns everything the server answered before closing.
    std::string exchange(const std::string& request, bool admitted = true, bool half_close = true,
                         bool late = false) {
        int sv[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
        PeerCred peer;
        peer.uid = 1234;
        server_->add_connection(UniqueFd(sv[0]), peer, admitted);
        std::string reply;
        bool done = false;
        std::thread client([&] {
            int fd = sv[1];
            // A client that connects first and writes once the server
            // waits for it, headers and body apart (Python's http.client).
            if (late) std::this_thread::sleep_for(std::chrono::milliseconds(50));
            std::size_t at = 0;
            std::size_t headers_end = late ? request.find("\r\n\r\n") : std::string::npos;
            if (headers_end != std::string::npos) {
                ssize_t n = ::send(fd, request.data(), headers_end + 4, MSG_NOSIGNAL);
                if (n > 0) at = static_cast<std::size_t>(n);
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
            while (at < request.size()) {
                ssize_t n = ::send(fd, request.data() + at, request.size() - at, MSG_NOSIGNAL);
                if (n < 0 && errno == EAGAIN) {
                    std::this_thread::yield();
                    continue;
                }
                if (n <= 0) break;
                at += static_cast<std::size_t>(n);
            }
            if (half_close) ::shutdown(fd, SHUT_WR);
            char buf[4096];
            for (;;) {
                ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                if (n < 0 && errno == EAGAIN) {
                    std::this_thread::yield();
                    continue;
                }
                if (n <= 0) break;
                reply.append(buf, static_cast<std::size_t>(n));
            }
            ::close(fd);
            done = true;
        });
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!done && std::chrono::steady_clock::now() < deadline)
            (void)loop_->run_once(std::chrono::milliseconds(10));
        client.join();
        return reply;
    }

    std::unique_ptr<EventLoop> loop_;
    std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, AnswersAtOnce) {
    start([](const HttpRequest& r, Responder respond) {
        respond(HttpResponse{.status = 200, .content_type = "text/plain",
                             .body = cat(r.method, " ", r.url, " ", r.body, " uid ", r.peer.uid)});
    });
    std::string reply = exchange("POST /RPC2 HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello");
    EXPECT_NE(reply.find("HTTP/1.0 200") == std::string::npos ? reply.find("HTTP/1.1 200") : 0, std::string::npos)
        << reply;
    EXPECT_NE(reply.find("POST /RPC2 hello uid 1234"), std::string::npos) << reply;
}

TEST_F(HttpServerTest, AnswersLaterWhileOthersAreServed) {
    std::vector<Responder> waiting;
    start([&](const HttpRequest& r, Responder respond) {
        if (r.url == "/slow") waiting.push_back(respond);
        else respond(HttpResponse{.status = 200, .body = "fast"});
    });
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    server_->add_connection(UniqueFd(sv[0]), PeerCred{}, true);
    std::string slow = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(::send(sv[1], slow.data(), slow.size(), 0), static_cast<ssize_t>(slow.size()));
    for (int i = 0; i < 50 && waiting.empty(); ++i) (void)loop_->run_once(std::chrono::milliseconds(10));
    ASSERT_EQ(waiting.size(), 1u);
    // The slow one is suspended; another connection is served meanwhile.
    EXPECT_NE(exchange("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n").find("fast"), std::string::npos);
    waiting[0](HttpResponse{.status = 200, .body = "slow done"});
    std::string reply;
    char buf[4096];
    for (int i = 0; i < 100 && reply.find("slow done") == std::string::npos; ++i) {
        (void)loop_->run_once(std::chrono::milliseconds(10));
        ssize_t n = ::recv(sv[1], buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) reply.append(buf, static_cast<std::size_t>(n));
    }
    EXPECT_NE(reply.find("slow done"), std::string::npos) << reply;
    ::close(sv[1]);
}

TEST_F(HttpServerTest, RefusedPeerIsToldWhyAfterItsRequest) {
    start([](const HttpRequest& r, Responder respond) {
        EXPECT_FALSE(r.admitted);
        EXPECT_TRUE(r.body.empty());  // never kept
        respond(HttpResponse{.status = 403, .body = "permission denied"});
    });
    std::string reply = exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody", false, false, true);
    EXPECT_NE(reply.find("HTTP/1.1 403"), std::string::npos) << reply;
    EXPECT_NE(reply.find("permission denied"), std::string::npos) << reply;
}

TEST_F(HttpServerTest, BodiesOverTheLimitAre413) {
    int calls = 0;
    start([&](const HttpRequest&, Responder respond) {
        ++calls;
        respond(HttpResponse{});
    }, 16);
    EXPECT_NE(exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n" + std::string(17, 'a'))
                  .find("HTTP/1.1 413"),
              std::string::npos);
    // Chunked: no length up front, cut off as it arrives.
    EXPECT_NE(exchange("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" +
                       std::string(32, 'b') + "\r\n0\r\n\r\n")
                  .find("HTTP/1.1 413"),
              std::string::npos);
    EXPECT_EQ(calls, 0);
}

TEST_F(HttpServerTest, DecodesForms) {
    start([](const HttpRequest& r, Responder respond) {
        const std::string* op = r.field("op");
        const std::string* cfg = r.field("config");
        respond(HttpResponse{.body = cat(op ? *op : "-", "|", cfg ? *cfg : "-")});
    });
    std::string body = "op=create&config=%28vm+%28name+x%29%29";
    std::string reply = exchange("POST /xend/domain/ HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                 "application/x-www-form-urlencoded\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body);
    EXPECT_NE(reply.find("create|(vm (name x))"), std::string::npos) << reply;
}

TEST_F(HttpServerTest, GarbageEndsTheConnectionWithoutAnAnswer) {
    int calls = 0;
    start([&](const HttpRequest&, Responder respond) {
        ++calls;
        respond(HttpResponse{});
    });
    EXPECT_EQ(exchange("garbage\r\n\r\n"), "");
    EXPECT_EQ(exchange("garbage\r\n\r\n", true, true, true), "");
    // A body cut short by a client that gives up: the connection ends.
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    server_->add_connection(UniqueFd(sv[0]), PeerCred{}, true);
    for (int i = 0; i < 5; ++i) (void)loop_->run_once(std::chrono::milliseconds(5));
    std::string cut = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort";
    ASSERT_EQ(::send(sv[1], cut.data(), cut.size(), 0), static_cast<ssize_t>(cut.size()));
    ::close(sv[1]);
    for (int i = 0; i < 200 && server_->connections() > 0; ++i) (void)loop_->run_once(std::chrono::milliseconds(5));
    EXPECT_EQ(server_->connections(), 0u);
    EXPECT_EQ(calls, 0);
    EXPECT_NE(exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n").find("HTTP/1.1 200"), std::string::npos);
}

}  // namespace
}  // namespace xvm::xend
