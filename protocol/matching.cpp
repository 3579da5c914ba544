#include "protocol/matching.h"

#include <cstdio>

#include "protocol/commands.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "protocol/settings.h"

namespace goprod::protocol {

namespace {

std::string hexByte(std::uint8_t value) {
    char text[5];
    std::snprintf(text, sizeof text, "0x%02X", value);
    return text;
}

bool isProtobuf(Characteristic c, ByteView message) {
    return message.size() >= 2 && featureUsesCharacteristic(message[0], c);
}

// The one place where a request's kind is read from its bytes (raw requests only:
// the builders say what they build).
RequestKind kindOf(Characteristic characteristic, ByteView message) {
    if (message.empty() || isProtobuf(characteristic, message)) return RequestKind::Other;
    switch (characteristic) {
        case Characteristic::CommandRequest:
            if (message.size() == 1 && (message[0] == static_cast<std::uint8_t>(CommandId::Sleep) ||
                                        message[0] == static_cast<std::uint8_t>(CommandId::PowerDown))) {
                return RequestKind::Sleep;
            }
            if (message.size() == 3 && message[0] == static_cast<std::uint8_t>(CommandId::SetShutter) &&
                message[1] == 1 && message[2] == 0) {
                return RequestKind::ShutterOff;
            }
            return RequestKind::Other;
        case Characteristic::QueryRequest: return queryKind(static_cast<QueryId>(message[0]));
        default: return RequestKind::Other;
    }
}

}  // namespace

std::string describe(const ResponseKey& key) {
    switch (key.kind) {
        case ResponseKey::Kind::Command: return "command " + hexByte(key.id);
        case ResponseKey::Kind::Setting: return "setting " + hexByte(key.id);
        case ResponseKey::Kind::Query: return "query " + hexByte(key.id);
        case ResponseKey::Kind::Protobuf: return "protobuf " + hexByte(key.id) + "/" + hexByte(key.action);
    }
    return "?";
}

ResponseKey responseKeyFor(Characteristic characteristic, ByteView message) {
    using Kind = ResponseKey::Kind;
    const std::uint8_t id = message.empty() ? 0 : message[0];
    if (isProtobuf(characteristic, message)) {
        return {Kind::Protobuf, id, static_cast<std::uint8_t>(message[1] | action::kResponseBit)};
    }
    switch (characteristic) {
        case Characteristic::SettingRequest: return {Kind::Setting, id, 0};
        case Characteristic::QueryRequest: return {Kind::Query, id, 0};
        default: return {Kind::Command, id, 0};
    }
}

Request makeRequest(Characteristic characteristic, Bytes message) {
    const RequestKind kind = kindOf(characteristic, message);
    return makeRequest(characteristic, std::move(message), kind);
}

Request makeRequest(Characteristic characteristic, Bytes message, RequestKind kind) {
    const ResponseKey key = responseKeyFor(characteristic, message);
    return Request{characteristic, std::move(message), key, kind};
}

bool succeeded(const ResponseKey& key, ByteView answer) {
    switch (key.kind) {
        case ResponseKey::Kind::Command: {
            const auto response = parseCommandResponse(answer);
            return response && response->ok();
        }
        case ResponseKey::Kind::Setting: {
            const auto response = parseSettingResponse(answer);
            return response && response->status == 0;
        }
        case ResponseKey::Kind::Query: {
            const auto response = parseQueryResponse(answer);
            return response && response->status == 0;
        }
        case ResponseKey::Kind::Protobuf: return false;
    }
    return false;
}

Classified classify(Characteristic from, ByteView message) {
    using Kind = ResponseKey::Kind;
    if (message.empty() || !isResponseCharacteristic(from)) return {};
    const std::uint8_t id = message[0];
    if (isProtobuf(from, message)) {
        const std::uint8_t act = message[1];
        const ResponseKey key{Kind::Protobuf, id, act};
        if (act == action::kSpurious) return {Incoming::Spurious, key};
        if (id == static_cast<std::uint8_t>(FeatureId::NetworkManagement)) {
            if (act == action::kScanNotification) return {Incoming::ScanNotification, key};
            if (act == action::kProvisioningNotification) return {Incoming::ProvisioningNotification, key};
        }
        if (id == static_cast<std::uint8_t>(FeatureId::Query) && act == action::kPresetStatusNotification) {
            return {Incoming::PresetNotification, key};
        }
        // group C: 0xF5 has bit 7 set, yet it is a push, never a response.
        if (id == static_cast<std::uint8_t>(FeatureId::Query) && act == action::kLiveStreamNotification) {
            return {Incoming::LiveStreamNotification, key};
        }
        // [feature][status]: the 2-byte reply to an operation the camera does not
        // support. The status byte can look like a request action, never like a
        // response action (bit 7) or a notification.
        if (message.size() == 2 && (act & action::kResponseBit) == 0) {
            return {Incoming::UnsupportedReply, {Kind::Protobuf, id, 0}};
        }
        if ((act & action::kResponseBit) != 0) return {Incoming::Response, key};
        return {Incoming::Unknown, key};
    }
    switch (from) {
        case Characteristic::CommandResponse: return {Incoming::Response, {Kind::Command, id, 0}};
        case Characteristic::SettingResponse: return {Incoming::Response, {Kind::Setting, id, 0}};
        case Characteristic::QueryResponse:
            switch (static_cast<QueryId>(id)) {
                case QueryId::SettingPush: return {Incoming::SettingPush, {Kind::Query, id, 0}};
                case QueryId::StatusPush: return {Incoming::StatusPush, {Kind::Query, id, 0}};
                case QueryId::CapabilityPush: return {Incoming::CapabilityPush, {Kind::Query, id, 0}};
                default: return {Incoming::Response, {Kind::Query, id, 0}};
            }
        default: return {};
    }
}

bool completes(const ResponseKey& pending, const Classified& incoming) {
    switch (incoming.kind) {
        case Incoming::Response: return pending == incoming.key;
        case Incoming::UnsupportedReply:
            return pending.kind == ResponseKey::Kind::Protobuf && pending.id == incoming.key.id;
        default: return false;
    }
}

bool mayShareAnswer(const ResponseKey& a, const ResponseKey& b) {
    return a == b || (a.kind == ResponseKey::Kind::Protobuf && b.kind == a.kind && a.id == b.id);
}

std::string_view incomingName(Incoming kind) {
    switch (kind) {
        case Incoming::Response: return "response";
        case Incoming::UnsupportedReply: return "unsupported reply";
        case Incoming::SettingPush: return "setting push";
        case Incoming::StatusPush: return "status push";
        case Incoming::CapabilityPush: return "capability push";
        case Incoming::ScanNotification: return "scan notification";
        case Incoming::ProvisioningNotification: return "provisioning notification";
        case Incoming::PresetNotification: return "preset notification";
        case Incoming::Spurious: return "spurious notification";
        case Incoming::LiveStreamNotification: return "live stream notification";  // group C
        case Incoming::Unknown: return "unknown";
    }
    return "unknown";
}

}  // namespace goprod::protocol
