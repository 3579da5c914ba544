#include "client/exit_codes.h"

namespace goprod::client {

int exitCodeFor(grpc::StatusCode code) {
    switch (code) {
        case grpc::StatusCode::OK:
            return kExitOk;
        // goprod answers INVALID_ARGUMENT for input goproctl cannot check
        // itself (an ambiguous default camera, an SSID the camera refuses):
        // the caller has to change the command line, as for a usage error.
        case grpc::StatusCode::INVALID_ARGUMENT:
        case grpc::StatusCode::OUT_OF_RANGE:
            return kExitUsage;
        case grpc::StatusCode::NOT_FOUND:
            return kExitNotFound;
        case grpc::StatusCode::FAILED_PRECONDITION:
            return kExitRejected;
        case grpc::StatusCode::UNAVAILABLE:
            return kExitUnavailable;
        case grpc::StatusCode::DEADLINE_EXCEEDED:
            return kExitTimeout;
        case grpc::StatusCode::RESOURCE_EXHAUSTED:
        case grpc::StatusCode::ABORTED:
            return kExitBusy;
        case grpc::StatusCode::CANCELLED:
            return kExitCancelled;
        default:
            return kExitError;
    }
}

int exitCodeFor(int rpcCode) {
    if (rpcCode < 0 || rpcCode > static_cast<int>(grpc::StatusCode::UNAUTHENTICATED)) return kExitError;
    return exitCodeFor(static_cast<grpc::StatusCode>(rpcCode));
}

std::string_view outcomeWord(int rpcCode) {
    switch (exitCodeFor(rpcCode)) {
        case kExitOk:
            return "ok";
        case kExitUsage:
            return "invalid";
        case kExitNotFound:
            return "not found";
        case kExitRejected:
            return "rejected";
        case kExitUnavailable:
            return "unavailable";
        case kExitTimeout:
            return "timeout";
        case kExitBusy:
            return "busy";
        case kExitCancelled:
            return "cancelled";
        default:
            return "failed";
    }
}

std::string_view statusCodeName(int rpcCode) {
    static constexpr std::string_view kNames[] = {
        "OK",        "CANCELLED",       "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
        "NOT_FOUND", "ALREADY_EXISTS",  "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED",   "OUT_OF_RANGE",    "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
        "DATA_LOSS", "UNAUTHENTICATED",
    };
    if (rpcCode < 0 || rpcCode >= static_cast<int>(std::size(kNames))) return "UNKNOWN";
    return kNames[rpcCode];
}

}  // namespace goprod::client
