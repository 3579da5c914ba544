#include "protocol/commands.h"

#include <algorithm>
#include <array>
#include <string>

#include "protocol/text.h"

namespace goprod::protocol {

namespace {

Request commandRequest(CommandId id, std::initializer_list<std::uint8_t> params = {},
                       RequestKind kind = RequestKind::Other) {
    Bytes message{static_cast<std::uint8_t>(id)};
    if (params.size() != 0) {
        message.push_back(static_cast<std::uint8_t>(params.size()));
        message.insert(message.end(), params);
    }
    return makeRequest(Characteristic::CommandRequest, std::move(message), kind);
}

Result<void> checkDateTime(const DateTime& t) {
    if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour > 23 || t.minute > 59 || t.second > 59) {
        return fail(Errc::InvalidArgument, "date/time field out of range");
    }
    return {};
}

void appendDateTime(Bytes& out, const DateTime& t) {
    appendBigEndian(out, t.year, 2);
    out.insert(out.end(), {t.month, t.day, t.hour, t.minute, t.second});
}

DateTime readDateTime(ByteView b) {  // 7 bytes
    return DateTime{static_cast<std::uint16_t>(readBigEndian(b.first(2))), b[2], b[3], b[4], b[5], b[6]};
}

// 0 = Sunday ... 6 = Saturday (Sakamoto's method).
std::uint8_t weekday(const DateTime& t) {
    static constexpr std::array<int, 12> kOffsets = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    int year = t.year;
    if (t.month < 3) year -= 1;
    const int month = std::clamp<int>(t.month, 1, 12);
    return static_cast<std::uint8_t>((year + year / 4 - year / 100 + year / 400 + kOffsets[month - 1] + t.day) % 7);
}

struct FieldReader {
    ByteView data;
    std::size_t pos = 0;

    // One [len][value] field.
    Result<ByteView> next(std::string_view what) {
        if (pos >= data.size()) return fail(Errc::Truncated, std::string(what) + " is missing");
        const std::size_t length = data[pos];
        if (pos + 1 + length > data.size()) {
            return fail(Errc::Truncated, std::string(what) + " announces " + std::to_string(length) +
                                             " bytes, only " + std::to_string(data.size() - pos - 1) + " left");
        }
        ByteView value = data.subspan(pos + 1, length);
        pos += 1 + length;
        return value;
    }
    Result<std::string> text(std::string_view what) {
        auto value = next(what);
        if (!value) return Unexpected{value.error()};
        return std::string(value->begin(), value->end());
    }
};

void appendField(Bytes& out, std::string_view text) {
    out.push_back(static_cast<std::uint8_t>(std::min<std::size_t>(text.size(), 255)));
    out.insert(out.end(), text.begin(), text.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(text.size(), 255)));
}

}  // namespace

std::optional<std::string_view> commandName(std::uint8_t id) {
    switch (static_cast<CommandId>(id)) {
        case CommandId::SetShutter: return "Set Shutter";
        case CommandId::PowerDown: return "Power Down";
        case CommandId::Sleep: return "Sleep";
        case CommandId::SetDateTime: return "Set Date Time";
        case CommandId::GetDateTime: return "Get Date Time";
        case CommandId::SetLocalDateTime: return "Set Local Date Time";
        case CommandId::GetLocalDateTime: return "Get Local Date Time";
        case CommandId::Reboot: return "Reboot";
        case CommandId::SetApControl: return "Set AP Control";
        case CommandId::Hilight: return "Hilight Moment";
        case CommandId::GetHardwareInfo: return "Get Hardware Info";
        case CommandId::LoadPresetGroup: return "Load Preset Group";
        case CommandId::LoadPreset: return "Load Preset";
        case CommandId::SetThirdPartyClient: return "Set Third-Party Client";
        case CommandId::GetOpenGoProVersion: return "Get Open GoPro Version";
    }
    return std::nullopt;
}

std::optional<PresetGroup> presetGroupFromName(std::string_view name) {
    const std::string lower = asciiLower(name);
    if (lower == "video") return PresetGroup::Video;
    if (lower == "photo") return PresetGroup::Photo;
    if (lower == "timelapse") return PresetGroup::Timelapse;
    return std::nullopt;
}

std::optional<std::string_view> presetGroupName(std::uint32_t id) {
    switch (id) {
        case 1000: return "video";
        case 1001: return "photo";
        case 1002: return "timelapse";
        default: return std::nullopt;
    }
}

