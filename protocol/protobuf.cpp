#include "protocol/protobuf.h"

#include <cstdio>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/text_format.h>

#include "camera_control.pb.h"
#include "cohn.pb.h"
#include "live_streaming.pb.h"
#include "media.pb.h"
#include "network_management.pb.h"
#include "preset_status.pb.h"
#include "protocol/utf8.h"  // issue 15 F
#include "response_generic.pb.h"

namespace goprod::protocol {

namespace {

namespace pb = open_gopro;
using google::protobuf::Message;

struct Route {
    std::uint8_t feature;
    std::uint8_t action;
    std::string_view name;
    const Message* prototype;
};

constexpr std::uint8_t kNetwork = static_cast<std::uint8_t>(FeatureId::NetworkManagement);
constexpr std::uint8_t kWireless = static_cast<std::uint8_t>(FeatureId::WirelessManagement);
constexpr std::uint8_t kCommand = static_cast<std::uint8_t>(FeatureId::Command);
constexpr std::uint8_t kQuery = static_cast<std::uint8_t>(FeatureId::Query);

// Every (feature, action) pair the library knows, requests and responses alike:
// the daemon decodes responses, the simulator decodes requests.
const std::vector<Route>& routes() {
    static const std::vector<Route> table = {{
        {kNetwork, 0x02, "Start Scan", &pb::RequestStartScan::default_instance()},
        {kNetwork, 0x82, "Start Scan response", &pb::ResponseStartScanning::default_instance()},
        {kNetwork, 0x0B, "Scan notification", &pb::NotifStartScanning::default_instance()},
        {kNetwork, 0x03, "Get AP Entries", &pb::RequestGetApEntries::default_instance()},
        {kNetwork, 0x83, "Get AP Entries response", &pb::ResponseGetApEntries::default_instance()},
        {kNetwork, 0x04, "Connect", &pb::RequestConnect::default_instance()},
        {kNetwork, 0x84, "Connect response", &pb::ResponseConnect::default_instance()},
        {kNetwork, 0x05, "Connect New", &pb::RequestConnectNew::default_instance()},
        {kNetwork, 0x85, "Connect New response", &pb::ResponseConnectNew::default_instance()},
        {kNetwork, 0x0C, "Provisioning notification", &pb::NotifProvisioningState::default_instance()},
        {kWireless, 0x01, "Pairing Finish", &pb::RequestPairingFinish::default_instance()},
        {kWireless, 0x81, "Pairing Finish response", &pb::ResponseGeneric::default_instance()},
        {kCommand, 0x62, "Set Camera Name", &pb::RequestSetCameraName::default_instance()},
        {kCommand, 0xE2, "Set Camera Name response", &pb::ResponseGeneric::default_instance()},
        {kCommand, 0x65, "Set COHN Setting", &pb::RequestSetCOHNSetting::default_instance()},
        {kCommand, 0xE5, "Set COHN Setting response", &pb::ResponseGeneric::default_instance()},
        {kCommand, 0x66, "Clear COHN Certificate", &pb::RequestClearCOHNCert::default_instance()},
        {kCommand, 0xE6, "Clear COHN Certificate response", &pb::ResponseGeneric::default_instance()},
        {kCommand, 0x67, "Create COHN Certificate", &pb::RequestCreateCOHNCert::default_instance()},
        {kCommand, 0xE7, "Create COHN Certificate response", &pb::ResponseGeneric::default_instance()},
        {kCommand, 0x69, "Set Camera Control Status", &pb::RequestSetCameraControlStatus::default_instance()},
        {kCommand, 0xE9, "Set Camera Control Status response", &pb::ResponseGeneric::default_instance()},
        {kCommand, 0x6B, "Set Turbo Transfer", &pb::RequestSetTurboActive::default_instance()},
        {kCommand, 0xEB, "Set Turbo Transfer response", &pb::ResponseGeneric::default_instance()},
        {kCommand, 0x78, "Release Network", &pb::RequestReleaseNetwork::default_instance()},
        {kCommand, 0xF8, "Release Network response", &pb::ResponseGeneric::default_instance()},
        {kQuery, 0x6E, "Get COHN Certificate", &pb::RequestCOHNCert::default_instance()},
        {kQuery, 0xEE, "Get COHN Certificate response", &pb::ResponseCOHNCert::default_instance()},
        {kQuery, 0x6F, "Get COHN Status", &pb::RequestGetCOHNStatus::default_instance()},
        {kQuery, 0xEF, "COHN status", &pb::NotifyCOHNStatus::default_instance()},
        {kQuery, 0x72, "Get Preset Status", &pb::RequestGetPresetStatus::default_instance()},
        {kQuery, 0xF2, "Preset status", &pb::NotifyPresetStatus::default_instance()},
        {kQuery, 0xF3, "Preset status notification", &pb::NotifyPresetStatus::default_instance()},
        // group C: live streaming
        {kCommand, 0x79, "Set Live Stream Mode", &pb::RequestSetLiveStreamMode::default_instance()},
        {kCommand, 0xF9, "Set Live Stream Mode response", &pb::ResponseGeneric::default_instance()},
        {kQuery, 0x74, "Get Live Stream Status", &pb::RequestGetLiveStreamStatus::default_instance()},
        {kQuery, 0xF4, "Live stream status", &pb::NotifyLiveStreamStatus::default_instance()},
        {kQuery, 0xF5, "Live stream status notification", &pb::NotifyLiveStreamStatus::default_instance()},
        // issue 15 B: presets
        {kCommand, 0x63, "Set Preset Visibility", &pb::RequestPresetSetVisibility::default_instance()},
        {kCommand, 0xE3, "Set Preset Visibility response", &pb::ResponseGeneric::default_instance()},
        {kCommand, 0x64, "Custom Preset Update", &pb::RequestCustomPresetUpdate::default_instance()},
        {kCommand, 0xE4, "Custom Preset Update response", &pb::ResponseGeneric::default_instance()},
        // issue 15 E: last captured media
        {kQuery, 0x6D, "Get Last Captured Media", &pb::RequestGetLastCapturedMedia::default_instance()},
        {kQuery, 0xED, "Last captured media", &pb::ResponseLastCapturedMedia::default_instance()},
    }};
    return table;
}

const Route* findRoute(std::uint8_t feature, std::uint8_t act) {
    for (const auto& route : routes()) {
        if (route.feature == feature && route.action == act) return &route;
    }
    return nullptr;
}

}  // namespace

std::optional<Characteristic> requestCharacteristic(std::uint8_t feature) {
    switch (feature) {
        case kNetwork:
        case kWireless: return Characteristic::NetworkManagementRequest;
        case kCommand: return Characteristic::CommandRequest;
        case kQuery: return Characteristic::QueryRequest;
        default: return std::nullopt;
    }
}

bool featureUsesCharacteristic(std::uint8_t feature, Characteristic c) {
    const auto request = requestCharacteristic(feature);
    return request && (*request == c || responseCharacteristic(*request) == c);
}

Bytes encodeProtobuf(std::uint8_t feature, std::uint8_t act, const google::protobuf::MessageLite& body) {
    Bytes out{feature, act};
    const std::string serialized = body.SerializePartialAsString();
    out.insert(out.end(), serialized.begin(), serialized.end());
    return out;
}

Request protobufRequest(FeatureId feature, std::uint8_t act, const google::protobuf::MessageLite& body) {
    const auto id = static_cast<std::uint8_t>(feature);
    return makeRequest(requestCharacteristic(id).value_or(Characteristic::CommandRequest),
                       encodeProtobuf(id, act, body), RequestKind::Other);
}

namespace operation {

Request startScan() {
    return protobufRequest(FeatureId::NetworkManagement, action::kStartScan, pb::RequestStartScan{});
}

Request getApEntries(std::int32_t startIndex, std::int32_t maxEntries, std::int32_t scanId) {
    pb::RequestGetApEntries body;
    body.set_start_index(startIndex);
    body.set_max_entries(maxEntries);
    body.set_scan_id(scanId);
    return protobufRequest(FeatureId::NetworkManagement, action::kGetApEntries, body);
}

namespace {
Result<void> checkSsid(std::string_view ssid) {
    if (ssid.empty()) return fail(Errc::InvalidArgument, "the SSID is empty");
    if (ssid.size() > 32) {
        return fail(Errc::InvalidArgument, "the SSID is " + std::to_string(ssid.size()) + " bytes, at most 32");
    }
    return {};
}
}  // namespace

Result<Request> connect(std::string_view ssid) {
    if (auto ok = checkSsid(ssid); !ok) return Unexpected{ok.error()};
    pb::RequestConnect body;
    body.set_ssid(std::string(ssid));
    return protobufRequest(FeatureId::NetworkManagement, action::kConnect, body);
}

Result<Request> connectNew(std::string_view ssid, std::string_view password) {
    if (auto ok = checkSsid(ssid); !ok) return Unexpected{ok.error()};
    if (password.size() > 63) {
        return fail(Errc::InvalidArgument, "the password is " + std::to_string(password.size()) + " bytes, at most 63");
    }
    // Only the two fields the seed tutorial sends, so that the bytes match it.
    pb::RequestConnectNew body;
    body.set_ssid(std::string(ssid));
    body.set_password(std::string(password));
    return protobufRequest(FeatureId::NetworkManagement, action::kConnectNew, body);
}

Result<Request> pairingFinish(std::string_view clientName) {
    if (clientName.empty()) return fail(Errc::InvalidArgument, "the client name is empty");
    pb::RequestPairingFinish body;
    body.set_result(pb::SUCCESS);
    body.set_phonename(std::string(clientName));
    return protobufRequest(FeatureId::WirelessManagement, action::kPairingFinish, body);
}

Result<Request> setCameraControl(int status) {
    if (!pb::EnumCameraControlStatus_IsValid(status)) {
        return fail(Errc::InvalidArgument, "camera control status " + std::to_string(status) + " is not 0..3");
    }
    pb::RequestSetCameraControlStatus body;
    body.set_camera_control_status(static_cast<pb::EnumCameraControlStatus>(status));
    return protobufRequest(FeatureId::Command, action::kSetCameraControl, body);
}

Request setTurboActive(bool active) {
    pb::RequestSetTurboActive body;
    body.set_active(active);
    return protobufRequest(FeatureId::Command, action::kSetTurboActive, body);
}

// issue 15 group A
Request releaseNetwork() {
    return protobufRequest(FeatureId::Command, action::kReleaseNetwork, pb::RequestReleaseNetwork{});
}

Request setCameraName(std::string_view name) {
    pb::RequestSetCameraName body;
    body.set_name(std::string(name));
    return protobufRequest(FeatureId::Command, action::kSetCameraName, body);
}

Request getCohnStatus(bool registerUpdates) {
    pb::RequestGetCOHNStatus body;
    body.set_register_cohn_status(registerUpdates);
    return protobufRequest(FeatureId::Query, action::kGetCohnStatus, body);
}

// issue 15 D: COHN (camera on the home network)
Request createCohnCert(bool override) {
    pb::RequestCreateCOHNCert body;
    if (override) body.set_override(true);
    return protobufRequest(FeatureId::Command, action::kCreateCohnCert, body);
}

Request clearCohnCert() {
    return protobufRequest(FeatureId::Command, action::kClearCohnCert, pb::RequestClearCOHNCert{});
}

Request getCohnCert() { return protobufRequest(FeatureId::Query, action::kGetCohnCert, pb::RequestCOHNCert{}); }

Request setCohnSetting(bool active) {
    pb::RequestSetCOHNSetting body;
    body.set_cohn_active(active);
    return protobufRequest(FeatureId::Command, action::kSetCohnSetting, body);
}

// group C: live streaming
namespace {
constexpr std::int32_t kMinKbps = 800, kMaxKbps = 8000;
constexpr std::size_t kMaxUrl = 2048;
}  // namespace

Result<Request> setLiveStreamMode(const LiveStreamMode& mode) {
    if (mode.url.empty()) return fail(Errc::InvalidArgument, "the stream URL is empty");
    if (mode.url.size() > kMaxUrl) {
        return fail(Errc::InvalidArgument, "the stream URL is " + std::to_string(mode.url.size()) +
                                               " bytes, at most " + std::to_string(kMaxUrl));
    }
    pb::RequestSetLiveStreamMode body;
    body.set_url(mode.url);
    body.set_encode(mode.encode);
    if (mode.windowSize) {
        if (!pb::EnumWindowSize_IsValid(*mode.windowSize)) {
            return fail(Errc::InvalidArgument,
                        "window size " + std::to_string(*mode.windowSize) + " is not 4, 7 or 12");
        }
        body.set_window_size(static_cast<pb::EnumWindowSize>(*mode.windowSize));
    }
    if (!mode.certificate.empty()) body.set_cert(mode.certificate);
    const std::pair<const std::optional<std::int32_t>*, const char*> rates[] = {
        {&mode.minimumKbps, "minimum"}, {&mode.maximumKbps, "maximum"}, {&mode.startingKbps, "starting"}};
    for (const auto& [rate, name] : rates) {
        if (*rate && (**rate < kMinKbps || **rate > kMaxKbps)) {
            return fail(Errc::InvalidArgument, std::string("the ") + name + " bitrate " + std::to_string(**rate) +
                                                   " kbps is outside 800..8000");
        }
    }
    const auto lo = mode.minimumKbps.value_or(kMinKbps), hi = mode.maximumKbps.value_or(kMaxKbps);
    if (lo > hi) return fail(Errc::InvalidArgument, "the minimum bitrate is above the maximum");
    if (mode.startingKbps && (*mode.startingKbps < lo || *mode.startingKbps > hi)) {
        return fail(Errc::InvalidArgument, "the starting bitrate is outside minimum..maximum");
    }
    if (mode.minimumKbps) body.set_minimum_bitrate(*mode.minimumKbps);
    if (mode.maximumKbps) body.set_maximum_bitrate(*mode.maximumKbps);
    if (mode.startingKbps) body.set_starting_bitrate(*mode.startingKbps);
    if (mode.lens) {
        if (!pb::EnumLens_IsValid(*mode.lens)) {
            return fail(Errc::InvalidArgument, "lens " + std::to_string(*mode.lens) + " is not 0, 3 or 4");
        }
        body.set_lens(static_cast<pb::EnumLens>(*mode.lens));
    }
    return protobufRequest(FeatureId::Command, action::kSetLiveStreamMode, body);
}

Request getLiveStreamStatus(bool registerUpdates) {
    pb::RequestGetLiveStreamStatus body;
    if (registerUpdates) {
        for (const auto kind : {pb::REGISTER_LIVE_STREAM_STATUS_STATUS, pb::REGISTER_LIVE_STREAM_STATUS_ERROR,
                                pb::REGISTER_LIVE_STREAM_STATUS_MODE, pb::REGISTER_LIVE_STREAM_STATUS_BITRATE}) {
            body.add_register_live_stream_status(kind);
        }
    }
    return protobufRequest(FeatureId::Query, action::kGetLiveStreamStatus, body);
}

// issue 15 B: presets
Request getPresetStatus(bool includeHidden, bool registerUpdates) {
    pb::RequestGetPresetStatus body;
    if (registerUpdates) {
        body.add_register_preset_status(pb::REGISTER_PRESET_STATUS_PRESET);
        body.add_register_preset_status(pb::REGISTER_PRESET_STATUS_PRESET_GROUP_ARRAY);
    }
    // Only when asked: the request of the spec's examples has no fields.
    if (includeHidden) body.set_include_hidden(true);
    auto request = protobufRequest(FeatureId::Query, action::kGetPresetStatus, body);
    if (registerUpdates) request.kind = RequestKind::RegisterPresetStatus;  // issue 15 F: restored on reconnection
    return request;
}

Request presetSetVisibility(std::int32_t presetId, bool visible) {
    pb::RequestPresetSetVisibility body;
    body.set_id(presetId);
    body.set_visible(visible);
    return protobufRequest(FeatureId::Command, action::kPresetSetVisibility, body);
}

Result<Request> customPresetUpdate(std::optional<std::int32_t> titleId, std::optional<std::string_view> name,
                                   std::optional<std::int32_t> iconId) {
    if (!titleId && !name && !iconId) return fail(Errc::InvalidArgument, "nothing to update: no title, name or icon");
    if (name) {
        if (name->empty() || name->size() > 16) {
            return fail(Errc::InvalidArgument,
                        "the custom name is " + std::to_string(name->size()) + " bytes, 1 to 16 allowed");
        }
        // issue 15 F: a proto `string`, shown on the camera's screen
        if (!isUtf8(*name)) return fail(Errc::InvalidArgument, "the custom name is not valid UTF-8");
        if (titleId && *titleId != kCustomNameTitle) {
            return fail(Errc::InvalidArgument,
                        "a custom name needs title 94 (custom name), not " + std::to_string(*titleId));
        }
        titleId = kCustomNameTitle;
    }
    pb::RequestCustomPresetUpdate body;
    if (titleId) body.set_title_id(*titleId);
    if (name) body.set_custom_name(std::string(*name));
    if (iconId) body.set_icon_id(*iconId);
    return protobufRequest(FeatureId::Command, action::kCustomPresetUpdate, body);
}

// issue 15 E
Request getLastCapturedMedia() {
    return protobufRequest(FeatureId::Query, action::kGetLastCapturedMedia, pb::RequestGetLastCapturedMedia{});
}

}  // namespace operation

std::optional<std::string_view> protobufTypeName(std::uint8_t feature, std::uint8_t act) {
    const Route* route = findRoute(feature, act);
    if (route == nullptr) return std::nullopt;
    return route->prototype->GetDescriptor()->full_name();
}

std::optional<std::string_view> operationName(std::uint8_t feature, std::uint8_t act) {
    for (const auto& route : routes()) {
        if (route.feature == feature && route.action == act) return route.name;
    }
    return std::nullopt;
}

Result<ProtobufMessage> decodeProtobuf(ByteView message) {
    if (message.size() < 2) return fail(Errc::Truncated, "a protobuf message needs a feature and an action ID");
    const Route* route = findRoute(message[0], message[1]);
    if (route == nullptr) {
        char ids[16];
        std::snprintf(ids, sizeof ids, "0x%02X/0x%02X", message[0], message[1]);
        return fail(Errc::UnknownId, std::string("no protobuf operation ") + ids);
    }
    std::unique_ptr<Message> body(route->prototype->New());
    if (!body->ParsePartialFromArray(message.data() + 2, static_cast<int>(message.size() - 2))) {
        return fail(Errc::Malformed, std::string(route->name) + ": the body does not parse");
    }
    if (!body->IsInitialized()) {
        return fail(Errc::Malformed,
                    std::string(route->name) + ": missing required " + body->InitializationErrorString());
    }
    return ProtobufMessage{message[0], message[1], std::move(body)};
}

namespace {
// WiFi passwords and credentials never reach logs or terminals through here.
void redactSecrets(Message& message) {
    const auto* descriptor = message.GetDescriptor();
    const auto* reflection = message.GetReflection();
    for (int i = 0; i < descriptor->field_count(); ++i) {
        const auto* field = descriptor->field(i);
        if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING && !field->is_repeated() &&
            field->name() == "password" && reflection->HasField(message, field)) {
            reflection->SetString(&message, field, "<redacted>");
        } else if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
            if (field->is_repeated()) {
                for (int j = 0; j < reflection->FieldSize(message, field); ++j) {
                    redactSecrets(*reflection->MutableRepeatedMessage(&message, field, j));
                }
            } else if (reflection->HasField(message, field)) {
                redactSecrets(*reflection->MutableMessage(&message, field));
            }
        }
    }
}
}  // namespace

std::string shortText(const google::protobuf::Message& message) {
    std::unique_ptr<Message> copy(message.New());
    copy->CopyFrom(message);
    redactSecrets(*copy);
    google::protobuf::TextFormat::Printer printer;
    printer.SetSingleLineMode(true);
    std::string text;
    printer.PrintToString(*copy, &text);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

}  // namespace goprod::protocol
