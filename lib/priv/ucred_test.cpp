// Peer credentials as the kernel captured them at connect (ucred_linux.cpp).
#include "lib/priv/ucred.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "lib/base/unix_socket.h"
#include "lib/priv/priv_db.h"

namespace xvm {
namespace {

std::string temp_dir() {
    char tmpl[] = "/tmp/xvm-sock-XXXXXX";
    EXPECT_NE(::mkdtemp(tmpl), nullptr);
    return tmpl;
}

TEST(PeerCred, ReportsTheConnectingProcess) {
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

    auto db = PrivDb::parse(*PrivNames::load(XVM_SOURCE_DIR "/privileges/priv_names"), "", "g");
    ASSERT_TRUE(db);
    auto peer = get_peer_cred(conn->get(), *db);
    ASSERT_TRUE(peer) << peer.error().message;
    EXPECT_EQ(peer->pid, ::getpid());
    EXPECT_EQ(peer->uid, ::getuid());
    EXPECT_EQ(peer->gid, ::getgid());
    EXPECT_EQ(peer->privileges.empty(), ::getuid() != 0);
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace xvm