DateTime dateTimeFrom(const std::tm& fields) {
    DateTime time;
    time.year = static_cast<std::uint16_t>(fields.tm_year + 1900);
    time.month = static_cast<std::uint8_t>(fields.tm_mon + 1);
    time.day = static_cast<std::uint8_t>(fields.tm_mday);
    time.hour = static_cast<std::uint8_t>(fields.tm_hour);
    time.minute = static_cast<std::uint8_t>(fields.tm_min);
    time.second = static_cast<std::uint8_t>(std::min(fields.tm_sec, 59));
    return time;
}

namespace command {

Request setShutter(bool on) {
    return commandRequest(CommandId::SetShutter, {static_cast<std::uint8_t>(on ? 1 : 0)},
                          on ? RequestKind::Other : RequestKind::ShutterOff);
}
Request sleep() { return commandRequest(CommandId::Sleep, {}, RequestKind::Sleep); }
Request setThirdPartyClient() { return commandRequest(CommandId::SetThirdPartyClient); }
Request getHardwareInfo() { return commandRequest(CommandId::GetHardwareInfo); }
Request getOpenGoProVersion() { return commandRequest(CommandId::GetOpenGoProVersion); }
Request getDateTime() { return commandRequest(CommandId::GetDateTime); }
Request getLocalDateTime() { return commandRequest(CommandId::GetLocalDateTime); }
Request hilight() { return commandRequest(CommandId::Hilight); }
Request reboot() { return commandRequest(CommandId::Reboot); }
// A camera that powers down on request is no loss, as with Sleep.
Request powerDown() { return commandRequest(CommandId::PowerDown, {}, RequestKind::Sleep); }

Request setApControl(ApControl mode) { return commandRequest(CommandId::SetApControl, {static_cast<std::uint8_t>(mode)}); }

// The group ID goes out as 2 bytes, as the seeds and the SDK send it.
Request loadPresetGroup(PresetGroup group) {
    const auto id = static_cast<std::uint16_t>(group);
    return commandRequest(CommandId::LoadPresetGroup,
                          {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)});
}

Request loadPreset(std::uint32_t presetId) {
    return commandRequest(CommandId::LoadPreset,
                          {static_cast<std::uint8_t>(presetId >> 24), static_cast<std::uint8_t>(presetId >> 16),
                           static_cast<std::uint8_t>(presetId >> 8), static_cast<std::uint8_t>(presetId)});
}

Result<Request> setDateTime(const DateTime& time) {
    if (auto ok = checkDateTime(time); !ok) return Unexpected{ok.error()};
    Bytes message{static_cast<std::uint8_t>(CommandId::SetDateTime), 7};
    appendDateTime(message, time);
    return makeRequest(Characteristic::CommandRequest, std::move(message), RequestKind::Other);
}

Result<Request> setLocalDateTime(const LocalDateTime& time) {
    if (auto ok = checkDateTime(time.time); !ok) return Unexpected{ok.error()};
    Bytes message{static_cast<std::uint8_t>(CommandId::SetLocalDateTime), 10};
    appendDateTime(message, time.time);
    appendBigEndian(message, static_cast<std::uint16_t>(time.utcOffsetMinutes), 2);
    message.push_back(time.dst ? 1 : 0);
    return makeRequest(Characteristic::CommandRequest, std::move(message), RequestKind::Other);
}

}  // namespace command

Result<CommandRequest> parseCommandRequest(ByteView message) {
    if (message.empty()) return fail(Errc::Truncated, "empty command");
    CommandRequest request{message[0], {}};
    FieldReader reader{message, 1};
    while (reader.pos < message.size()) {
        auto param = reader.next("command parameter");
        if (!param) return fail(Errc::Malformed, param.error().detail);
        request.params.emplace_back(param->begin(), param->end());
    }
    return request;
}

Result<CommandResponse> parseCommandResponse(ByteView message) {
    if (message.size() < 2) return fail(Errc::Truncated, "a command response needs an ID and a status");
    return CommandResponse{message[0], message[1], Bytes(message.begin() + 2, message.end())};
}

