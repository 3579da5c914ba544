// COHN credentials for goprod-sim, made at start: a real self-signed root CA
// (EC P-256, X.509 v3, PEM) as a camera's Create COHN Certificate makes, and a
// random password for its HTTPS basic auth. libssl; main thread only (at start).
#pragma once

#include <cstddef>
#include <string>

namespace goprod::sim {

// PEM "-----BEGIN CERTIFICATE-----…"; throws std::runtime_error if libssl fails.
std::string generateCohnCertificate(const std::string& commonName);
// `length` characters from [A-Za-z0-9], from libssl's random generator.
std::string randomCohnPassword(std::size_t length);

}  // namespace goprod::sim
