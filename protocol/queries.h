// TLV queries (write GP-0076, responses and pushes on GP-0077): builders,
// the [id][status]{[id][len][value]}* parser and encoder, and the status
// table with names and value types. Pure: any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/error.h"
#include "protocol/matching.h"
#include "protocol/settings.h"

namespace goprod::protocol {

enum class QueryId : std::uint8_t {
    GetSettingValues = 0x12,
    GetStatusValues = 0x13,
    GetSettingCapabilities = 0x32,
    RegisterSettingUpdates = 0x52,
    RegisterStatusUpdates = 0x53,
    RegisterCapabilityUpdates = 0x62,
    UnregisterSettingUpdates = 0x72,
    UnregisterStatusUpdates = 0x73,
    UnregisterCapabilityUpdates = 0x82,
    SettingPush = 0x92,
    StatusPush = 0x93,
    CapabilityPush = 0xA2,
};

std::optional<std::string_view> queryName(std::uint8_t id);

namespace status_id {
inline constexpr std::uint8_t kBusy = 8;
inline constexpr std::uint8_t kEncoding = 10;
inline constexpr std::uint8_t kApMode = 69;
inline constexpr std::uint8_t kBattery = 70;
inline constexpr std::uint8_t kReady = 82;
inline constexpr std::uint8_t kPresetGroup = 96;
inline constexpr std::uint8_t kPreset = 97;
inline constexpr std::uint8_t kCameraControl = 114;
}  // namespace status_id

// [query id][ids...]; no IDs means "all".
Request query(QueryId id, ByteView ids = {});
// What a query does (the daemon tracks registrations); Other for the rest.
RequestKind queryKind(QueryId id);

struct QueryRequest {
    std::uint8_t id = 0;
    Bytes ids;
};
Result<QueryRequest> parseQueryRequest(ByteView message);

struct QueryEntry {
    std::uint8_t id = 0;
    Bytes value;
    bool operator==(const QueryEntry&) const = default;
};

struct QueryResponse {
    std::uint8_t queryId = 0;
    std::uint8_t status = 0;
    std::vector<QueryEntry> entries;  // capabilities repeat an ID once per option
};
Result<QueryResponse> parseQueryResponse(ByteView message);
Result<Bytes> encodeQueryResponse(const QueryResponse& response);  // values of at most 255 bytes

enum class ValueType : std::uint8_t { Boolean, Integer, Enum, String };

struct StatusInfo {
    std::uint8_t id;
    std::string_view name;  // "Busy"
    ValueType type;
    std::uint8_t width;     // bytes the camera sends; 0 = variable (strings)
    std::span<const NamedValue> values;  // names of enum values, if any
};

std::span<const StatusInfo> statusTable();
const StatusInfo* findStatus(std::uint8_t id);

// A status or setting value decoded by its type: booleans and integers
// (big-endian, signed for 1-byte enums like -1) as integers, strings as text.
using Value = std::variant<std::int64_t, std::string>;
Value decodeStatusValue(std::uint8_t id, ByteView raw);
// "1 (true)", "58", "1000 (Video)", "\"GP24500702\"", for people.
std::string formatStatusValue(std::uint8_t id, ByteView raw);
std::string formatSettingValue(std::uint8_t id, ByteView raw);

}  // namespace goprod::protocol
