#include "protocol/result_codes.h"

#include <array>

namespace goprod::protocol {

std::string_view cameraStatusName(std::uint8_t status) {
    switch (status) {
        case 0: return "success";
        case 1: return "error";
        case 2: return "invalid parameter";
        default: return "reserved";
    }
}

std::string_view resultGenericName(int result) {
    static constexpr std::array<std::string_view, 7> kNames = {
        "RESULT_UNKNOWN",          "RESULT_SUCCESS",          "RESULT_ILL_FORMED",
        "RESULT_NOT_SUPPORTED",    "RESULT_ARGUMENT_OUT_OF_BOUNDS", "RESULT_ARGUMENT_INVALID",
        "RESULT_RESOURCE_NOT_AVAILABLE",
    };
    if (result >= 0 && result < static_cast<int>(kNames.size())) return kNames[static_cast<std::size_t>(result)];
    return "RESULT_UNDEFINED";
}

std::string_view provisioningStateText(int state) {
    switch (state) {
        case 0: return "the camera does not know the connection state";
        case 1: return "the connection has not started";
        case 2: return "connecting";
        case 3: return "the camera aborted the connection";
        case 4: return "the connection was cancelled";
        case 5: return "connected to a new network";
        case 6: return "connected to a known network";
        case 7: return "the camera could not associate with the network";
        case 8: return "the network refused the password";
        case 9: return "the network needs its terms accepted in a browser first";
        case 10: return "connected, but the network has no internet access";
        case 11: return "the network's security type is not supported";
        default: return "unknown connection state";
    }
}

}  // namespace goprod::protocol
