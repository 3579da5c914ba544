#include "protocol/gatt.h"

#include <algorithm>
#include <array>
#include <string>

#include "protocol/text.h"

namespace goprod::protocol {

namespace {

constexpr std::array kServices = {
    ServiceInfo{Service::WifiAccessPoint, "b5f90001-aa8d-11e3-9046-0002a5d5c51b", "WiFi Access Point"},
    ServiceInfo{Service::ControlAndQuery, kControlAndQueryServiceUuid, "Control & Query"},
    ServiceInfo{Service::CameraManagement, "b5f90090-aa8d-11e3-9046-0002a5d5c51b", "Camera Management"},
    ServiceInfo{Service::Internal, "b5f90080-aa8d-11e3-9046-0002a5d5c51b", "Internal"},
};

using C = Characteristic;
using S = Service;
// Flags as bluetoothd shows them for a real camera; protected characteristics
// need an encrypted (paired) link, like the camera's AP credentials and controls.
constexpr std::array kCharacteristics = {
    CharacteristicInfo{C::WifiApSsid, S::WifiAccessPoint, "GP-0002", "b5f90002-aa8d-11e3-9046-0002a5d5c51b",
                       "WiFi AP SSID", kRead | kWrite, true},
    CharacteristicInfo{C::WifiApPassword, S::WifiAccessPoint, "GP-0003", "b5f90003-aa8d-11e3-9046-0002a5d5c51b",
                       "WiFi AP Password", kRead | kWrite, true},
    CharacteristicInfo{C::WifiApPower, S::WifiAccessPoint, "GP-0004", "b5f90004-aa8d-11e3-9046-0002a5d5c51b",
                       "WiFi AP Power", kWrite, true},
    CharacteristicInfo{C::WifiApState, S::WifiAccessPoint, "GP-0005", "b5f90005-aa8d-11e3-9046-0002a5d5c51b",
                       "WiFi AP State", kRead | kIndicate, true},
    CharacteristicInfo{C::WifiCsiPassword, S::WifiAccessPoint, "GP-0006", "b5f90006-aa8d-11e3-9046-0002a5d5c51b",
                       "CSI Password", kRead | kWrite, true},
    CharacteristicInfo{C::CommandRequest, S::ControlAndQuery, "GP-0072", "b5f90072-aa8d-11e3-9046-0002a5d5c51b",
                       "Command Request", kWrite, true},
    CharacteristicInfo{C::CommandResponse, S::ControlAndQuery, "GP-0073", "b5f90073-aa8d-11e3-9046-0002a5d5c51b",
                       "Command Response", kNotify, true},
    CharacteristicInfo{C::SettingRequest, S::ControlAndQuery, "GP-0074", "b5f90074-aa8d-11e3-9046-0002a5d5c51b",
                       "Setting Request", kWrite, true},
    CharacteristicInfo{C::SettingResponse, S::ControlAndQuery, "GP-0075", "b5f90075-aa8d-11e3-9046-0002a5d5c51b",
                       "Setting Response", kNotify, true},
    CharacteristicInfo{C::QueryRequest, S::ControlAndQuery, "GP-0076", "b5f90076-aa8d-11e3-9046-0002a5d5c51b",
                       "Query Request", kWrite, true},
    CharacteristicInfo{C::QueryResponse, S::ControlAndQuery, "GP-0077", "b5f90077-aa8d-11e3-9046-0002a5d5c51b",
                       "Query Response", kNotify, true},
    CharacteristicInfo{C::SensorRequest, S::ControlAndQuery, "GP-0078", "b5f90078-aa8d-11e3-9046-0002a5d5c51b",
                       "Sensor Request", kWrite, true},
    CharacteristicInfo{C::SensorResponse, S::ControlAndQuery, "GP-0079", "b5f90079-aa8d-11e3-9046-0002a5d5c51b",
                       "Sensor Response", kNotify, true},
    CharacteristicInfo{C::NetworkManagementRequest, S::CameraManagement, "GP-0091",
                       "b5f90091-aa8d-11e3-9046-0002a5d5c51b", "Network Management Request", kWrite, true},
    CharacteristicInfo{C::NetworkManagementResponse, S::CameraManagement, "GP-0092",
                       "b5f90092-aa8d-11e3-9046-0002a5d5c51b", "Network Management Response", kNotify, true},
    CharacteristicInfo{C::Internal81, S::Internal, "GP-0081", "b5f90081-aa8d-11e3-9046-0002a5d5c51b",
                       "Internal 81", kNotify, false},
    CharacteristicInfo{C::Internal82, S::Internal, "GP-0082", "b5f90082-aa8d-11e3-9046-0002a5d5c51b",
                       "Internal 82", kWrite, false},
    CharacteristicInfo{C::Internal83, S::Internal, "GP-0083", "b5f90083-aa8d-11e3-9046-0002a5d5c51b",
                       "Internal 83", kNotify, false},
    CharacteristicInfo{C::Internal84, S::Internal, "GP-0084", "b5f90084-aa8d-11e3-9046-0002a5d5c51b",
                       "Internal 84", kNotify, false},
};

}  // namespace

std::span<const ServiceInfo> services() { return kServices; }
std::span<const CharacteristicInfo> characteristics() { return kCharacteristics; }

const CharacteristicInfo& info(Characteristic c) {
    for (const auto& entry : kCharacteristics) {
        if (entry.id == c) return entry;
    }
    return kCharacteristics.front();  // unreachable: the table covers the enum
}

const ServiceInfo& info(Service s) {
    for (const auto& entry : kServices) {
        if (entry.id == s) return entry;
    }
    return kServices.front();
}

std::optional<Characteristic> findCharacteristic(std::string_view text) {
    const std::string wanted = asciiLower(text);
    for (const auto& entry : kCharacteristics) {
        const std::string_view shortId = entry.shortName.substr(3);  // "0072"
        if (wanted == entry.uuid || wanted == asciiLower(entry.shortName) || wanted == shortId ||
            wanted == entry.uuid.substr(0, 8)) {
            return entry.id;
        }
    }
    return std::nullopt;
}

bool isResponseCharacteristic(Characteristic c) {
    return std::any_of(kCharacteristics.begin(), kCharacteristics.end(),
                       [c](const CharacteristicInfo& info) { return responseCharacteristic(info.id) == c; });
}

std::optional<Characteristic> responseCharacteristic(Characteristic request) {
    switch (request) {
        case C::CommandRequest: return C::CommandResponse;
        case C::SettingRequest: return C::SettingResponse;
        case C::QueryRequest: return C::QueryResponse;
        case C::SensorRequest: return C::SensorResponse;
        case C::NetworkManagementRequest: return C::NetworkManagementResponse;
        default: return std::nullopt;
    }
}

}  // namespace goprod::protocol
