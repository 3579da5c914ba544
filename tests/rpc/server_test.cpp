// Tests of goprod::rpc::Server on real unix sockets in a temporary folder:
// stale and live sockets, the socket's mode and group, TCP on loopback, the
// health service, and the address parsing.
#include "daemon/rpc/server.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include "tests/rpc/test_support.h"

namespace goprod::rpc::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

class ServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "goprod-rpc-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        socket_ = dir_ / "goprod.sock";
        fake_.setCameras({camera("0456", "AA:BB:CC:00:04:56")});
    }
    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    ServerOptions options() const {
        ServerOptions options;
        options.socket = "unix:" + socket_.string();
        return options;
    }

    core::Result<std::unique_ptr<Server>> start(const ServerOptions& options) {
        return Server::start({&service_}, options);
    }

    // One ListCameras over the socket: proof that a server answers there.
    static grpc::Status listOver(const std::string& target) {
        auto stub = v1::Goprod::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + 10s);
        v1::ListCamerasResponse response;
        return stub->ListCameras(&ctx, {}, &response);
    }

    static mode_t modeOf(const std::filesystem::path& path) {
        struct stat info {};
        EXPECT_EQ(::stat(path.c_str(), &info), 0);
        return info.st_mode & 07777;
    }

    // A socket file with nobody listening: what a killed daemon leaves behind.
    void makeStaleSocket() const {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        ASSERT_GE(fd, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, socket_.c_str(), sizeof(address.sun_path) - 1);
        ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
        ::close(fd);
        ASSERT_TRUE(std::filesystem::is_socket(socket_));
    }

    FakeControl fake_;
    Service service_{fake_, testOptions()};
    std::filesystem::path dir_;
    std::filesystem::path socket_;
};

TEST_F(ServerTest, ServesOnTheUnixSocketWithMode0660) {
    auto server = start(options());
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_EQ((*server)->socketPath(), socket_);
    EXPECT_EQ(modeOf(socket_), 0660U);
    EXPECT_TRUE(listOver("unix:" + socket_.string()).ok());
    EXPECT_EQ((*server)->addresses(), std::vector<std::string>{"unix:" + socket_.string()});
}

TEST_F(ServerTest, AppliesAConfiguredModeAndTheGroup) {
    const group* own = ::getgrgid(::getegid());
    ASSERT_NE(own, nullptr);
    auto opts = options();
    opts.socketMode = 0600;
    opts.socketGroup = own->gr_name;
    auto server = start(opts);
    ASSERT_TRUE(server) << server.error().message;
    struct stat info {};
    ASSERT_EQ(::stat(socket_.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0600U);
    EXPECT_EQ(info.st_gid, ::getegid());
}

TEST_F(ServerTest, AnUnknownGroupIsAnError) {
    auto opts = options();
    opts.socketGroup = "goprod-no-such-group";
    auto server = start(opts);
    ASSERT_FALSE(server);
    EXPECT_EQ(server.error().message, "unknown group \"goprod-no-such-group\"");
}

TEST_F(ServerTest, ReplacesAStaleSocket) {
    makeStaleSocket();
    auto server = start(options());
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_TRUE(listOver("unix:" + socket_.string()).ok());
}

TEST_F(ServerTest, RefusesAPathThatALiveDaemonServes) {
    auto first = start(options());
    ASSERT_TRUE(first) << first.error().message;
    auto second = start(options());
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, core::Errc::Unavailable);
    EXPECT_EQ(second.error().message, "another goprod is serving " + socket_.string());
    EXPECT_TRUE(listOver("unix:" + socket_.string()).ok());  // the first one is untouched
}

TEST_F(ServerTest, RefusesAFileThatIsNotASocket) {
    std::ofstream(socket_) << "not a socket";
    auto server = start(options());
    ASSERT_FALSE(server);
    EXPECT_THAT(server.error().message, HasSubstr("exists and is not a socket"));
    EXPECT_TRUE(std::filesystem::is_regular_file(socket_));
}

TEST_F(ServerTest, CreatesTheMissingParentFolder) {
    socket_ = dir_ / "run" / "goprod" / "goprod.sock";
    auto server = start(options());
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_TRUE(std::filesystem::is_socket(socket_));
    EXPECT_EQ(modeOf(socket_.parent_path()) & 0700, 0700U);
}

