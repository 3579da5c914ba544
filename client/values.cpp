#include "client/values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <optional>
#include <vector>

#include "protocol/commands.h"
#include "protocol/gatt.h"
#include "protocol/queries.h"
#include "protocol/settings.h"
#include "protocol/text.h"

namespace goprod::client {

namespace {

// "Video Resolution", "video-resolution" and "VIDEO_RESOLUTION" all become
// "videoresolution": table names have spaces, which shells make awkward.
std::string squeezed(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (c != ' ' && c != '-' && c != '_') out.push_back(static_cast<char>(std::tolower(c)));
    }
    return out;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

template <class Info>
Parsed<std::uint32_t> idByName(std::string_view text, std::span<const Info> table, std::string_view what) {
    if (!text.empty() && std::isdigit(static_cast<unsigned char>(text.front()))) {
        auto id = parseUnsigned(text, 255, std::string(what) + " ID");
        if (!id) return invalid(id.error());
        return static_cast<std::uint32_t>(*id);
    }
    const std::string wanted = squeezed(text);
    std::vector<const Info*> matches;
    for (const Info& info : table) {
        if (squeezed(info.name) == wanted) matches.push_back(&info);
    }
    if (matches.size() == 1) return static_cast<std::uint32_t>(matches.front()->id);
    if (matches.empty())
        return invalid("unknown " + std::string(what) + " " + quoted(text) + ": give its number (0..255) or its name");
    std::string ids;
    for (const Info* info : matches) ids += (ids.empty() ? "" : ", ") + std::to_string(info->id);
    return invalid(std::string(what) + " name " + quoted(text) + " is ambiguous: IDs " + ids);
}

// The value of setting `id` for a name, also accepting the suffixes people
// add out of habit ("1080p", "60fps").
std::optional<std::uint64_t> namedValue(std::uint8_t id, std::string_view name, std::string_view suffix) {
    if (auto value = protocol::settingValue(id, name)) return value;
    const std::string text = protocol::asciiLower(name);
    if (text.size() > suffix.size() && text.ends_with(suffix)) {
        return protocol::settingValue(id, std::string_view(text).substr(0, text.size() - suffix.size()));
    }
    return std::nullopt;
}

v1::SetSettingRequest genericRequest(std::uint32_t id, std::uint64_t value) {
    v1::SetSettingRequest request;
    request.mutable_generic()->set_id(id);
    request.mutable_generic()->set_value(value);
    return request;
}

}  // namespace

Parsed<std::uint64_t> parseUnsigned(std::string_view text, std::uint64_t max, std::string_view what) {
    int base = 10;
    std::string_view digits = text;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        base = 16;
        digits.remove_prefix(2);
    }
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (digits.empty() || ec == std::errc::invalid_argument || end != digits.data() + digits.size()) {
        return invalid("invalid " + std::string(what) + " " + quoted(text) + ": expected a number");
    }
    if (ec == std::errc::result_out_of_range || value > max) {
        return invalid(std::string(what) + " " + std::string(text) + " is out of range (0.." + std::to_string(max) +
                       ")");
    }
    return value;
}

Parsed<bool> parseOnOff(std::string_view text) {
    const std::string word = protocol::asciiLower(text);
    if (word == "on") return true;
    if (word == "off") return false;
    return invalid("expected on or off, got " + quoted(text));
}

namespace {
// Digits of `text` at [at, at + count) as a number, or -1.
int digitsAt(std::string_view text, std::size_t at, std::size_t count) {
    if (at + count > text.size()) return -1;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

// "2026-12-07T13:30:00[.frac](Z|+01:00)"
std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text) {
    std::tm tm{};
    const int year = digitsAt(text, 0, 4), month = digitsAt(text, 5, 2), day = digitsAt(text, 8, 2);
    const int hour = digitsAt(text, 11, 2), minute = digitsAt(text, 14, 2), second = digitsAt(text, 17, 2);
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' || text[16] != ':' || year < 0 ||
        month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
        second < 0 || second > 60) {
        return std::nullopt;
    }
    std::size_t at = 19;
    std::chrono::nanoseconds fraction{0};
    if (text[at] == '.') {
        std::int64_t scale = 100'000'000;
        for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, scale /= 10) {
            fraction += std::chrono::nanoseconds((text[at] - '0') * scale);
        }
    }
    int offsetMinutes = 0;
    const auto zone = text.substr(at);
    if (zone == "Z" || zone == "z") {
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' && digitsAt(zone, 1, 2) >= 0 &&
               digitsAt(zone, 4, 2) >= 0) {
        offsetMinutes = (zone[0] == '-' ? -1 : 1) * (digitsAt(zone, 1, 2) * 60 + digitsAt(zone, 4, 2));
    } else {
        return std::nullopt;
    }
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    const std::time_t utc = timegm(&tm);
    return std::chrono::system_clock::from_time_t(utc) - std::chrono::minutes(offsetMinutes) +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(fraction);
}
}  // namespace

