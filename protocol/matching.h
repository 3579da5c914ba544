// Request/response matching: which pending request an incoming message
// completes, or which asynchronous notification it is. The one place that
// encodes the protocol's dispatch rule. Pure: any thread.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/bytes.h"
#include "protocol/gatt.h"

namespace goprod::protocol {

// What a request waits for on its response characteristic.
struct ResponseKey {
    enum class Kind : std::uint8_t { Command, Setting, Query, Protobuf };
    Kind kind = Kind::Command;
    std::uint8_t id = 0;      // command, setting or query ID; protobuf feature ID
    std::uint8_t action = 0;  // protobuf response action ID, else 0
    bool operator==(const ResponseKey&) const = default;
};

std::string describe(const ResponseKey& key);  // "command 0x01", "protobuf 0x02/0x82"

// What a request does, as far as the daemon's core must know: a Sleep the
// camera acknowledged means its disconnect is no loss; shutter off may overtake
// requests waiting for a busy camera; clients' registrations are restored on
// reconnection. Everything else is Other.
enum class RequestKind : std::uint8_t {
    Other,
    Sleep,
    ShutterOff,
    RegisterStatuses,
    UnregisterStatuses,
    RegisterSettings,
    UnregisterSettings,
    // issue 15 F: Get Preset Status registering for 0xF3 pushes (tagged by its
    // builder; raw protobuf requests stay Other, as kindOf() reads no protobuf)
    RegisterPresetStatus,
};

// One framed-before-sending request message, with where it goes, what answers it
// and what it is.
struct Request {
    Characteristic characteristic = Characteristic::CommandRequest;
    Bytes message;  // unframed
    ResponseKey expects;
    RequestKind kind = RequestKind::Other;
};

// The response a request written to `characteristic` expects. Protobuf when
// the first byte is a feature ID used on that characteristic (response action =
// request action | 0x80), else the TLV ID of the characteristic's kind.
ResponseKey responseKeyFor(Characteristic characteristic, ByteView message);
// A request of raw bytes (a client's SendRaw): its kind is read from the bytes,
// so a raw Sleep or registration counts as one.
Request makeRequest(Characteristic characteristic, Bytes message);
// For the builders, which know what they build.
Request makeRequest(Characteristic characteristic, Bytes message, RequestKind kind);

// Whether `answer`, to a request that expects `key`, reports success: a command,
// setting or query response with status 0. Protobuf answers carry their result
// inside their message: false.
bool succeeded(const ResponseKey& key, ByteView answer);

enum class Incoming : std::uint8_t {
    Response,                  // completes the pending request with `key`
    UnsupportedReply,          // [feature][status]: the camera does not support a protobuf operation
    SettingPush,               // query 0x92
    StatusPush,                // query 0x93
    CapabilityPush,            // query 0xA2
    ScanNotification,          // 0x02/0x0B NotifStartScanning
    ProvisioningNotification,  // 0x02/0x0C NotifProvisioningState
    PresetNotification,        // 0xF5/0xF3 NotifyPresetStatus
    Spurious,                  // 0xF5/0xFF after station mode: ignore
    // group C
    LiveStreamNotification,  // 0xF5/0xF5 NotifyLiveStreamStatus (a registered client's push)
    Unknown,                   // not from a response characteristic, or empty
};

struct Classified {
    Incoming kind = Incoming::Unknown;
    ResponseKey key;  // for Response (and UnsupportedReply: kind Protobuf, action 0)
};

Classified classify(Characteristic from, ByteView message);

// Whether `incoming` completes a request waiting for `pending`. A response
// matches its key exactly; an unsupported reply matches by feature alone. A
// COHN status or other response that arrives with no request waiting is
// delivered as an asynchronous message by the caller.
bool completes(const ResponseKey& pending, const Classified& incoming);

// Whether one message could complete requests waiting for `a` and for `b`:
// the same key, or two protobuf operations of one feature (an unsupported reply
// carries only the feature).
bool mayShareAnswer(const ResponseKey& a, const ResponseKey& b);

std::string_view incomingName(Incoming kind);

}  // namespace goprod::protocol
