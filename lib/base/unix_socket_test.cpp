#include "lib/base/unix_socket.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace xvm {
namespace {

std::string temp_dir() {
    char tmpl[] = "/tmp/xvm-sock-XXXXXX";
    EXPECT_NE(::mkdtemp(tmpl), nullptr);
    return tmpl;
}

TEST(UnixSocket, ListensWithMode0666) {
    std::string dir = temp_dir();
    std::string path = dir + "/s";
    auto listener = listen_unix(path);
    ASSERT_TRUE(listener) << listener.error().message;
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0666u);
    auto client = connect_unix(path);
    ASSERT_TRUE(client) << client.error().message;
    auto conn = accept_unix(listener->get());
    ASSERT_TRUE(conn) << conn.error().message;
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
}

TEST(UnixSocket, ReplacesStaleSocketButNotOtherFiles) {
    std::string dir = temp_dir();
    std::string path = dir + "/s";
    { auto first = listen_unix(path); ASSERT_TRUE(first); }
    auto second = listen_unix(path);
    EXPECT_TRUE(second) << second.error().message;
    std::string file = dir + "/f";
    std::ofstream(file) << "data";
    auto refused = listen_unix(file);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message,
              "cannot bind " + file + ": a file that is not a socket is in the way");
    ::unlink(path.c_str());
    ::unlink(file.c_str());
    ::rmdir(dir.c_str());
}

TEST(UnixSocket, ErrorsNameThePath) {
    auto none = connect_unix("/nonexistent-dir/sock");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().message,
              "cannot connect to /nonexistent-dir/sock: No such file or directory");
    auto too_long = listen_unix("/" + std::string(200, 'x'));
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().code, ENAMETOOLONG);
}

}  // namespace
}  // namespace xvm
