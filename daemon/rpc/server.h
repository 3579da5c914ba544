// The gRPC server that carries the API: a unix socket (mode and group applied
// after it exists, a stale socket file replaced, a live daemon on the same
// path refused), an optional TCP listener, the gRPC health service and server
// reflection.
//
// Threading: start() and shutdown() from the main thread; the server runs the
// services on gRPC's own threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

#include <grpcpp/grpcpp.h>

#include "daemon/core/error.h"
#include "daemon/rpc/tls.h"

namespace goprod::rpc {

struct ServerOptions {
    // "unix:/run/goprod/goprod.sock", or a bare absolute path. Empty: no unix
    // socket (tests that use only the in-process channel).
    std::string socket = "unix:/run/goprod/goprod.sock";
    std::uint32_t socketMode = 0660;
    std::string socketGroup;  // "" = leave the daemon's group
    // "" = no TCP. "PORT" = 127.0.0.1:PORT (a host other than loopback must be
    // spelt out as "HOST:PORT"; the configuration demands TLS for it).
    std::string tcpListen;
    // issue 17: with files, the TCP listener speaks mutual TLS; the unix socket stays plaintext.
    TlsFiles tls;
    // What a client may send in one message (requests are small).
    int maxReceiveMessageBytes = 1 << 20;
};

class Server {
public:
    // Builds and starts the server with `services` (which must outlive it).
    static core::Result<std::unique_ptr<Server>> start(const std::vector<grpc::Service*>& services,
                                                       const ServerOptions& options);
    ~Server();  // shutdown() with a short deadline, if not done yet
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Stops accepting calls, cancels those still running after `grace`, and
    // removes the socket file (if it is still the one this server created).
    void shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds{2000});

    std::shared_ptr<grpc::Channel> inProcessChannel(const grpc::ChannelArguments& args = {});
    const std::filesystem::path& socketPath() const { return socketPath_; }
    // The TCP port actually bound ("PORT" 0 picks one), 0 without TCP.
    int tcpPort() const { return tcpPort_; }
    // "unix:/run/goprod/goprod.sock", "127.0.0.1:50051": for the start-up log line.
    const std::vector<std::string>& addresses() const { return addresses_; }

private:
    Server() = default;

    std::unique_ptr<grpc::Server> server_;
    std::filesystem::path socketPath_;
    dev_t socketDevice_ = 0;  // to remove only our own socket file
    ino_t socketInode_ = 0;
    int tcpPort_ = 0;
    std::vector<std::string> addresses_;
    bool stopped_ = false;
};

// The path of a unix socket address: "unix:PATH" or a bare path. Relative
// paths are refused (gRPC's "unix:" takes them relative to the working
// directory, which a daemon does not control).
core::Result<std::filesystem::path> socketPathFrom(const std::string& address);

// What a socket path is now: Free (nothing there), Stale (a socket file
// nobody listens on: connect(2) is refused) or Live (a server accepts).
enum class SocketProbe : std::uint8_t { Free, Stale, Live };
core::Result<SocketProbe> probeSocket(const std::filesystem::path& path);

}  // namespace goprod::rpc
