#include "sim/cohn_cert.h"

#include <memory>
#include <stdexcept>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace goprod::sim {

namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

void check(bool ok, std::string_view what) {
    if (!ok) throw std::runtime_error("COHN certificate: " + std::string(what) + " failed");
}

void addExtension(X509* cert, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    Extension extension(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    check(extension != nullptr && X509_add_ext(cert, extension.get(), -1) == 1, "an extension");
}

}  // namespace

std::string generateCohnCertificate(const std::string& commonName) {
    Key key(EVP_EC_gen("P-256"));
    check(key != nullptr, "the key");
    Cert cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), 2) == 1, "the version");  // v3
    unsigned char serial[8];
    check(RAND_bytes(serial, sizeof serial) == 1, "the serial");
    serial[0] &= 0x7F;  // positive
    std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> number(BN_bin2bn(serial, sizeof serial, nullptr));
    check(number != nullptr && BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(cert.get())) != nullptr,
          "the serial");
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600) != nullptr, "notAfter");
    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("GoPro"), -1, -1,
                                     0) == 1,
          "the name");
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0) == 1,
          "the name");
    check(X509_set_issuer_name(cert.get(), name) == 1, "the issuer");
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "the public key");
    addExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    addExtension(cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
    addExtension(cert.get(), NID_subject_key_identifier, "hash");
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signing");
    Bio bio(BIO_new(BIO_s_mem()));
    check(bio != nullptr && PEM_write_bio_X509(bio.get(), cert.get()) == 1, "PEM encoding");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string randomCohnPassword(std::size_t length) {
    constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string out;
    while (out.size() < length) {
        unsigned char byte = 0;
        check(RAND_bytes(&byte, 1) == 1, "random bytes");
        if (byte < 248) out += kAlphabet[byte % kAlphabet.size()];  // 248 = 4 × 62: no bias
    }
    return out;
}

}  // namespace goprod::sim
