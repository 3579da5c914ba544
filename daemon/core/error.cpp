#include "daemon/core/error.h"

namespace goprod::core {

std::string_view errcName(Errc code) {
    switch (code) {
        case Errc::InvalidArgument: return "invalid argument";
        case Errc::NotFound: return "not found";
        case Errc::CameraRejected: return "rejected by the camera";
        case Errc::PairingFailed: return "pairing failed";
        case Errc::Unavailable: return "unavailable";
        case Errc::DeadlineExceeded: return "deadline exceeded";
        case Errc::ResourceExhausted: return "resource exhausted";
        case Errc::Cancelled: return "cancelled";
        case Errc::Internal: return "internal error";
    }
    return "unknown error";
}

}  // namespace goprod::core
