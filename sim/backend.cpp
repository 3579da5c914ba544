#include "sim/backend.h"

#include "protocol/text.h"

namespace goprod::sim {

CameraEndpoint* Backend::find(std::string_view identifier) {
    const std::string wanted = protocol::asciiLower(identifier);
    for (CameraEndpoint* endpoint : endpoints()) {
        const auto& config = endpoint->config();
        const std::string& serial = config.serial;
        if (wanted == protocol::asciiLower(config.address) || wanted == protocol::asciiLower(config.name()) ||
            wanted == protocol::asciiLower(serial) ||
            (serial.size() >= 4 && wanted == protocol::asciiLower(serial.substr(serial.size() - 4)))) {
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
