#include "daemon/rpc/convert.h"

#include <array>
#include <cctype>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <variant>

#include "cohn.pb.h"
#include "daemon/rpc/service.h"
#include "daemon/rpc/status.h"
#include "live_streaming.pb.h"  // group C
#include "media.pb.h"           // issue 15 E
#include "preset_status.pb.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "protocol/result_codes.h"
#include "protocol/settings.h"
#include "protocol/utf8.h"

namespace goprod::rpc {

namespace {

// One two-way table per enum: each row pairs the daemon's value with the API's,
// and both directions read the same rows.
template <class Ours, class Api, std::size_t N>
class EnumTable {
public:
    constexpr explicit EnumTable(const std::pair<Ours, Api> (&rows)[N]) : rows_(std::to_array(rows)) {}
    constexpr std::optional<Api> toApi(Ours value) const {
        for (const auto& [ours, api] : rows_) {
            if (ours == value) return api;
        }
        return std::nullopt;
    }
    constexpr std::optional<Ours> fromApi(Api value) const {
        for (const auto& [ours, api] : rows_) {
            if (api == value) return ours;
        }
        return std::nullopt;
    }

private:
    std::array<std::pair<Ours, Api>, N> rows_;
};

template <class Ours, class Api, std::size_t N>
constexpr EnumTable<Ours, Api, N> enumTable(const std::pair<Ours, Api> (&rows)[N]) {
    return EnumTable<Ours, Api, N>(rows);
}

constexpr auto kCameraStates = enumTable<core::CameraState, v1::CameraState>({
    {core::CameraState::Discovered, v1::CAMERA_STATE_DISCOVERED},
    {core::CameraState::Connecting, v1::CAMERA_STATE_CONNECTING},
    {core::CameraState::Pairing, v1::CAMERA_STATE_PAIRING},
    {core::CameraState::ResolvingServices, v1::CAMERA_STATE_RESOLVING_SERVICES},
    {core::CameraState::Subscribing, v1::CAMERA_STATE_SUBSCRIBING},
    {core::CameraState::Initializing, v1::CAMERA_STATE_INITIALIZING},
    {core::CameraState::Ready, v1::CAMERA_STATE_READY},
    {core::CameraState::Sleeping, v1::CAMERA_STATE_SLEEPING},
    {core::CameraState::LinkLost, v1::CAMERA_STATE_LINK_LOST},
    {core::CameraState::Disconnected, v1::CAMERA_STATE_DISCONNECTED},
});

constexpr auto kEventKinds = enumTable<core::Event::Kind, v1::Event::Kind>({
    {core::Event::Kind::StateChanged, v1::Event::KIND_STATE_CHANGED},
    {core::Event::Kind::StatusPush, v1::Event::KIND_STATUS},
    {core::Event::Kind::SettingPush, v1::Event::KIND_SETTING},
    {core::Event::Kind::Notification, v1::Event::KIND_NOTIFICATION},
    {core::Event::Kind::RequestDone, v1::Event::KIND_REQUEST_DONE},
    {core::Event::Kind::LiveStream, v1::Event::KIND_LIVE_STREAM},  // group C
    // issue 15 D
    {core::Event::Kind::CohnStatus, v1::Event::KIND_COHN_STATUS},
    // issue 15 F
    {core::Event::Kind::Presets, v1::Event::KIND_PRESETS},
});

// issue 15 D
constexpr auto kCohnStates = enumTable<open_gopro::EnumCOHNNetworkState, v1::CohnState>({
    {open_gopro::COHN_STATE_Init, v1::COHN_STATE_INIT},
    {open_gopro::COHN_STATE_Error, v1::COHN_STATE_ERROR},
    {open_gopro::COHN_STATE_Exit, v1::COHN_STATE_EXIT},
    {open_gopro::COHN_STATE_Idle, v1::COHN_STATE_IDLE},
    {open_gopro::COHN_STATE_NetworkConnected, v1::COHN_STATE_NETWORK_CONNECTED},
    {open_gopro::COHN_STATE_NetworkDisconnected, v1::COHN_STATE_NETWORK_DISCONNECTED},
    {open_gopro::COHN_STATE_ConnectingToNetwork, v1::COHN_STATE_CONNECTING_TO_NETWORK},
    {open_gopro::COHN_STATE_Invalid, v1::COHN_STATE_INVALID},
});

constexpr auto kCharacteristics = enumTable<protocol::Characteristic, v1::Characteristic>({
    {protocol::Characteristic::CommandRequest, v1::CHARACTERISTIC_COMMAND},
    {protocol::Characteristic::SettingRequest, v1::CHARACTERISTIC_SETTINGS},
    {protocol::Characteristic::QueryRequest, v1::CHARACTERISTIC_QUERY},
    {protocol::Characteristic::NetworkManagementRequest, v1::CHARACTERISTIC_NETWORK},
});

constexpr auto kPresetGroups = enumTable<protocol::PresetGroup, v1::PresetGroup>({
    {protocol::PresetGroup::Video, v1::PRESET_GROUP_VIDEO},
    {protocol::PresetGroup::Photo, v1::PRESET_GROUP_PHOTO},
    {protocol::PresetGroup::Timelapse, v1::PRESET_GROUP_TIMELAPSE},
});

constexpr auto kWifiSteps = enumTable<core::WifiProgress::Step, v1::ConnectNetworkProgress::Step>({
    {core::WifiProgress::Step::Scanning, v1::ConnectNetworkProgress::STEP_SCANNING},
    {core::WifiProgress::Step::Found, v1::ConnectNetworkProgress::STEP_FOUND},
    {core::WifiProgress::Step::Connecting, v1::ConnectNetworkProgress::STEP_CONNECTING},
    {core::WifiProgress::Step::Provisioning, v1::ConnectNetworkProgress::STEP_PROVISIONING},
});

}  // namespace

TimeBase TimeBase::now(const Clock& clock) {
    TimeBase base;
    base.steady_ = clock.steadyNow();
    base.system_ = clock.systemNow();
    return base;
}

std::chrono::system_clock::time_point TimeBase::wall(std::chrono::steady_clock::time_point steady) const {
    return system_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(steady - steady_);
}

void setSpread(v1::MultiResult& result) {
    std::optional<std::chrono::system_clock::time_point> first, last;
    for (const auto& camera : result.results()) {
        if (camera.code() != 0 || !camera.has_sent()) continue;
        const auto sent = fromTimestamp(camera.sent());
        if (!first || sent < *first) first = sent;
        if (!last || sent > *last) last = sent;
    }
    if (!first || first == last) return;
    setDuration(result.mutable_spread(), *last - *first);
}

void setDuration(google::protobuf::Duration* out, std::chrono::nanoseconds value) {
    out->set_seconds(value.count() / 1'000'000'000);
    out->set_nanos(static_cast<std::int32_t>(value.count() % 1'000'000'000));
}

void setTimestamp(google::protobuf::Timestamp* out, std::chrono::system_clock::time_point time) {
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
    // Timestamp nanos are never negative: floor the seconds for times before 1970.
    std::int64_t seconds = nanos / 1'000'000'000;
    std::int64_t rest = nanos % 1'000'000'000;
    if (rest < 0) {
        rest += 1'000'000'000;
        --seconds;
    }
    out->set_seconds(seconds);
    out->set_nanos(static_cast<std::int32_t>(rest));
}

std::chrono::system_clock::time_point fromTimestamp(const google::protobuf::Timestamp& time) {
    return std::chrono::system_clock::time_point{std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::seconds{time.seconds()} + std::chrono::nanoseconds{time.nanos()})};
}

bool validTimestamp(const google::protobuf::Timestamp& time) {
    constexpr std::int64_t kMinSeconds = -62'135'596'800;  // 0001-01-01T00:00:00Z
    constexpr std::int64_t kMaxSeconds = 253'402'300'799;  // 9999-12-31T23:59:59Z
    return time.seconds() >= kMinSeconds && time.seconds() <= kMaxSeconds && time.nanos() >= 0 &&
           time.nanos() <= 999'999'999;
}

v1::CameraState toProto(core::CameraState state) {
    return kCameraStates.toApi(state).value_or(v1::CAMERA_STATE_UNSPECIFIED);
}

void toProto(const core::CameraView& view, v1::Camera* out) {
    out->set_identifier(view.identifier);
    out->set_address(view.address);
    out->set_name(view.name);
    out->set_model(view.model);
    out->set_firmware(view.firmware);
    out->set_serial(view.serial);
    out->set_open_gopro_version(view.openGoProVersion);
    out->set_state(toProto(view.state));
    out->set_known(view.known);
    out->set_auto_connect(view.autoConnect);
    out->set_paired(view.paired);
    out->set_busy(view.busy);
    out->set_encoding(view.encoding);
    if (view.batteryPercent) out->set_battery_percent(*view.batteryPercent);
    if (view.rssi) out->set_rssi(*view.rssi);
    out->set_queue_depth(static_cast<std::uint32_t>(view.queueDepth));
    out->set_last_error(protocol::validUtf8(view.lastError));  // may quote an SSID
    if (view.lastSeenUnix > 0) {
        out->mutable_last_seen()->set_seconds(view.lastSeenUnix);
    }
    out->set_connect_attempts(view.connectAttempts);
    out->set_control_claimed(view.controlClaimed);  // issue 15 E
    out->set_adapter(view.adapter);                 // issue 16
    out->set_waiting(view.waiting);
    out->set_pinned_adapter(view.pinnedAdapter);
    out->set_home_adapter(view.homeAdapter);
    out->set_priority(view.priority);
}

v1::CameraResult okResult(const core::CameraView& camera) {
    v1::CameraResult result;
    result.set_identifier(camera.identifier);
    result.set_code(0);
    return result;
}

v1::CameraResult errorResult(const core::CameraView& camera, const core::Error& error) {
    v1::CameraResult result;
    result.set_identifier(camera.identifier);
    result.set_code(static_cast<std::int32_t>(statusCode(error.code)));
    result.set_message(protocol::validUtf8(statusMessage(error)));
    if (error.cameraStatus) result.set_camera_status(*error.cameraStatus);
    return result;
}

void setAnswerTimes(v1::CameraResult* result, const core::Answer& answer, const TimeBase& time) {
    const std::chrono::steady_clock::time_point unset{};
    if (answer.sentAt != unset) setTimestamp(result->mutable_sent(), time.wall(answer.sentAt));
    if (answer.answeredAt != unset) setTimestamp(result->mutable_acknowledged(), time.wall(answer.answeredAt));
    if (answer.writtenAt != unset) setTimestamp(result->mutable_written(), time.wall(answer.writtenAt));
}

namespace {

void setInteger(v1::Value& value, std::int64_t number) {
    if (number >= std::numeric_limits<std::int32_t>::min() && number <= std::numeric_limits<std::int32_t>::max()) {
        value.set_integer(static_cast<std::int32_t>(number));
    } else {
        value.set_large_integer(number);
    }
}

}  // namespace

v1::Value settingValue(std::uint8_t id, protocol::ByteView raw) {
    v1::Value value;
    value.set_id(id);
    if (const auto* info = protocol::findSetting(id)) value.set_name(std::string(info->name));
    value.set_raw(std::string(raw.begin(), raw.end()));
    if (!raw.empty() && raw.size() <= 8) setInteger(value, static_cast<std::int64_t>(protocol::readBigEndian(raw)));
    value.set_display(protocol::validUtf8(protocol::formatSettingValue(id, raw)));
    return value;
}

v1::Value statusValue(std::uint8_t id, protocol::ByteView raw) {
    v1::Value value;
    value.set_id(id);
    const auto* info = protocol::findStatus(id);
    if (info != nullptr) value.set_name(std::string(info->name));
    value.set_raw(std::string(raw.begin(), raw.end()));
    if (info != nullptr && info->type == protocol::ValueType::String) {
        // A string field must be UTF-8 (an AP SSID need not be): else only `raw`.
        auto text = std::get<std::string>(protocol::decodeStatusValue(id, raw));
        if (protocol::isUtf8(text)) value.set_text(std::move(text));
    } else if (!raw.empty() && raw.size() <= 8) {
        const auto decoded = protocol::decodeStatusValue(id, raw);
        if (const auto* number = std::get_if<std::int64_t>(&decoded)) setInteger(value, *number);
    }
    value.set_display(protocol::validUtf8(protocol::formatStatusValue(id, raw)));  // an AP SSID need not be UTF-8
    return value;
}

std::optional<core::Event::Kind> fromProto(v1::Event::Kind kind) { return kEventKinds.fromApi(kind); }

v1::Event::Kind toProto(core::Event::Kind kind) {
    return kEventKinds.toApi(kind).value_or(v1::Event::KIND_UNSPECIFIED);
}

v1::Event toProto(const core::Event& event, std::chrono::system_clock::time_point time) {
    v1::Event out;
    out.set_kind(toProto(event.kind));
    setTimestamp(out.mutable_time(), time);
    toProto(event.camera, out.mutable_camera());
    for (const auto& [id, raw] : event.entries) {
        *out.add_values() = event.kind == core::Event::Kind::SettingPush ? settingValue(id, raw) : statusValue(id, raw);
    }
    out.set_message(std::string(event.message.begin(), event.message.end()));
    out.set_request(event.request);
    if (event.kind == core::Event::Kind::CohnStatus) cohnStatusFromMessage(event.message, out.mutable_cohn_status());
    if (event.kind == core::Event::Kind::LiveStream) {  // group C
        if (auto status = liveStreamStatus(event.message)) *out.mutable_live_stream() = std::move(*status);
    }
    if (event.kind == core::Event::Kind::Presets) {  // issue 15 F
        const auto decoded = protocol::decodeProtobuf(event.message);
        if (const auto* status = decoded ? decoded->as<open_gopro::NotifyPresetStatus>() : nullptr) {
            v1::CameraPresets presets;
            toProto(*status, &presets);
            out.mutable_preset_groups()->Swap(presets.mutable_groups());
        }
    }
    if (event.error) {
        out.set_code(static_cast<std::int32_t>(statusCode(event.error->code)));
        out.set_error(protocol::validUtf8(statusMessage(*event.error)));
    }
    return out;
}

std::optional<protocol::Characteristic> fromProto(v1::Characteristic characteristic) {
    return kCharacteristics.fromApi(characteristic);
}

std::optional<protocol::PresetGroup> fromProto(v1::PresetGroup group) { return kPresetGroups.fromApi(group); }

v1::ConnectNetworkProgress::Step toProto(core::WifiProgress::Step step) {
    return kWifiSteps.toApi(step).value_or(v1::ConnectNetworkProgress::STEP_UNSPECIFIED);
}

void setSsid(const std::string& bytes, std::string* text, std::string* raw) {
    if (protocol::isUtf8(bytes)) {
        *text = bytes;
    } else {
        *raw = bytes;
    }
}

void toProto(const protocol::HardwareInfo& info, v1::HardwareInfo* out) {
    out->set_model_number(info.modelNumber);
    // The camera's text need not be UTF-8; string fields must be.
    out->set_model_name(protocol::validUtf8(info.modelName));
    out->set_firmware_version(protocol::validUtf8(info.firmwareVersion));
    out->set_serial_number(protocol::validUtf8(info.serialNumber));
    setSsid(info.apSsid, out->mutable_ap_ssid(), out->mutable_ap_ssid_raw());
    out->set_ap_mac_address(protocol::validUtf8(info.apMacAddress));
}

v1::Network toProto(const core::ScanEntry& entry) {
    constexpr std::uint32_t kAuthenticated = 0x01;  // open_gopro.SCAN_FLAG_AUTHENTICATED
    v1::Network network;
    setSsid(entry.ssid, network.mutable_ssid(), network.mutable_ssid_raw());
    network.set_signal_strength_bars(entry.signalStrengthBars);
    network.set_signal_frequency_mhz(entry.signalFrequencyMhz);
    network.set_flags(entry.flags);
    network.set_configured(entry.configured());
    network.set_open((entry.flags & kAuthenticated) == 0);
    return network;
}

void toProto(const core::RegistryStatus& status, v1::DaemonStatus* out) {
    out->set_bluez_running(status.bluezRunning);
    for (const auto& adapter : status.adapters) {
        auto* a = out->add_adapters();
        a->set_path(adapter.path);
        a->set_name(adapter.name);
        a->set_address(adapter.address);
        a->set_powered(adapter.powered);
        a->set_discovering(adapter.discovering);
        a->set_used(adapter.used);
        a->set_budget(static_cast<std::uint32_t>(adapter.budget));  // issue 16
        a->set_connections(static_cast<std::uint32_t>(adapter.connections));
        a->set_budget_lowered(adapter.budgetLowered);
        for (const auto& camera : adapter.cameras) a->add_cameras(camera);
    }
    auto count = [](std::size_t n) { return static_cast<std::uint32_t>(n); };
    out->set_cameras_known(count(status.known));
    out->set_cameras_connected(count(status.connected));
    out->set_cameras_ready(count(status.ready));
    out->mutable_cameras()->set_count(count(status.cameras));
    out->mutable_cameras()->set_limit(count(status.maxCameras));
    out->mutable_event_subscribers()->set_count(count(status.subscribers));
    out->mutable_event_subscribers()->set_limit(count(status.maxSubscribers));
    out->set_discoveries(count(status.discoveries));
}

// issue 15 D
bool cohnStatusFromMessage(const protocol::Bytes& message, v1::CohnStatus* out) {
    const auto decoded = protocol::decodeProtobuf(message);
    const auto* status = decoded ? decoded->as<open_gopro::NotifyCOHNStatus>() : nullptr;
    if (status == nullptr) return false;
    out->set_provisioned(status->status() == open_gopro::COHN_PROVISIONED);
    out->set_state(status->has_state() ? kCohnStates.toApi(status->state()).value_or(v1::COHN_STATE_UNSPECIFIED)
                                       : v1::COHN_STATE_UNSPECIFIED);
    out->set_enabled(status->enabled());
    out->set_username(protocol::validUtf8(status->username()));
    out->set_password(protocol::validUtf8(status->password()));
    out->set_ip_address(protocol::validUtf8(status->ipaddress()));
    out->set_ssid(protocol::validUtf8(status->ssid()));
    out->set_mac_address(protocol::validUtf8(status->macaddress()));
    return true;
}

// --- group C: live streaming ---------------------------------------------------

namespace {
constexpr auto kLiveStreamSteps = enumTable<core::LiveStreamProgress::Step, v1::LiveStreamProgress::Step>({
    {core::LiveStreamProgress::Step::Configuring, v1::LiveStreamProgress::STEP_CONFIGURING},
    {core::LiveStreamProgress::Step::Ready, v1::LiveStreamProgress::STEP_READY},
    {core::LiveStreamProgress::Step::Starting, v1::LiveStreamProgress::STEP_STARTING},
    {core::LiveStreamProgress::Step::Streaming, v1::LiveStreamProgress::STEP_STREAMING},
});
// The camera's open_gopro.EnumLens values.
constexpr auto kLenses = enumTable<int, v1::LiveStreamLens>({
    {0, v1::LIVE_STREAM_LENS_WIDE},
    {4, v1::LIVE_STREAM_LENS_LINEAR},
    {3, v1::LIVE_STREAM_LENS_SUPERVIEW},
});
// open_gopro.EnumWindowSize → lines.
constexpr std::pair<int, std::uint32_t> kWindows[] = {{4, 480}, {7, 720}, {12, 1080}};
}  // namespace

v1::LiveStreamProgress::Step toProto(core::LiveStreamProgress::Step step) {
    return kLiveStreamSteps.toApi(step).value_or(v1::LiveStreamProgress::STEP_UNSPECIFIED);
}

std::optional<int> lensFromProto(v1::LiveStreamLens lens) { return kLenses.fromApi(lens); }

std::optional<int> windowFromLines(std::uint32_t lines) {
    for (const auto& [id, l] : kWindows) {
        if (l == lines) return id;
    }
    return std::nullopt;
}

std::optional<v1::LiveStreamStatus> liveStreamStatus(const protocol::Bytes& message) {
    auto decoded = protocol::decodeProtobuf(message);
    if (!decoded) return std::nullopt;
    const auto* in = decoded->as<open_gopro::NotifyLiveStreamStatus>();
    if (!in) return std::nullopt;
    v1::LiveStreamStatus out;
    out.set_state(static_cast<v1::LiveStreamState>(in->live_stream_status()));
    out.set_error(in->live_stream_error());
    if (in->live_stream_error() != open_gopro::LIVE_STREAM_ERROR_NONE) {
        out.set_error_name(open_gopro::EnumLiveStreamError_Name(in->live_stream_error()));
    }
    out.set_encode(in->live_stream_encode());
    out.set_bitrate_kbps(in->live_stream_bitrate());
    for (const int size : in->live_stream_window_size_supported_array()) {
        for (const auto& [id, lines] : kWindows) {
            if (id == size) out.add_window_sizes(lines);
        }
    }
    out.set_minimum_bitrate_kbps(in->live_stream_minimum_stream_bitrate());
    out.set_maximum_bitrate_kbps(in->live_stream_maximum_stream_bitrate());
    for (const int lens : in->live_stream_lens_supported_array()) {
        if (auto api = kLenses.toApi(lens)) out.add_lenses(*api);
    }
    return out;
}

// issue 15 group A
std::optional<int> cameraControlStatus(v1::CameraControl control) {
    switch (control) {
        case v1::CAMERA_CONTROL_IDLE:
            return 0;
        case v1::CAMERA_CONTROL_CAMERA:
            return 1;
        case v1::CAMERA_CONTROL_EXTERNAL:
            return 2;
        default:
            return std::nullopt;
    }
}

// --- issue 15 B: presets and setting capabilities ---

namespace {

// "FLAT_MODE_TIME_LAPSE_VIDEO" -> "time_lapse_video"; empty for modes the proto does not know.
std::string flatModeName(int mode) {
    if (!open_gopro::EnumFlatMode_IsValid(mode)) return {};
    std::string name = open_gopro::EnumFlatMode_Name(static_cast<open_gopro::EnumFlatMode>(mode));
    constexpr std::string_view kPrefix = "FLAT_MODE_";
    if (name.starts_with(kPrefix)) name.erase(0, kPrefix.size());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
}

v1::PresetSettingValue presetSetting(const open_gopro::PresetSetting& setting) {
    v1::PresetSettingValue out;
    out.set_id(static_cast<std::uint32_t>(setting.id()));
    out.set_value(setting.value());
    out.set_caption(setting.is_caption());
    std::string display = std::to_string(setting.value());
    if (setting.id() >= 0 && setting.id() <= 255) {
        const auto id = static_cast<std::uint8_t>(setting.id());
        if (const auto* info = protocol::findSetting(id)) out.set_name(std::string(info->name));
        if (setting.value() >= 0) {
            if (auto name = protocol::settingValueName(id, static_cast<std::uint64_t>(setting.value()))) {
                display += " (" + std::string(*name) + ")";
            }
        }
    }
    out.set_display(protocol::validUtf8(display));
    return out;
}

}  // namespace

void toProto(const open_gopro::NotifyPresetStatus& status, v1::CameraPresets* out) {
    for (const auto& group : status.preset_group_array()) {
        auto* g = out->add_groups();
        g->set_id(static_cast<std::uint32_t>(group.id()));
        g->set_name(std::string(protocol::presetGroupName(static_cast<std::uint32_t>(group.id())).value_or("")));
        g->set_active_preset_id(group.active_preset_id());
        g->set_can_add_preset(group.can_add_preset());
        g->set_icon(group.icon());
        g->set_custom_name(protocol::validUtf8(group.custom_name()));
        for (const auto& preset : group.preset_array()) {
            auto* p = g->add_presets();
            p->set_id(preset.id());
            p->set_mode(preset.mode());
            p->set_mode_name(flatModeName(preset.mode()));
            p->set_title_id(preset.title_id());
            p->set_title_number(preset.title_number());
            p->set_custom_name(protocol::validUtf8(preset.custom_name()));
            p->set_icon(preset.icon());
            p->set_active(group.has_active_preset_id() && preset.id() == group.active_preset_id());
            p->set_visible(preset.is_visible());
            p->set_user_defined(preset.user_defined());
            p->set_modified(preset.is_modified());
            p->set_fixed(preset.is_fixed());
            for (const auto& setting : preset.setting_array()) *p->add_settings() = presetSetting(setting);
        }
    }
}

void toProto(const std::vector<protocol::QueryEntry>& entries, const protocol::Bytes& asked,
             v1::CameraCapabilities* out) {
    std::map<std::uint8_t, v1::SettingCapability*> byId;
    const auto capability = [&](std::uint8_t id) {
        auto& slot = byId[id];
        if (slot == nullptr) {
            slot = out->add_settings();
            slot->set_id(id);
            if (const auto* info = protocol::findSetting(id)) slot->set_name(std::string(info->name));
        }
        return slot;
    };
    for (const auto& entry : entries) {
        auto* setting = capability(entry.id);
        // A zero-length value (§6: a push with no options) lists no option.
        if (!entry.value.empty()) *setting->add_allowed() = settingValue(entry.id, entry.value);
    }
    for (const auto id : asked) capability(id);
}

core::Result<LastMedia> lastMediaOf(const core::Answer& answer) {
    const std::string what = "Get Last Captured Media";
    if (answer.message.size() == 2) {
        return core::fail(core::Errc::CameraRejected, what + " failed: the camera does not support it (status " +
                                                          std::to_string(answer.message[1]) + ")");
    }
    auto decoded = protocol::decodeProtobuf(answer.message);
    if (!decoded) return Unexpected{malformedAnswer(what, decoded.error())};
    const auto* last = decoded->as<open_gopro::ResponseLastCapturedMedia>();
    if (last == nullptr) return core::fail(core::Errc::Internal, "unexpected answer to " + what);
    if (last->result() != protocol::kResultSuccess) {
        // The camera has no capture to name (none since it started, or the card changed).
        return core::fail(core::Errc::CameraRejected,
                          what + " failed: " + std::string(protocol::resultGenericName(last->result())));
    }
    return LastMedia{protocol::validUtf8(last->media().folder()), protocol::validUtf8(last->media().file())};
}

}  // namespace goprod::rpc
