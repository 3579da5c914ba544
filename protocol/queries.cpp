#include "protocol/queries.h"

#include <algorithm>
#include <string>

namespace goprod::protocol {

std::optional<std::string_view> queryName(std::uint8_t id) {
    switch (static_cast<QueryId>(id)) {
        case QueryId::GetSettingValues: return "Get Setting Values";
        case QueryId::GetStatusValues: return "Get Status Values";
        case QueryId::GetSettingCapabilities: return "Get Setting Capabilities";
        case QueryId::RegisterSettingUpdates: return "Register Setting Value Updates";
        case QueryId::RegisterStatusUpdates: return "Register Status Value Updates";
        case QueryId::RegisterCapabilityUpdates: return "Register Setting Capability Updates";
        case QueryId::UnregisterSettingUpdates: return "Unregister Setting Value Updates";
        case QueryId::UnregisterStatusUpdates: return "Unregister Status Value Updates";
        case QueryId::UnregisterCapabilityUpdates: return "Unregister Setting Capability Updates";
        case QueryId::SettingPush: return "Setting Value Push";
        case QueryId::StatusPush: return "Status Value Push";
        case QueryId::CapabilityPush: return "Setting Capability Push";
    }
    return std::nullopt;
}

Request query(QueryId id, ByteView ids) {
    Bytes message{static_cast<std::uint8_t>(id)};
    message.insert(message.end(), ids.begin(), ids.end());
    return makeRequest(Characteristic::QueryRequest, std::move(message), queryKind(id));
}

RequestKind queryKind(QueryId id) {
    switch (id) {
        case QueryId::RegisterStatusUpdates: return RequestKind::RegisterStatuses;
        case QueryId::UnregisterStatusUpdates: return RequestKind::UnregisterStatuses;
        case QueryId::RegisterSettingUpdates: return RequestKind::RegisterSettings;
        case QueryId::UnregisterSettingUpdates: return RequestKind::UnregisterSettings;
        default: return RequestKind::Other;
    }
}

Result<QueryRequest> parseQueryRequest(ByteView message) {
    if (message.empty()) return fail(Errc::Truncated, "empty query");
    return QueryRequest{message[0], Bytes(message.begin() + 1, message.end())};
}

Result<QueryResponse> parseQueryResponse(ByteView message) {
    if (message.size() < 2) return fail(Errc::Truncated, "a query response needs an ID and a status");
    QueryResponse response{message[0], message[1], {}};
    std::size_t pos = 2;
    while (pos < message.size()) {
        if (pos + 2 > message.size()) {
            return fail(Errc::Malformed, "entry at byte " + std::to_string(pos) + " has no length");
        }
        const std::uint8_t id = message[pos];
        const std::size_t length = message[pos + 1];
        if (pos + 2 + length > message.size()) {
            return fail(Errc::Malformed, "entry " + std::to_string(id) + " announces " + std::to_string(length) +
                                             " bytes, only " + std::to_string(message.size() - pos - 2) + " left");
        }
        const auto first = message.begin() + static_cast<std::ptrdiff_t>(pos + 2);
        response.entries.push_back({id, Bytes(first, first + static_cast<std::ptrdiff_t>(length))});
        pos += 2 + length;
    }
    return response;
}

Result<Bytes> encodeQueryResponse(const QueryResponse& response) {
    Bytes out{response.queryId, response.status};
    for (const auto& entry : response.entries) {
        if (entry.value.size() > 255) {
            return fail(Errc::InvalidArgument, "value of " + std::to_string(entry.id) + " exceeds 255 bytes");
        }
        out.push_back(entry.id);
        out.push_back(static_cast<std::uint8_t>(entry.value.size()));
        out.insert(out.end(), entry.value.begin(), entry.value.end());
    }
    return out;
}

const StatusInfo* findStatus(std::uint8_t id) {
    const auto table = statusTable();
    const auto it = std::find_if(table.begin(), table.end(), [id](const StatusInfo& s) { return s.id == id; });
    return it == table.end() ? nullptr : &*it;
}

namespace {

std::int64_t integerValue(ByteView raw, bool signedByte) {
    if (raw.size() == 1 && signedByte) return static_cast<std::int8_t>(raw[0]);
    return static_cast<std::int64_t>(readBigEndian(raw));
}

std::optional<std::string_view> nameOf(std::span<const NamedValue> values, std::int64_t value) {
    for (const auto& named : values) {
        if (static_cast<std::int64_t>(named.value) == value) return named.name;
    }
    return std::nullopt;
}

std::string formatInteger(std::int64_t value, std::span<const NamedValue> values) {
    std::string text = std::to_string(value);
    if (auto name = nameOf(values, value)) text += " (" + std::string(*name) + ")";
    return text;
}

}  // namespace

Value decodeStatusValue(std::uint8_t id, ByteView raw) {
    const StatusInfo* info = findStatus(id);
    if (info != nullptr && info->type == ValueType::String) return std::string(raw.begin(), raw.end());
    return integerValue(raw, info != nullptr && info->type == ValueType::Enum);
}

std::string formatStatusValue(std::uint8_t id, ByteView raw) {
    const StatusInfo* info = findStatus(id);
    if (info == nullptr) return raw.empty() ? "(empty)" : toHex(raw);
    const Value value = decodeStatusValue(id, raw);
    if (const auto* text = std::get_if<std::string>(&value)) return "\"" + *text + "\"";
    if (raw.size() > 8) return toHex(raw);
    const auto number = std::get<std::int64_t>(value);
    if (info->type == ValueType::Boolean) return std::to_string(number) + (number != 0 ? " (true)" : " (false)");
    return formatInteger(number, info->values);
}

std::string formatSettingValue(std::uint8_t id, ByteView raw) {
    if (raw.empty() || raw.size() > 8) return raw.empty() ? "(empty)" : toHex(raw);
    const auto number = static_cast<std::int64_t>(readBigEndian(raw));
    const SettingInfo* info = findSetting(id);
    return formatInteger(number, info != nullptr ? info->values : std::span<const NamedValue>{});
}

}  // namespace goprod::protocol
