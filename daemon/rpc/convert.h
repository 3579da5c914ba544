// Conversions between the daemon's values (core::CameraView, core::Event,
// answers) and the API's messages, with names and display strings from the
// protocol tables. Pure functions: any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "daemon/core/control.h"
#include "goprod.pb.h"
#include "protocol/bytes.h"
#include "protocol/commands.h"
#include "protocol/gatt.h"
#include "protocol/queries.h"

namespace open_gopro {
class NotifyPresetStatus;
}

namespace goprod::rpc {

struct Clock;

// Turns steady-clock time points (Answer::sentAt/answeredAt) into wall time with
// one offset read once, so that the skew between cameras of one RPC is exact.
class TimeBase {
public:
    static TimeBase now(const Clock& clock);
    std::chrono::system_clock::time_point wall(std::chrono::steady_clock::time_point steady) const;
    std::chrono::system_clock::time_point systemNow() const { return system_; }

private:
    std::chrono::steady_clock::time_point steady_{};
    std::chrono::system_clock::time_point system_{};
};

void setTimestamp(google::protobuf::Timestamp* out, std::chrono::system_clock::time_point time);
// A duration of either sign: seconds and nanos share it, as protobuf requires.
void setDuration(google::protobuf::Duration* out, std::chrono::nanoseconds value);
std::chrono::system_clock::time_point fromTimestamp(const google::protobuf::Timestamp& time);
// Within protobuf's range for a Timestamp (years 1 to 9999, nanos 0..999,999,999): a
// client may send others, which fromTimestamp() would overflow on.
bool validTimestamp(const google::protobuf::Timestamp& time);

v1::CameraState toProto(core::CameraState state);
void toProto(const core::CameraView& view, v1::Camera* out);

// issue 17: MultiResult.spread, the first to the last `sent` of the cameras that succeeded.
void setSpread(v1::MultiResult& result);

// The outcome of one camera: OK, or the error's code and message (status.h).
v1::CameraResult okResult(const core::CameraView& camera);
v1::CameraResult errorResult(const core::CameraView& camera, const core::Error& error);
// Sent and acknowledged times of an answer (unset when the answer has none).
void setAnswerTimes(v1::CameraResult* result, const core::Answer& answer, const TimeBase& time);

v1::Value settingValue(std::uint8_t id, protocol::ByteView raw);
v1::Value statusValue(std::uint8_t id, protocol::ByteView raw);

std::optional<core::Event::Kind> fromProto(v1::Event::Kind kind);
v1::Event::Kind toProto(core::Event::Kind kind);
v1::Event toProto(const core::Event& event, std::chrono::system_clock::time_point time);

// The request characteristic an API Characteristic names (unset for UNSPECIFIED or unknown values).
std::optional<protocol::Characteristic> fromProto(v1::Characteristic characteristic);
// The preset group an API PresetGroup names (unset for UNSPECIFIED or unknown values).
std::optional<protocol::PresetGroup> fromProto(v1::PresetGroup group);

v1::ConnectNetworkProgress::Step toProto(core::WifiProgress::Step step);
// An SSID (or AP password) in `text` when it is valid UTF-8, else in `raw`.
void setSsid(const std::string& bytes, std::string* text, std::string* raw);
v1::Network toProto(const core::ScanEntry& entry);
void toProto(const protocol::HardwareInfo& info, v1::HardwareInfo* out);

// The registry's part of GetDaemonStatus (the service adds version, uptime and streams).
void toProto(const core::RegistryStatus& status, v1::DaemonStatus* out);

// issue 15 D: a camera's NotifyCOHNStatus message ([F5][EF][body]) as the API's; false if it does not decode.
bool cohnStatusFromMessage(const protocol::Bytes& message, v1::CohnStatus* out);
// group C: live streaming
v1::LiveStreamProgress::Step toProto(core::LiveStreamProgress::Step step);
std::optional<int> lensFromProto(v1::LiveStreamLens lens);  // open_gopro.EnumLens; nullopt for UNSPECIFIED
std::optional<int> windowFromLines(std::uint32_t lines);    // 480/720/1080 → open_gopro.EnumWindowSize
// A NotifyLiveStreamStatus message ([F5][F4 or F5][body]); nullopt when it is not one.
std::optional<v1::LiveStreamStatus> liveStreamStatus(const protocol::Bytes& message);
// issue 15 group A: the camera's EnumCameraControlStatus an API CameraControl names (unset for UNSPECIFIED or
// unknown values).
std::optional<int> cameraControlStatus(v1::CameraControl control);
// issue 15 B: presets and setting capabilities
// The camera's preset groups and presets, with names from the protocol tables.
void toProto(const open_gopro::NotifyPresetStatus& status, v1::CameraPresets* out);
// A capability answer's [id][len][value] entries, one SettingCapability per ID
// in the order of first appearance; `asked` IDs the camera left out allow nothing.
void toProto(const std::vector<protocol::QueryEntry>& entries, const protocol::Bytes& asked,
             v1::CameraCapabilities* out);

// issue 15 E, 17: the file a Get Last Captured Media answer names (valid UTF-8);
// CameraRejected when the camera lacks the operation or has no capture to name.
struct LastMedia {
    std::string folder;  // "100GOPRO"
    std::string file;    // "GX010001.MP4"
};
core::Result<LastMedia> lastMediaOf(const core::Answer& answer);

}  // namespace goprod::rpc