TEST_F(ServerTest, AcceptsABarePath) {
    auto opts = options();
    opts.socket = socket_.string();
    auto server = start(opts);
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_TRUE(listOver("unix:" + socket_.string()).ok());
}

TEST_F(ServerTest, ShutdownRemovesItsSocket) {
    auto server = start(options());
    ASSERT_TRUE(server) << server.error().message;
    (*server)->shutdown(1s);
    EXPECT_FALSE(std::filesystem::exists(socket_));
}

TEST_F(ServerTest, ABarePortListensOnLoopbackOnly) {
    auto opts = options();
    opts.tcpListen = "0";  // any free port
    auto server = start(opts);
    ASSERT_TRUE(server) << server.error().message;
    const int port = (*server)->tcpPort();
    ASSERT_GT(port, 0);
    EXPECT_EQ((*server)->addresses().back(), "127.0.0.1:" + std::to_string(port));
    EXPECT_TRUE(listOver("127.0.0.1:" + std::to_string(port)).ok());
}

TEST_F(ServerTest, ABadTcpAddressIsAnError) {
    auto opts = options();
    opts.tcpListen = "localhost:http";
    auto server = start(opts);
    ASSERT_FALSE(server);
    EXPECT_EQ(server.error().code, core::Errc::InvalidArgument);
}

// issue 17: the TLS files are checked before the server starts (the handshake
// itself is tested end to end in tests/integration/test_rig_hosts.py).
TEST_F(ServerTest, TlsFilesThatAreMissingOrNotPemStopTheStart) {
    auto opts = options();
    opts.tcpListen = "0";
    opts.tls = {dir_ / "server.pem", dir_ / "server.key", dir_ / "ca.pem"};
    auto server = start(opts);
    ASSERT_FALSE(server);
    EXPECT_EQ(server.error().code, core::Errc::Unavailable);
    EXPECT_THAT(server.error().message,
                AllOf(HasSubstr("[api] tls_certificate " + (dir_ / "server.pem").string()), HasSubstr("cannot read")));

    for (const char* name : {"server.pem", "server.key", "ca.pem"}) std::ofstream(dir_ / name) << "not a PEM file\n";
    server = start(opts);
    ASSERT_FALSE(server);
    EXPECT_EQ(server.error().code, core::Errc::InvalidArgument);
    EXPECT_THAT(server.error().message, HasSubstr("tls_certificate " + (dir_ / "server.pem").string() + ": no PEM"));
    EXPECT_FALSE(std::filesystem::exists(socket_));
}

TEST_F(ServerTest, TheHealthServiceAnswersServing) {
    auto server = start(options());
    ASSERT_TRUE(server) << server.error().message;
    grpc::GenericStub stub(grpc::CreateChannel("unix:" + socket_.string(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 10s);
    grpc::ByteBuffer request;  // HealthCheckRequest{service: ""} serializes to nothing
    grpc::Slice empty;
    request = grpc::ByteBuffer(&empty, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                   [&](grpc::Status status) { done.set_value(std::move(status)); });
    auto future = done.get_future();
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
    ASSERT_TRUE(future.get().ok());
    std::vector<grpc::Slice> slices;
    ASSERT_TRUE(response.Dump(&slices).ok());
    std::string bytes;
    for (const auto& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    EXPECT_EQ(bytes, std::string("\x08\x01", 2));  // status: SERVING
}

TEST(SocketAddress, AcceptsUnixPrefixesAndBarePathsAndRefusesRelativeOnes) {
    EXPECT_EQ(*socketPathFrom("unix:/run/goprod/goprod.sock"), "/run/goprod/goprod.sock");
    EXPECT_EQ(*socketPathFrom("unix:///run/goprod/goprod.sock"), "/run/goprod/goprod.sock");
    EXPECT_EQ(*socketPathFrom("/tmp/g.sock"), "/tmp/g.sock");
    EXPECT_FALSE(socketPathFrom("unix:goprod.sock"));
    EXPECT_FALSE(socketPathFrom(""));
    EXPECT_FALSE(socketPathFrom("/" + std::string(200, 'x')));
}

}  // namespace
}  // namespace goprod::rpc::testing