Bytes encodeCommandResponse(std::uint8_t id, std::uint8_t status, ByteView payload) {
    Bytes out;  // not Bytes{id, status}: GCC 12 then warns falsely about insert()
    out.reserve(2 + payload.size());
    out.push_back(id);
    out.push_back(status);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

Result<HardwareInfo> parseHardwareInfo(ByteView payload) {
    FieldReader reader{payload};
    HardwareInfo info;
    auto model = reader.next("model number");
    if (!model) return Unexpected{model.error()};
    if (model->size() > 4) return fail(Errc::Malformed, "model number wider than 4 bytes");
    info.modelNumber = static_cast<std::uint32_t>(readBigEndian(*model));
    for (auto [field, what] : {std::pair{&info.modelName, "model name"}, {&info.boardType, "board type"},
                               {&info.firmwareVersion, "firmware version"}, {&info.serialNumber, "serial number"},
                               {&info.apSsid, "AP SSID"}, {&info.apMacAddress, "AP MAC address"}}) {
        auto value = reader.text(what);
        if (!value) return Unexpected{value.error()};
        *field = std::move(*value);
    }
    return info;  // trailing reserved bytes are not part of the payload
}

Bytes encodeHardwareInfo(const HardwareInfo& info) {
    Bytes out{4};
    appendBigEndian(out, info.modelNumber, 4);
    for (const std::string* field : {&info.modelName, &info.boardType, &info.firmwareVersion, &info.serialNumber,
                                     &info.apSsid, &info.apMacAddress}) {
        appendField(out, *field);
    }
    // Reserved tail that real cameras append (HERO12 capture).
    out.insert(out.end(), {0x01, 0x00, 0x01, 0x01, 0x01, 0x00, 0x02, 0x5B, 0x5D, 0x01, 0x01});
    return out;
}

Result<OpenGoProVersion> parseOpenGoProVersion(ByteView payload) {
    FieldReader reader{payload};
    auto major = reader.next("major version");
    if (!major) return Unexpected{major.error()};
    auto minor = reader.next("minor version");
    if (!minor) return Unexpected{minor.error()};
    if (major->size() > 4 || minor->size() > 4) return fail(Errc::Malformed, "version wider than 4 bytes");
    return OpenGoProVersion{static_cast<std::uint32_t>(readBigEndian(*major)),
                            static_cast<std::uint32_t>(readBigEndian(*minor))};
}

Bytes encodeOpenGoProVersion(OpenGoProVersion version) {
    Bytes out;
    for (const std::uint32_t part : {version.major, version.minor}) {
        std::size_t width = 1;  // as few bytes as the number needs: 2.0 is 01 02 01 00
        while (width < 4 && (part >> (8 * width)) != 0) ++width;
        out.push_back(static_cast<std::uint8_t>(width));
        appendBigEndian(out, part, width);
    }
    return out;
}

Result<DateTime> parseDateTimeParams(ByteView value) {
    if (value.size() != 7) return fail(Errc::Malformed, "a date/time is 7 bytes, got " + std::to_string(value.size()));
    DateTime time = readDateTime(value);
    if (auto ok = checkDateTime(time); !ok) return Unexpected{ok.error()};
    return time;
}

Result<LocalDateTime> parseLocalDateTimeParams(ByteView value) {
    if (value.size() != 10) {
        return fail(Errc::Malformed, "a local date/time is 10 bytes, got " + std::to_string(value.size()));
    }
    auto time = parseDateTimeParams(value.first(7));
    if (!time) return Unexpected{time.error()};
    return LocalDateTime{*time, static_cast<std::int16_t>(readBigEndian(value.subspan(7, 2))), value[9] != 0};
}

Result<DateTime> parseDateTimeResponse(ByteView payload) {
    if (payload.size() < 9 || payload[0] != 8) return fail(Errc::Malformed, "Get Date Time payload is [8] + 8 bytes");
    return parseDateTimeParams(payload.subspan(1, 7));
}

Result<LocalDateTime> parseLocalDateTimeResponse(ByteView payload) {
    if (payload.size() < 11 || payload[0] != 10) {
        return fail(Errc::Malformed, "Get Local Date Time payload is [10] + 10 bytes");
    }
    return parseLocalDateTimeParams(payload.subspan(1, 10));
}

Bytes encodeDateTimeResponse(const DateTime& time) {
    Bytes out{8};
    appendDateTime(out, time);
    out.push_back(weekday(time));
    return out;
}

Bytes encodeLocalDateTimeResponse(const LocalDateTime& time) {
    Bytes out{10};
    appendDateTime(out, time.time);
    appendBigEndian(out, static_cast<std::uint16_t>(time.utcOffsetMinutes), 2);
    out.push_back(time.dst ? 1 : 0);
    return out;
}

}  // namespace goprod::protocol
