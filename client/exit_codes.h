// goproctl's exit codes and the one mapping from gRPC status codes to them.
// The numbers are a documented contract (README.md, goproctl.1): scripts
// branch on them. Pure functions: any thread.
#pragma once

#include <string_view>

#include <grpcpp/support/status.h>

namespace goprod::client {

enum ExitCode : int {
    kExitOk = 0,
    kExitError = 1,        // anything not listed below
    kExitUsage = 2,        // bad arguments or values (also INVALID_ARGUMENT from goprod)
    kExitNotFound = 3,     // NOT_FOUND: no such camera
    kExitRejected = 4,     // FAILED_PRECONDITION: the camera refused the request
    kExitUnavailable = 5,  // UNAVAILABLE: goprod unreachable, camera not connected
    kExitTimeout = 6,      // DEADLINE_EXCEEDED
    kExitBusy = 7,         // RESOURCE_EXHAUSTED / ABORTED: queue full, camera busy
    kExitCancelled = 8,    // CANCELLED: interrupted (Ctrl-C) or cancelled by goprod
};

// The mapping. CameraResult.code carries google.rpc.Code, whose numbers are
// grpc::StatusCode's, so per-camera outcomes go through here too.
int exitCodeFor(grpc::StatusCode code);
int exitCodeFor(int rpcCode);

// "ok", "rejected", "not found", ...: the RESULT column of per-camera tables.
std::string_view outcomeWord(int rpcCode);

// "FAILED_PRECONDITION" for messages when goprod sent none.
std::string_view statusCodeName(int rpcCode);

}  // namespace goprod::client
