// issue 17: goproctl's channel to goprod: plaintext (unix sockets, loopback
// TCP), or mutual TLS with the PEM files given (a daemon on another host).
// Any thread; no shared state.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>

#include "client/cli.h"
#include "client/values.h"

namespace goprod::client {

// The channel to `target`; reads the TLS files at once, so that a missing or
// unreadable one is an error here ("cannot read FILE: reason"), not a failed call.
Parsed<std::shared_ptr<grpc::Channel>> openChannel(const std::string& target, const TlsOptions& tls);

}  // namespace goprod::client
