// Camera result codes: the TLV status byte and protobuf EnumResultGeneric.
// The one place that names them. Pure: any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace goprod::protocol {

// Status byte of TLV command, setting and query responses. 3..255 are reserved.
enum class CameraStatus : std::uint8_t {
    Success = 0,
    Error = 1,
    InvalidParameter = 2,
};

std::string_view cameraStatusName(std::uint8_t status);  // "success", "error", "invalid parameter", "reserved"

// open_gopro.EnumResultGeneric, by value, as "RESULT_SUCCESS"... ("RESULT_UNDEFINED" if unknown).
std::string_view resultGenericName(int result);
inline constexpr int kResultSuccess = 1;

// open_gopro.EnumProvisioning (the camera's station-mode connection state),
// by meaning: 8 -> "the network refused the password". For messages and progress.
std::string_view provisioningStateText(int state);

}  // namespace goprod::protocol