Parsed<std::chrono::system_clock::time_point> parseInstant(std::string_view text,
                                                           std::chrono::system_clock::time_point now,
                                                           std::string_view option) {
    const std::string wrong = std::string(option) + " \"" + std::string(text) +
                              "\" is not a time (give +2s, -250ms, -1h, -2d or an RFC 3339 time such as "
                              "2026-12-07T13:30:00Z)";
    if (text.starts_with('+') || text.starts_with('-')) {
        const std::string number(text.substr(1));
        std::size_t used = 0;
        double value = 0;
        try {
            value = std::stod(number, &used);
        } catch (const std::exception&) {
            return invalid(wrong);
        }
        const std::string_view unit = std::string_view(number).substr(used);
        const double scale = unit == "ms"  ? 0.001
                             : unit == "s" ? 1
                             : unit == "m" ? 60
                             : unit == "h" ? 3600
                             : unit == "d" ? 86400
                                           : -1;
        if (scale < 0 || !(value >= 0) || value * scale > 366 * 86400.0 || !std::isdigit(number.front())) {
            return invalid(wrong);
        }
        const auto offset = std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::duration<double>(value * scale));
        return text.starts_with('+') ? now + offset : now - offset;
    }
    if (auto instant = parseRfc3339(text)) return *instant;
    return invalid(wrong);
}

Parsed<v1::SetSettingRequest> resolutionSetting(std::string_view name) {
    const auto value = namedValue(protocol::setting_id::kVideoResolution, name, "p");
    if (!value) {
        return invalid("unknown resolution " + quoted(name) +
                       "; known: " + valueNames(protocol::setting_id::kVideoResolution));
    }
    if (*value != 0 && v1::VideoResolution_IsValid(static_cast<int>(*value))) {
        v1::SetSettingRequest request;
        request.set_resolution(static_cast<v1::VideoResolution>(*value));
        return request;
    }
    return genericRequest(protocol::setting_id::kVideoResolution, *value);
}

Parsed<v1::SetSettingRequest> fpsSetting(std::string_view name) {
    const auto value = namedValue(protocol::setting_id::kFramesPerSecond, name, "fps");
    if (!value) {
        return invalid("unknown frame rate " + quoted(name) +
                       "; known: " + valueNames(protocol::setting_id::kFramesPerSecond));
    }
    if (v1::FramesPerSecond_IsValid(static_cast<int>(*value))) {
        v1::SetSettingRequest request;
        request.set_fps(static_cast<v1::FramesPerSecond>(*value));
        return request;
    }
    return genericRequest(protocol::setting_id::kFramesPerSecond, *value);
}

Parsed<v1::SetSettingRequest> genericSetting(std::string_view idText, std::string_view valueText) {
    const auto id = parseSettingId(idText);
    if (!id) return invalid(id.error());
    const auto settingId = static_cast<std::uint8_t>(*id);
    const protocol::SettingInfo* info = protocol::findSetting(settingId);
    const std::string label = "setting " + std::to_string(*id) + (info ? " (" + std::string(info->name) + ")" : "");
    if (auto value = protocol::settingValue(settingId, valueText)) return genericRequest(*id, *value);

    // What goprod will write (GenericSetting.width = 0).
    const std::uint64_t max = protocol::largestValue(protocol::settingWidth(settingId));
    const bool numeric = !valueText.empty() && std::isdigit(static_cast<unsigned char>(valueText.front()));
    if (!numeric) {
        if (info && !info->values.empty()) {
            return invalid("unknown value " + quoted(valueText) + " for " + label +
                           "; known: " + valueNames(settingId));
        }
        return invalid(label + " takes a number, got " + quoted(valueText));
    }
    auto value = parseUnsigned(valueText, max, "value for " + label);
    if (!value) return invalid(value.error());
    return genericRequest(*id, *value);
}

Parsed<std::uint32_t> parseSettingId(std::string_view text) {
    const std::string word = protocol::asciiLower(text);
    if (word == "resolution") return std::uint32_t{protocol::setting_id::kVideoResolution};
    if (word == "fps") return std::uint32_t{protocol::setting_id::kFramesPerSecond};
    return idByName(text, protocol::settingTable(), "setting");
}

Parsed<std::uint32_t> parseStatusId(std::string_view text) { return idByName(text, protocol::statusTable(), "status"); }

