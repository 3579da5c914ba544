#include "daemon/rpc/server.h"

#include <cerrno>
#include <cstring>
#include <system_error>

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <absl/synchronization/mutex.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

namespace goprod::rpc {

namespace {

using core::Errc;

std::string errnoText(int error) { return std::generic_category().message(error); }

core::Error failure(Errc code, std::string message) { return core::Error{code, std::move(message), {}}; }

// Missing parent folders are made 0755 (systemd's RuntimeDirectory= makes
// /run/goprod itself in production).
core::Result<void> makeParents(const std::filesystem::path& socket) {
    const std::filesystem::path parent = socket.parent_path();
    std::filesystem::path partial;
    for (const auto& part : parent) {
        partial /= part;
        if (::mkdir(partial.c_str(), 0755) == 0 || errno == EEXIST) continue;
        return Unexpected{failure(Errc::Unavailable, "cannot create " + partial.string() + ": " + errnoText(errno))};
    }
    return {};
}

// "PORT" → loopback; "HOST:PORT" as given.
core::Result<std::string> tcpAddress(const std::string& listen) {
    const auto colon = listen.rfind(':');
    const std::string port = colon == std::string::npos ? listen : listen.substr(colon + 1);
    const std::string host = colon == std::string::npos ? "127.0.0.1" : listen.substr(0, colon);
    const bool numeric = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
    if (!numeric || std::stoi(port) > 65535 || host.empty()) {
        return Unexpected{
            failure(Errc::InvalidArgument, "tcp listen address \"" + listen + "\" is not PORT or HOST:PORT")};
    }
    return host + ":" + port;
}

core::Result<gid_t> groupId(const std::string& name) {
    long size = ::sysconf(_SC_GETGR_R_SIZE_MAX);
    std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
    group entry{};
    group* found = nullptr;
    int error = 0;
    while ((error = ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE) {
        buffer.resize(buffer.size() * 2);
    }
    if (error != 0)
        return Unexpected{failure(Errc::Unavailable, "cannot look up group " + name + ": " + errnoText(error))};
    if (found == nullptr) return Unexpected{failure(Errc::InvalidArgument, "unknown group \"" + name + "\"")};
    return found->gr_gid;
}

}  // namespace

core::Result<std::filesystem::path> socketPathFrom(const std::string& address) {
    std::string path = address;
    if (path.rfind("unix:", 0) == 0) path = path.substr(5);
    if (path.rfind("//", 0) == 0) path = path.substr(2);  // "unix:///run/..." spelling
    if (path.empty() || path.front() != '/') {
        return Unexpected{failure(Errc::InvalidArgument,
                                  "socket address \"" + address + "\" is not unix:/ABSOLUTE/PATH or /ABSOLUTE/PATH")};
    }
    if (path.size() >= sizeof(sockaddr_un::sun_path)) {
        return Unexpected{failure(
            Errc::InvalidArgument,
            "socket path " + path + " is longer than " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes")};
    }
    return std::filesystem::path(path);
}

core::Result<SocketProbe> probeSocket(const std::filesystem::path& path) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) {
        if (errno == ENOENT) return SocketProbe::Free;
        return Unexpected{failure(Errc::Unavailable, "cannot check " + path.string() + ": " + errnoText(errno))};
    }
    if (!S_ISSOCK(info.st_mode)) {
        return Unexpected{failure(Errc::InvalidArgument, path.string() + " exists and is not a socket")};
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Unexpected{failure(Errc::Unavailable, "socket(): " + errnoText(errno))};
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    const int connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    const int error = errno;
    ::close(fd);
    if (connected == 0) return SocketProbe::Live;
    if (error == ECONNREFUSED) return SocketProbe::Stale;
    return Unexpected{failure(Errc::Unavailable, "cannot check " + path.string() + ": " + errnoText(error))};
}

core::Result<std::unique_ptr<Server>> Server::start(const std::vector<grpc::Service*>& services,
                                                    const ServerOptions& options) {
    std::unique_ptr<Server> server(new Server());
    grpc::ServerBuilder builder;

    if (!options.socket.empty()) {
        auto path = socketPathFrom(options.socket);
        if (!path) return Unexpected{path.error()};
        if (auto made = makeParents(*path); !made) return Unexpected{made.error()};
        auto probe = probeSocket(*path);
        if (!probe) return Unexpected{probe.error()};
        if (*probe == SocketProbe::Live) {
            return Unexpected{failure(Errc::Unavailable, "another goprod is serving " + path->string())};
        }
        // A socket nobody listens on: left behind by a daemon that did not stop cleanly.
        if (*probe == SocketProbe::Stale && ::unlink(path->c_str()) != 0 && errno != ENOENT) {
            return Unexpected{failure(Errc::Unavailable,
                                      "cannot remove the stale socket " + path->string() + ": " + errnoText(errno))};
        }
        server->socketPath_ = *path;
        server->addresses_.push_back("unix:" + path->string());
        builder.AddListeningPort("unix:" + path->string(), grpc::InsecureServerCredentials());
    }
    if (!options.tcpListen.empty()) {
        auto address = tcpAddress(options.tcpListen);
        if (!address) return Unexpected{address.error()};
        std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
        if (!options.tls.empty()) {  // issue 17
            auto tls = mutualTlsCredentials(options.tls);
            if (!tls) return Unexpected{tls.error()};
            credentials = std::move(*tls);
        }
        server->addresses_.push_back(*address);
        builder.AddListeningPort(*address, credentials, &server->tcpPort_);
    }

    // gRPC's mutexes are Abseil's, and Debian's Abseil keeps its deadlock
    // detector on: a graph lookup on every lock (1-2 % of the daemon's CPU under load).
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    for (grpc::Service* service : services) builder.RegisterService(service);
    builder.SetMaxReceiveMessageSize(options.maxReceiveMessageBytes);

    server->server_ = builder.BuildAndStart();
    if (!server->server_) {
        std::string addresses;
        for (const auto& address : server->addresses_) addresses += (addresses.empty() ? "" : ", ") + address;
        return Unexpected{failure(Errc::Unavailable, "cannot listen on " + addresses + " (gRPC logged why)")};
    }
    if (!options.tcpListen.empty() && !server->addresses_.empty()) {
        // Show the port bound when "PORT" was 0.
        auto& tcp = server->addresses_.back();
        tcp = tcp.substr(0, tcp.rfind(':') + 1) + std::to_string(server->tcpPort_) +
              (options.tls.empty() ? "" : " (mutual TLS)");
    }

    if (!server->socketPath_.empty()) {
        const auto& path = server->socketPath_;
        struct stat info {};
        if (::stat(path.c_str(), &info) != 0) {
            return Unexpected{
                failure(Errc::Unavailable, "the socket " + path.string() + " vanished: " + errnoText(errno))};
        }
        server->socketDevice_ = info.st_dev;
        server->socketInode_ = info.st_ino;
        // gRPC creates the socket with the process umask; the configured mode is applied now.
        if (::chmod(path.c_str(), static_cast<mode_t>(options.socketMode)) != 0) {
            return Unexpected{failure(Errc::Unavailable, "cannot chmod " + path.string() + ": " + errnoText(errno))};
        }
        if (!options.socketGroup.empty()) {
            auto gid = groupId(options.socketGroup);
            if (!gid) return Unexpected{gid.error()};
            if (::chown(path.c_str(), static_cast<uid_t>(-1), *gid) != 0) {
                return Unexpected{failure(Errc::Unavailable, "cannot give " + path.string() + " to group " +
                                                                 options.socketGroup + ": " + errnoText(errno))};
            }
        }
    }
    return server;
}

Server::~Server() { shutdown(std::chrono::milliseconds{500}); }

void Server::shutdown(std::chrono::milliseconds grace) {
    if (stopped_ || !server_) return;
    stopped_ = true;
    server_->Shutdown(std::chrono::system_clock::now() + grace);
    server_->Wait();
    if (socketPath_.empty()) return;
    // gRPC unlinks its unix socket paths itself when it shuts down; this is for
    // a socket it left behind, and only if it is still ours (same inode).
    struct stat info {};
    if (::lstat(socketPath_.c_str(), &info) == 0 && info.st_dev == socketDevice_ && info.st_ino == socketInode_) {
        ::unlink(socketPath_.c_str());
    }
}

std::shared_ptr<grpc::Channel> Server::inProcessChannel(const grpc::ChannelArguments& args) {
    return server_->InProcessChannel(args);
}

}  // namespace goprod::rpc
