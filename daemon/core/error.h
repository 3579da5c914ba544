// The daemon's error vocabulary: what can go wrong with a request to a camera,
// independent of how it is reported (gRPC status, CLI exit code). Pure values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/expected.h"

namespace goprod::core {

enum class Errc : std::uint8_t {
    InvalidArgument,     // a bad field from the caller
    NotFound,            // no such camera
    CameraRejected,      // the camera answered with a non-success status
    PairingFailed,       // BlueZ could not pair, or the link is not encrypted ("Not paired")
    Unavailable,         // not connected, the link dropped, or BlueZ is gone
    DeadlineExceeded,    // no answer before the request's deadline
    ResourceExhausted,   // the camera's queue is full
    Cancelled,           // the caller cancelled
    Internal,            // a bug or a malformed answer
};

std::string_view errcName(Errc code);

struct Error {
    Errc code = Errc::Internal;
    std::string message;
    std::optional<std::uint8_t> cameraStatus;  // with CameraRejected: the camera's status byte
};

template <class T>
using Result = Expected<T, Error>;

inline Unexpected<Error> fail(Errc code, std::string message) { return Unexpected{Error{code, std::move(message), {}}}; }

}  // namespace goprod::core
