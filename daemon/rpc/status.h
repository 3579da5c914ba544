// The API's error table, the one place that turns the daemon's errors
// (core::Errc) and the camera's result codes into gRPC status codes. api/README.md
// documents the same table for clients; tests/rpc/status_test.cpp checks each row.
// Pure functions: any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <grpcpp/support/status.h>

#include "daemon/core/error.h"
#include "protocol/error.h"

namespace goprod::rpc {

// InvalidArgument → INVALID_ARGUMENT, NotFound → NOT_FOUND,
// CameraRejected → FAILED_PRECONDITION, PairingFailed → FAILED_PRECONDITION
// (UNAUTHENTICATED is about the gRPC caller's credentials; a failed BLE pairing
// needs the user to act on the camera, which is what FAILED_PRECONDITION says),
// Unavailable → UNAVAILABLE, DeadlineExceeded → DEADLINE_EXCEEDED,
// ResourceExhausted → RESOURCE_EXHAUSTED, Cancelled → CANCELLED, Internal → INTERNAL.
grpc::StatusCode statusCode(core::Errc code);

// The status message clients see:
//   CameraRejected: "<message>: camera status 2 (invalid parameter)"
//   PairingFailed:  "pairing failed: <message>"
//   others:         "<message>" (the code's name when the message is empty)
std::string statusMessage(const core::Error& error);

grpc::Status toStatus(const core::Error& error);

// A camera's answer with a non-success status byte: CameraRejected carrying the
// status. `what` names the request for the message ("Set Shutter").
core::Error cameraRejected(std::string_view what, std::uint8_t cameraStatus);

// Success, or cameraRejected() when `cameraStatus` is not protocol::CameraStatus::Success.
core::Result<void> checkCameraStatus(std::string_view what, std::uint8_t cameraStatus);

// An answer the protocol parsers refuse: the camera (or goprod) broke the
// protocol, not the caller, so Internal.
core::Error malformedAnswer(std::string_view what, const protocol::Error& error);

}  // namespace goprod::rpc
