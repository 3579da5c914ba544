// Protobuf operations: [feature][action][serialized proto2 message]. Builders
// for the operations the daemon sends, and a router that decodes any known
// (feature, action) into its open_gopro message. Pure: any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "protocol/bytes.h"
#include "protocol/error.h"
#include "protocol/matching.h"

namespace goprod::protocol {

enum class FeatureId : std::uint8_t {
    NetworkManagement = 0x02,
    WirelessManagement = 0x03,
    Command = 0xF1,
    Setting = 0xF3,
    Query = 0xF5,
};

namespace action {
// Network management (0x02)
inline constexpr std::uint8_t kStartScan = 0x02, kStartScanResponse = 0x82, kScanNotification = 0x0B;
inline constexpr std::uint8_t kGetApEntries = 0x03, kGetApEntriesResponse = 0x83;
inline constexpr std::uint8_t kConnect = 0x04, kConnectResponse = 0x84;
inline constexpr std::uint8_t kConnectNew = 0x05, kConnectNewResponse = 0x85;
inline constexpr std::uint8_t kProvisioningNotification = 0x0C;
// Wireless management (0x03)
inline constexpr std::uint8_t kPairingFinish = 0x01, kPairingFinishResponse = 0x81;
// Command (0xF1)
inline constexpr std::uint8_t kSetCameraName = 0x62, kSetCohnSetting = 0x65, kClearCohnCert = 0x66;
inline constexpr std::uint8_t kCreateCohnCert = 0x67, kSetCameraControl = 0x69, kSetTurboActive = 0x6B;
inline constexpr std::uint8_t kReleaseNetwork = 0x78;
// Query (0xF5)
inline constexpr std::uint8_t kGetCohnCert = 0x6E, kGetCohnStatus = 0x6F, kGetPresetStatus = 0x72;
inline constexpr std::uint8_t kPresetStatusNotification = 0xF3, kLiveStreamNotification = 0xF5;
inline constexpr std::uint8_t kSpurious = 0xFF;
// group C: live streaming
inline constexpr std::uint8_t kSetLiveStreamMode = 0x79, kSetLiveStreamModeResponse = 0xF9;
inline constexpr std::uint8_t kGetLiveStreamStatus = 0x74, kGetLiveStreamStatusResponse = 0xF4;
// issue 15 B: presets (0xF1)
inline constexpr std::uint8_t kPresetSetVisibility = 0x63, kCustomPresetUpdate = 0x64;
// issue 15 E: last captured media (0xF5)
inline constexpr std::uint8_t kGetLastCapturedMedia = 0x6D, kGetLastCapturedMediaResponse = 0xED;
inline constexpr std::uint8_t kResponseBit = 0x80;
}  // namespace action

// Where a feature's requests are written (0x02/0x03 → 0091, 0xF1 → 0072, 0xF5 → 0076).
std::optional<Characteristic> requestCharacteristic(std::uint8_t feature);
// Whether `feature` travels on this request or response characteristic.
bool featureUsesCharacteristic(std::uint8_t feature, Characteristic c);

// [feature][action][body]
Request protobufRequest(FeatureId feature, std::uint8_t action, const google::protobuf::MessageLite& body);
Bytes encodeProtobuf(std::uint8_t feature, std::uint8_t action, const google::protobuf::MessageLite& body);

namespace operation {
Request startScan();
Request getApEntries(std::int32_t startIndex, std::int32_t maxEntries, std::int32_t scanId);
// The SSID is 1..32 bytes, the password 0..63 (WPA2 allows 8..63; open networks none).
Result<Request> connect(std::string_view ssid);
Result<Request> connectNew(std::string_view ssid, std::string_view password);
Result<Request> pairingFinish(std::string_view clientName);
Result<Request> setCameraControl(int status);  // open_gopro.EnumCameraControlStatus
Request setTurboActive(bool active);
Request getCohnStatus(bool registerUpdates);
// issue 15 D: COHN (camera on the home network)
Request createCohnCert(bool override);  // no body when !override, as the spec's vector `02 F1 67`
Request clearCohnCert();
Request getCohnCert();
Request setCohnSetting(bool active);

// group C: live streaming
// Set Live Stream Mode. Optional fields stay off the wire when unset; the
// bitrates are kbps in 800..8000 (the spec's range), min <= start <= max.
struct LiveStreamMode {
    std::string url;  // rtmp://..., 1..2048 bytes
    bool encode = true;  // also record to the SD card
    std::optional<int> windowSize;  // open_gopro.EnumWindowSize: 4 (480), 7 (720), 12 (1080)
    std::optional<int> lens;        // open_gopro.EnumLens: 0 wide, 3 superview, 4 linear
    std::optional<std::int32_t> minimumKbps, maximumKbps, startingKbps;
    std::string certificate;  // PEM, empty = none
};
Result<Request> setLiveStreamMode(const LiveStreamMode& mode);
// Get Live Stream Status; `registerUpdates` registers for every push kind
// (status, error, mode, bitrate), so that the camera pushes 0xF5/0xF5 on changes.
Request getLiveStreamStatus(bool registerUpdates);
// issue 15 group A
Request releaseNetwork();
Request setCameraName(std::string_view name);
// issue 15 B: presets
// Get Preset Status; `includeHidden` asks for the hidden presets too,
// `registerUpdates` registers for 0xF3 pushes (presets and groups).
Request getPresetStatus(bool includeHidden, bool registerUpdates = false);
Request presetSetVisibility(std::int32_t presetId, bool visible);
// Of the active (custom) preset; each part optional. A name (1..16 bytes)
// goes with title 94 (custom name), which is sent for it when no title is given.
inline constexpr std::int32_t kCustomNameTitle = 94;
Result<Request> customPresetUpdate(std::optional<std::int32_t> titleId, std::optional<std::string_view> name,
                                   std::optional<std::int32_t> iconId);
// issue 15 E: Get Last Captured Media (answer F5 ED ResponseLastCapturedMedia)
Request getLastCapturedMedia();
}  // namespace operation

// The message type a (feature, action) pair carries, e.g. "open_gopro.ResponseGetApEntries".
std::optional<std::string_view> protobufTypeName(std::uint8_t feature, std::uint8_t action);
std::optional<std::string_view> operationName(std::uint8_t feature, std::uint8_t action);

struct ProtobufMessage {
    std::uint8_t feature = 0;
    std::uint8_t action = 0;
    std::unique_ptr<google::protobuf::Message> body;

    template <class M>
    const M* as() const { return dynamic_cast<const M*>(body.get()); }
};

// Routes [feature][action][body] to its message type and parses it. Unknown
// pairs are UnknownId; bodies that do not parse or lack required fields are
// Malformed. Unknown fields are ignored, as the spec asks.
Result<ProtobufMessage> decodeProtobuf(ByteView message);

// Text of a message for logs and the CLI ("scanning_state: SCANNING_SUCCESS scan_id: 1").
std::string shortText(const google::protobuf::Message& message);

}  // namespace goprod::protocol
