// TLV commands (write GP-0072, response GP-0073): request builders for the
// camera (daemon side), request parsing (simulator side), and response
// encoders/parsers, including the hardware-info and version payloads.
// Pure: any thread.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/error.h"
#include "protocol/matching.h"
#include "protocol/result_codes.h"

namespace goprod::protocol {

enum class CommandId : std::uint8_t {
    SetShutter = 0x01,
    PowerDown = 0x04,  // the SDK's power_down; not in the spec's table
    Sleep = 0x05,
    SetDateTime = 0x0D,
    GetDateTime = 0x0E,
    SetLocalDateTime = 0x0F,
    GetLocalDateTime = 0x10,
    Reboot = 0x11,
    SetApControl = 0x17,
    Hilight = 0x18,
    GetHardwareInfo = 0x3C,
    LoadPresetGroup = 0x3E,
    LoadPreset = 0x40,
    SetThirdPartyClient = 0x50,  // "enable analytics" in the seed tutorial
    GetOpenGoProVersion = 0x51,
};

std::optional<std::string_view> commandName(std::uint8_t id);  // "Set Shutter"

enum class PresetGroup : std::uint16_t { Video = 1000, Photo = 1001, Timelapse = 1002 };
std::optional<PresetGroup> presetGroupFromName(std::string_view name);  // "video", "photo", "timelapse"
std::optional<std::string_view> presetGroupName(std::uint32_t id);

enum class ApControl : std::uint8_t { Off = 0, On = 1, Bounce = 2 };

struct DateTime {
    std::uint16_t year = 2000;
    std::uint8_t month = 1;   // 1..12
    std::uint8_t day = 1;     // 1..31
    std::uint8_t hour = 0;    // 0..23
    std::uint8_t minute = 0;  // 0..59
    std::uint8_t second = 0;  // 0..59
    bool operator==(const DateTime&) const = default;
};
// The date and time in `fields` (as gmtime_r and localtime_r fill them), a
// leap second as :59 (the wire has no second 60).
DateTime dateTimeFrom(const std::tm& fields);

struct LocalDateTime {
    DateTime time;
    std::int16_t utcOffsetMinutes = 0;
    bool dst = false;
    bool operator==(const LocalDateTime&) const = default;
};

namespace command {
Request setShutter(bool on);
Request sleep();
Request loadPresetGroup(PresetGroup group);
Request loadPreset(std::uint32_t presetId);
Request setThirdPartyClient();
Request setApControl(ApControl mode);
Request getHardwareInfo();
Request getOpenGoProVersion();
Result<Request> setDateTime(const DateTime& time);
Result<Request> setLocalDateTime(const LocalDateTime& time);
Request getDateTime();
Request getLocalDateTime();
Request hilight();
Request reboot();
// issue 15 group A: Power Down (0x04); the camera drops the link as after Sleep.
Request powerDown();
}  // namespace command

// [id][len][value]{[len][value]}*: the parameters as the length/value pairs they were sent as.
struct CommandRequest {
    std::uint8_t id = 0;
    std::vector<Bytes> params;
};
Result<CommandRequest> parseCommandRequest(ByteView message);

// [id][status][payload]
struct CommandResponse {
    std::uint8_t id = 0;
    std::uint8_t status = 0;
    Bytes payload;
    bool ok() const { return status == static_cast<std::uint8_t>(CameraStatus::Success); }
};
Result<CommandResponse> parseCommandResponse(ByteView message);
Bytes encodeCommandResponse(std::uint8_t id, std::uint8_t status, ByteView payload = {});

struct HardwareInfo {
    std::uint32_t modelNumber = 0;
    std::string modelName;
    std::string boardType;  // deprecated field, "0x05"
    std::string firmwareVersion;
    std::string serialNumber;
    std::string apSsid;
    std::string apMacAddress;
    bool operator==(const HardwareInfo&) const = default;
};
Result<HardwareInfo> parseHardwareInfo(ByteView payload);  // payload after [3C][status]
Bytes encodeHardwareInfo(const HardwareInfo& info);        // as cameras send it, with the reserved tail

struct OpenGoProVersion {
    std::uint32_t major = 0;
    std::uint32_t minor = 0;
    bool operator==(const OpenGoProVersion&) const = default;
};
Result<OpenGoProVersion> parseOpenGoProVersion(ByteView payload);
Bytes encodeOpenGoProVersion(OpenGoProVersion version);

Result<DateTime> parseDateTimeParams(ByteView value);            // the 7 bytes of Set Date Time
Result<LocalDateTime> parseLocalDateTimeParams(ByteView value);  // the 10 bytes of Set Local Date Time
Result<DateTime> parseDateTimeResponse(ByteView payload);        // Get Date Time payload [8]...[weekday]
Result<LocalDateTime> parseLocalDateTimeResponse(ByteView payload);
Bytes encodeDateTimeResponse(const DateTime& time);  // with the weekday the date falls on
Bytes encodeLocalDateTimeResponse(const LocalDateTime& time);

}  // namespace goprod::protocol
