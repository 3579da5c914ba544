#include "client/channel.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

namespace goprod::client {

namespace {

Parsed<std::string> readPem(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return invalid("cannot read " + path + ": " + std::strerror(errno));
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (file.bad()) return invalid("cannot read " + path);
    return text;
}

}  // namespace

Parsed<std::shared_ptr<grpc::Channel>> openChannel(const std::string& target, const TlsOptions& tls) {
    if (!tls.enabled()) return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    grpc::SslCredentialsOptions options;
    auto ca = readPem(tls.ca);
    if (!ca) return invalid(ca.error());
    options.pem_root_certs = std::move(*ca);
    if (!tls.cert.empty()) {
        auto cert = readPem(tls.cert);
        if (!cert) return invalid(cert.error());
        auto key = readPem(tls.key);
        if (!key) return invalid(key.error());
        options.pem_cert_chain = std::move(*cert);
        options.pem_private_key = std::move(*key);
    }
    grpc::ChannelArguments arguments;
    if (!tls.serverName.empty()) arguments.SetSslTargetNameOverride(tls.serverName);
    return grpc::CreateCustomChannel(target, grpc::SslCredentials(options), arguments);
}

}  // namespace goprod::client