Parsed<v1::PresetGroup> parsePresetGroup(std::string_view text) {
    const auto group = protocol::presetGroupFromName(text);
    if (!group) return invalid("unknown preset group " + quoted(text) + "; known: video, photo, timelapse");
    // The API enum carries the camera's own group IDs (1000..1002).
    return static_cast<v1::PresetGroup>(static_cast<int>(*group));
}

Parsed<v1::Characteristic> parseCharacteristic(std::string_view text) {
    using C = protocol::Characteristic;
    const std::string word = protocol::asciiLower(text);
    if (word == "command") return v1::CHARACTERISTIC_COMMAND;
    if (word == "settings" || word == "setting") return v1::CHARACTERISTIC_SETTINGS;
    if (word == "query") return v1::CHARACTERISTIC_QUERY;
    if (word == "network") return v1::CHARACTERISTIC_NETWORK;
    const auto found = protocol::findCharacteristic(text);
    if (found) {
        switch (*found) {
            case C::CommandRequest:
                return v1::CHARACTERISTIC_COMMAND;
            case C::SettingRequest:
                return v1::CHARACTERISTIC_SETTINGS;
            case C::QueryRequest:
                return v1::CHARACTERISTIC_QUERY;
            case C::NetworkManagementRequest:
                return v1::CHARACTERISTIC_NETWORK;
            default:
                break;
        }
        const auto& info = protocol::info(*found);
        std::string hint;
        switch (*found) {
            case C::CommandResponse:
                hint = "; write to GP-0072 (command)";
                break;
            case C::SettingResponse:
                hint = "; write to GP-0074 (settings)";
                break;
            case C::QueryResponse:
                hint = "; write to GP-0076 (query)";
                break;
            case C::NetworkManagementResponse:
                hint = "; write to GP-0091 (network)";
                break;
            default:
                break;
        }
        return invalid(std::string(info.shortName) + " (" + std::string(info.name) +
                       ") cannot be written through goprod" + hint);
    }
    return invalid("unknown characteristic " + quoted(text) +
                   "; known: command (GP-0072), settings (GP-0074), query (GP-0076), network (GP-0091)");
}

Parsed<protocol::Bytes> parseHexMessage(std::string_view text) {
    auto bytes = protocol::fromHex(text);
    if (!bytes) return invalid("invalid hex " + quoted(text) + ": " + protocol::describe(bytes.error()));
    if (bytes->empty()) return invalid("the message is empty: give at least one byte in hex");
    // Clients frame with the 13-bit length header (HACKING.md, "Framing").
    if (bytes->size() > 8191)
        return invalid("the message is " + std::to_string(bytes->size()) + " bytes; at most 8191");
    return std::move(*bytes);
}

std::string eventKindName(v1::Event::Kind kind) {
    std::string name = protocol::asciiLower(v1::Event::Kind_Name(kind));
    if (name.starts_with("kind_")) name.erase(0, 5);
    std::replace(name.begin(), name.end(), '_', '-');
    return name;
}

Parsed<v1::Event::Kind> parseEventKind(std::string_view text) {
    std::string wanted = protocol::asciiLower(text);
    std::replace(wanted.begin(), wanted.end(), '_', '-');
    if (wanted.starts_with("kind-")) wanted.erase(0, 5);
    std::string known;
    const auto* descriptor = v1::Event::Kind_descriptor();
    for (int i = 0; i < descriptor->value_count(); ++i) {
        const auto kind = static_cast<v1::Event::Kind>(descriptor->value(i)->number());
        if (kind == v1::Event::KIND_UNSPECIFIED) continue;
        const std::string name = eventKindName(kind);
        // "state" for "state-changed", "request" for "request-done".
        const std::string firstWord = name.substr(0, name.find('-'));
        if (wanted == name || wanted == firstWord) return kind;
        known += (known.empty() ? "" : ", ") + name;
    }
    return invalid("unknown event kind " + quoted(text) + "; known: " + known);
}

std::string valueNames(std::uint8_t settingId) {
    const protocol::SettingInfo* info = protocol::findSetting(settingId);
    std::string names;
    if (info == nullptr) return names;
    for (const auto& value : info->values) names += (names.empty() ? "" : ", ") + std::string(value.name);
    return names;
}

// issue 15 group A
Parsed<v1::CameraControl> parseCameraControl(std::string_view text) {
    const std::string word = protocol::asciiLower(text);
    if (word == "idle") return v1::CAMERA_CONTROL_IDLE;
    if (word == "control") return v1::CAMERA_CONTROL_CAMERA;
    if (word == "external") return v1::CAMERA_CONTROL_EXTERNAL;
    return invalid("unknown camera control " + quoted(text) + "; known: idle, control, external");
}

}  // namespace goprod::client
