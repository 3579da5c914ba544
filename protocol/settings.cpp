#include "protocol/settings.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace goprod::protocol {

namespace {

std::string normalized(std::string_view name) {
    std::string out;
    for (unsigned char c : name) {
        if (!std::isspace(c)) out.push_back(static_cast<char>(std::tolower(c)));
    }
    // "240.0" and "240" name the same frame rate.
    if (out.size() > 2 && out.ends_with(".0")) out.resize(out.size() - 2);
    return out;
}

}  // namespace

namespace setting {

Result<Request> set(std::uint8_t id, ByteView value) {
    if (value.empty() || value.size() > 8) {
        return fail(Errc::InvalidArgument,
                    "a setting value is 1 to 8 bytes, got " + std::to_string(value.size()));
    }
    Bytes message{id, static_cast<std::uint8_t>(value.size())};
    message.insert(message.end(), value.begin(), value.end());
    return makeRequest(Characteristic::SettingRequest, std::move(message), RequestKind::Other);
}

Result<Request> set(std::uint8_t id, std::uint64_t value, std::size_t width) {
    if (width == 0 || width > 8) return fail(Errc::InvalidArgument, "a setting value is 1 to 8 bytes wide");
    if (value > largestValue(width)) {
        return fail(Errc::InvalidArgument,
                    std::to_string(value) + " does not fit in " + std::to_string(width) + " byte(s)");
    }
    Bytes bytes;
    appendBigEndian(bytes, value, width);
    return set(id, bytes);
}

Request keepAlive() {
    return makeRequest(Characteristic::SettingRequest, Bytes{setting_id::kLed, 1, kKeepAliveValue}, RequestKind::Other);
}

}  // namespace setting

Result<SettingRequest> parseSettingRequest(ByteView message) {
    if (message.size() < 2) return fail(Errc::Truncated, "a setting request needs an ID and a length");
    const std::size_t length = message[1];
    if (length == 0 || length > 8) {
        return fail(Errc::Malformed, "a setting value is 1 to 8 bytes, got " + std::to_string(length));
    }
    if (message.size() != 2 + length) {
        return fail(Errc::Malformed, "setting value announces " + std::to_string(length) + " bytes, has " +
                                         std::to_string(message.size() - 2));
    }
    return SettingRequest{message[0], Bytes(message.begin() + 2, message.end())};
}

Result<SettingResponse> parseSettingResponse(ByteView message) {
    if (message.size() < 2) return fail(Errc::Truncated, "a setting response needs an ID and a status");
    return SettingResponse{message[0], message[1]};
}

Bytes encodeSettingResponse(std::uint8_t id, std::uint8_t status) { return {id, status}; }

const SettingInfo* findSetting(std::uint8_t id) {
    const auto table = settingTable();
    const auto it = std::find_if(table.begin(), table.end(), [id](const SettingInfo& s) { return s.id == id; });
    return it == table.end() ? nullptr : &*it;
}

std::size_t settingWidth(std::uint8_t id) {
    const SettingInfo* info = findSetting(id);
    return info != nullptr ? info->width : 1;
}

std::optional<std::uint64_t> settingValue(std::uint8_t id, std::string_view name) {
    const SettingInfo* info = findSetting(id);
    if (info == nullptr) return std::nullopt;
    const std::string wanted = normalized(name);
    for (const auto& value : info->values) {
        if (normalized(value.name) == wanted) return value.value;
    }
    return std::nullopt;
}

std::optional<std::string_view> settingValueName(std::uint8_t id, std::uint64_t value) {
    const SettingInfo* info = findSetting(id);
    if (info == nullptr) return std::nullopt;
    for (const auto& named : info->values) {
        if (named.value == value) return named.name;
    }
    return std::nullopt;
}

}  // namespace goprod::protocol
