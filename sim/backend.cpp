#include "sim/backend.h"

#include <algorithm>
#include <cctype>

namespace goprod::sim {

std::string lowerCase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

CameraEndpoint* Backend::find(std::string_view identifier) {
    const std::string wanted = lowerCase(identifier);
    for (CameraEndpoint* endpoint : endpoints()) {
        const auto& config = endpoint->config();
        const std::string& serial = config.serial;
        if (wanted == lowerCase(config.address) || wanted == lowerCase(config.name()) || wanted == lowerCase(serial) ||
            (serial.size() >= 4 && wanted == lowerCase(serial.substr(serial.size() - 4)))) {
            return endpoint;
        }
    }
    return nullptr;
}

std::vector<std::uint8_t> advertisedManufacturerData(const Camera& camera) {
    const auto status = static_cast<std::uint8_t>((camera.asleep() ? 0 : 0x01) | (camera.apEnabled() ? 0x02 : 0));
    return {0x02, status, static_cast<std::uint8_t>(camera.config().modelNumber), 0x3F, 0, 0, 0, 0, 0, 0, 0, 0x0F};
}

}  // namespace goprod::sim
