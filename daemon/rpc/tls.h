// issue 17: the TCP listener's mutual TLS: the PEM files named in goprod.conf,
// read and checked at start-up (a certificate that does not parse, a key that
// is not the certificate's, a CA file without a certificate: each a clear error
// before the server starts, rather than a handshake that fails later).
// Main thread, at start-up; no shared state.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <grpcpp/security/server_credentials.h>

#include "daemon/core/error.h"

namespace goprod::rpc {

struct TlsFiles {
    std::filesystem::path certificate;  // the server's chain, PEM
    std::filesystem::path key;          // its private key, PEM
    std::filesystem::path clientCa;     // the CA(s) that sign the clients' certificates, PEM
    bool empty() const { return certificate.empty() && key.empty() && clientCa.empty(); }
};

// Server credentials that demand a client certificate signed by `clientCa`
// (GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY). InvalidArgument
// for a file that does not hold what it should, Unavailable for one that
// cannot be read.
core::Result<std::shared_ptr<grpc::ServerCredentials>> mutualTlsCredentials(const TlsFiles& files);

}  // namespace goprod::rpc
