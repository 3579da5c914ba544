#include "daemon/rpc/status.h"

#include "protocol/result_codes.h"

namespace goprod::rpc {

grpc::StatusCode statusCode(core::Errc code) {
    switch (code) {
        case core::Errc::InvalidArgument:
            return grpc::StatusCode::INVALID_ARGUMENT;
        case core::Errc::NotFound:
            return grpc::StatusCode::NOT_FOUND;
        case core::Errc::CameraRejected:
            return grpc::StatusCode::FAILED_PRECONDITION;
        case core::Errc::PairingFailed:
            return grpc::StatusCode::FAILED_PRECONDITION;
        case core::Errc::Unavailable:
            return grpc::StatusCode::UNAVAILABLE;
        case core::Errc::DeadlineExceeded:
            return grpc::StatusCode::DEADLINE_EXCEEDED;
        case core::Errc::ResourceExhausted:
            return grpc::StatusCode::RESOURCE_EXHAUSTED;
        case core::Errc::Cancelled:
            return grpc::StatusCode::CANCELLED;
        case core::Errc::Internal:
            return grpc::StatusCode::INTERNAL;
    }
    return grpc::StatusCode::INTERNAL;
}

std::string statusMessage(const core::Error& error) {
    std::string message = error.message.empty() ? std::string(core::errcName(error.code)) : error.message;
    switch (error.code) {
        case core::Errc::CameraRejected:
            if (error.cameraStatus) {
                message += ": camera status " + std::to_string(*error.cameraStatus) + " (" +
                           std::string(protocol::cameraStatusName(*error.cameraStatus)) + ")";
            }
            break;
        case core::Errc::PairingFailed:
            // Clients tell pairing failures from rejections by this prefix.
            if (!error.message.empty()) message = "pairing failed: " + error.message;
            break;
        default:
            break;
    }
    return message;
}

grpc::Status toStatus(const core::Error& error) { return {statusCode(error.code), statusMessage(error)}; }

core::Error cameraRejected(std::string_view what, std::uint8_t cameraStatus) {
    return core::Error{core::Errc::CameraRejected, "the camera rejected " + std::string(what), cameraStatus};
}

core::Result<void> checkCameraStatus(std::string_view what, std::uint8_t cameraStatus) {
    if (cameraStatus == static_cast<std::uint8_t>(protocol::CameraStatus::Success)) return {};
    return Unexpected{cameraRejected(what, cameraStatus)};
}

core::Error malformedAnswer(std::string_view what, const protocol::Error& error) {
    return core::Error{
        core::Errc::Internal, "malformed answer to " + std::string(what) + ": " + protocol::describe(error), {}};
}

}  // namespace goprod::rpc
