// TLV settings (write GP-0074, response GP-0075): set-setting and keep-alive
// builders, request/response parsing, and the setting tables with value names.
// Pure: any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "protocol/bytes.h"
#include "protocol/error.h"
#include "protocol/matching.h"

namespace goprod::protocol {

namespace setting_id {
inline constexpr std::uint8_t kVideoResolution = 2;
inline constexpr std::uint8_t kFramesPerSecond = 3;
inline constexpr std::uint8_t kAutoPowerDown = 59;
inline constexpr std::uint8_t kLed = 91;  // value 0x42 is the keep-alive
inline constexpr std::uint8_t kVideoLens = 121;
}  // namespace setting_id

inline constexpr std::uint8_t kKeepAliveValue = 0x42;

namespace setting {
// [id][len][value]; the value is 1..8 bytes, big-endian.
Result<Request> set(std::uint8_t id, ByteView value);
Result<Request> set(std::uint8_t id, std::uint64_t value, std::size_t width = 1);
Request keepAlive();  // 03 5B 01 42
}  // namespace setting

struct SettingRequest {
    std::uint8_t id = 0;
    Bytes value;
};
Result<SettingRequest> parseSettingRequest(ByteView message);

struct SettingResponse {
    std::uint8_t id = 0;
    std::uint8_t status = 0;
};
Result<SettingResponse> parseSettingResponse(ByteView message);
Bytes encodeSettingResponse(std::uint8_t id, std::uint8_t status);

struct NamedValue {
    std::uint64_t value;
    std::string_view name;
};

struct SettingInfo {
    std::uint8_t id;
    std::string_view name;       // "Video Resolution"
    std::uint8_t width;          // bytes on the wire that the camera reports (1 or 8)
    std::span<const NamedValue> values;  // empty: any value
};

std::span<const SettingInfo> settingTable();
const SettingInfo* findSetting(std::uint8_t id);
// The width a value is written with when none is given: the table's, else 1.
std::size_t settingWidth(std::uint8_t id);
// The value for a name, case-insensitively ("2.7K", "240", "240.0", "5.3k").
std::optional<std::uint64_t> settingValue(std::uint8_t id, std::string_view name);
std::optional<std::string_view> settingValueName(std::uint8_t id, std::uint64_t value);

}  // namespace goprod::protocol
