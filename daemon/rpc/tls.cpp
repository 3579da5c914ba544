#include "daemon/rpc/tls.h"

#include <cerrno>
#include <fstream>
#include <iterator>
#include <system_error>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace goprod::rpc {

namespace {

using core::Errc;

core::Error failure(Errc code, std::string message) { return core::Error{code, std::move(message), {}}; }

// PEM files are a few kilobytes; a larger one is not what was meant.
constexpr std::size_t kMaxPemBytes = 1 << 20;

core::Result<std::string> readPem(const char* key, const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        const int error = errno;
        // goprod runs as user goprod under systemd: a key only root may read is the usual cause.
        return Unexpected{failure(Errc::Unavailable, std::string("[api] ") + key + " " + path.string() +
                                                         ": cannot read it: " + std::generic_category().message(error))};
    }
    std::string text;
    text.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    if (file.bad() || text.size() > kMaxPemBytes) {
        return Unexpected{failure(Errc::InvalidArgument,
                                  std::string("[api] ") + key + " " + path.string() + ": cannot read it whole")};
    }
    return text;
}

// OpenSSL's own reason for the last failure, e.g. "no start line".
std::string openSslReason() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
    return reason == nullptr ? "not PEM" : reason;
}

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
    void operator()(X509* x509) const { X509_free(x509); }
};
struct KeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

std::unique_ptr<BIO, BioFree> memory(const std::string& text) {
    return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::unique_ptr<X509, X509Free> firstCertificate(const std::string& pem) {
    auto bio = memory(pem);
    return std::unique_ptr<X509, X509Free>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

core::Result<std::shared_ptr<grpc::ServerCredentials>> mutualTlsCredentials(const TlsFiles& files) {
    auto certificate = readPem("tls_certificate", files.certificate);
    if (!certificate) return Unexpected{certificate.error()};
    auto key = readPem("tls_key", files.key);
    if (!key) return Unexpected{key.error()};
    auto clientCa = readPem("tls_client_ca", files.clientCa);
    if (!clientCa) return Unexpected{clientCa.error()};

    const auto invalid = [](const char* what, const std::filesystem::path& path, const std::string& why) {
        return Unexpected{failure(Errc::InvalidArgument, std::string("[api] ") + what + " " + path.string() + ": " + why)};
    };
    ERR_clear_error();
    const auto serverCertificate = firstCertificate(*certificate);
    if (!serverCertificate) {
        return invalid("tls_certificate", files.certificate, "no PEM certificate in it (" + openSslReason() + ")");
    }
    auto keyBio = memory(*key);
    const std::unique_ptr<EVP_PKEY, KeyFree> privateKey(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
    if (!privateKey) {
        return invalid("tls_key", files.key,
                       "no PEM private key in it, or one with a passphrase (" + openSslReason() + ")");
    }
    if (X509_check_private_key(serverCertificate.get(), privateKey.get()) != 1) {
        ERR_clear_error();
        return invalid("tls_key", files.key, "is not the key of " + files.certificate.string());
    }
    if (!firstCertificate(*clientCa)) {
        return invalid("tls_client_ca", files.clientCa, "no PEM certificate in it (" + openSslReason() + ")");
    }

    grpc::SslServerCredentialsOptions options(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    options.pem_root_certs = std::move(*clientCa);
    options.pem_key_cert_pairs.push_back({std::move(*key), std::move(*certificate)});
    return grpc::SslServerCredentials(options);
}

}  // namespace goprod::rpc
