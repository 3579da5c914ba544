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

}  // namespace goprod::protocol
