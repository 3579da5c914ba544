// The GoPro GATT table: services, characteristics, their UUIDs and which
// response characteristic answers which request characteristic.
// Constant data: any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace goprod::protocol {

enum class Service : std::uint8_t {
    WifiAccessPoint,    // GP-0001
    ControlAndQuery,    // 0xFEA6
    CameraManagement,   // GP-0090
    Internal,           // GP-0080, undocumented
};

enum class Characteristic : std::uint8_t {
    WifiApSsid,                 // GP-0002, read, no framing
    WifiApPassword,             // GP-0003, read, no framing
    WifiApPower,                // GP-0004
    WifiApState,                // GP-0005
    WifiCsiPassword,            // GP-0006, undocumented
    CommandRequest,             // GP-0072
    CommandResponse,            // GP-0073
    SettingRequest,             // GP-0074
    SettingResponse,            // GP-0075
    QueryRequest,               // GP-0076
    QueryResponse,              // GP-0077
    SensorRequest,              // GP-0078, undocumented
    SensorResponse,             // GP-0079, undocumented
    NetworkManagementRequest,   // GP-0091
    NetworkManagementResponse,  // GP-0092
    Internal81,                 // GP-0081..0084, undocumented
    Internal82,
    Internal83,
    Internal84,
};

// GATT characteristic properties, as BlueZ spells them in GattCharacteristic1.Flags.
enum Property : std::uint8_t {
    kRead = 1 << 0,
    kWrite = 1 << 1,
    kNotify = 1 << 2,
    kIndicate = 1 << 3,
};

struct ServiceInfo {
    Service id;
    std::string_view uuid;
    std::string_view name;
};

struct CharacteristicInfo {
    Characteristic id;
    Service service;
    std::string_view shortName;  // "GP-0072"
    std::string_view uuid;       // full 128-bit, lower case
    std::string_view name;       // "Command Request"
    std::uint8_t properties;     // Property bits
    bool encrypted;              // needs a paired (encrypted) link
};

inline constexpr std::string_view kGoProServiceUuid16 = "fea6";
inline constexpr std::string_view kControlAndQueryServiceUuid = "0000fea6-0000-1000-8000-00805f9b34fb";

std::span<const ServiceInfo> services();
std::span<const CharacteristicInfo> characteristics();
const CharacteristicInfo& info(Characteristic c);
const ServiceInfo& info(Service s);

// Accepts the full UUID (any case), "GP-0072", "0072" or "b5f90072".
std::optional<Characteristic> findCharacteristic(std::string_view text);

// Whether `c` carries answers and notifications (0073, 0075, 0077, 0079, 0092).
bool isResponseCharacteristic(Characteristic c);

// The characteristic whose notifications answer writes to `request`
// (0072→0073, 0074→0075, 0076→0077, 0078→0079, 0091→0092).
std::optional<Characteristic> responseCharacteristic(Characteristic request);

}  // namespace goprod::protocol
