#include "sim/camera.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>

#include "camera_control.pb.h"
#include "cohn.pb.h"
#include "live_streaming.pb.h"
#include "media.pb.h"
#include "network_management.pb.h"
#include "preset_status.pb.h"
#include "protocol/commands.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "protocol/result_codes.h"
#include "protocol/settings.h"
#include "response_generic.pb.h"

namespace goprod::sim {

namespace {

namespace pb = open_gopro;
using protocol::Bytes;
using protocol::ByteView;
using protocol::Characteristic;
using C = Characteristic;
using std::chrono::milliseconds;

constexpr auto kOk = static_cast<std::uint8_t>(protocol::CameraStatus::Success);
constexpr auto kError = static_cast<std::uint8_t>(protocol::CameraStatus::Error);
constexpr auto kInvalid = static_cast<std::uint8_t>(protocol::CameraStatus::InvalidParameter);

constexpr auto kNetwork = static_cast<std::uint8_t>(protocol::FeatureId::NetworkManagement);
constexpr auto kWireless = static_cast<std::uint8_t>(protocol::FeatureId::WirelessManagement);
constexpr auto kCommandFeature = static_cast<std::uint8_t>(protocol::FeatureId::Command);
constexpr auto kQueryFeature = static_cast<std::uint8_t>(protocol::FeatureId::Query);

// The status byte of the 2-byte [feature][status] reply to an operation the
// camera does not support (the SDK's `02 F5 02`).
constexpr std::uint8_t kUnsupportedStatus = 2;
constexpr int kConnectTimeoutSeconds = 30;

// Statuses the camera changes (see camera_tables.cpp for the rest).
namespace st {
constexpr std::uint8_t kBusy = protocol::status_id::kBusy, kEncoding = protocol::status_id::kEncoding;
constexpr std::uint8_t kEncodingDuration = 13, kPairingState = 19, kLastPairingType = 20, kScanState = 22;
constexpr std::uint8_t kProvisioningState = 24, kStationSsid = 29, kApSsid = 30, kRemainingPhotos = 34;
constexpr std::uint8_t kPhotos = 38, kVideos = 39, kActiveHilights = 58, kApMode = protocol::status_id::kApMode;
constexpr std::uint8_t kFlatMode = 89, kPresetGroup = protocol::status_id::kPresetGroup;
constexpr std::uint8_t kPreset = protocol::status_id::kPreset, kTurbo = 113;
constexpr std::uint8_t kCameraControl = protocol::status_id::kCameraControl;
}  // namespace st

// Status 19/22/24 enum values.
constexpr std::int64_t kStarted = 1, kAborted = 2, kCompleted = 4;

Bytes integerBytes(std::uint64_t value, std::size_t width) {
    Bytes out;
    protocol::appendBigEndian(out, value, width);
    return out;
}

std::size_t settingWidth(std::uint8_t id) {
    const protocol::SettingInfo* info = protocol::findSetting(id);
    return info != nullptr && info->width != 0 ? info->width : 1;
}

std::chrono::sys_seconds toSys(const protocol::DateTime& t) {
    using namespace std::chrono;
    return sys_days{year{t.year} / month{t.month} / day{t.day}} + hours{t.hour} + minutes{t.minute} + seconds{t.second};
}

protocol::DateTime fromSys(std::chrono::sys_seconds time) {
    using namespace std::chrono;
    const auto days = floor<std::chrono::days>(time);
    const year_month_day date{days};
    const hh_mm_ss clock{time - days};
    return protocol::DateTime{static_cast<std::uint16_t>(static_cast<int>(date.year())),
                              static_cast<std::uint8_t>(static_cast<unsigned>(date.month())),
                              static_cast<std::uint8_t>(static_cast<unsigned>(date.day())),
                              static_cast<std::uint8_t>(clock.hours().count()),
                              static_cast<std::uint8_t>(clock.minutes().count()),
                              static_cast<std::uint8_t>(clock.seconds().count())};
}

// The library checks field ranges; a camera also refuses dates that do not exist (31 April).
bool isRealDate(const protocol::DateTime& t) {
    using namespace std::chrono;
    return year_month_day{year{t.year}, month{t.month}, day{t.day}}.ok();
}

// Header bytes of a packet as fragment() builds them, so corruption leaves the framing intact.
std::size_t headerSize(ByteView packet) {
    if (packet.empty() || (packet[0] & 0x80) != 0) return 1;
    switch (packet[0] >> 5) {
        case 1:
            return 2;
        case 2:
            return 3;
        default:
            return 1;
    }
}

Bytes genericResponse(std::uint8_t feature, std::uint8_t act, int result) {
    pb::ResponseGeneric body;
    body.set_result(static_cast<pb::EnumResultGeneric>(result));
    return protocol::encodeProtobuf(feature, act | protocol::action::kResponseBit, body);
}

// One setting's capability entries: an [id][len][value] triplet per allowed
// option, or [id][0] when none is allowed (as the SDK's test shows).
void appendCapabilities(std::vector<protocol::QueryEntry>& entries, std::uint8_t id,
                        const std::vector<std::uint64_t>& options) {
    if (options.empty()) entries.push_back({id, {}});
    for (auto option : options) entries.push_back({id, integerBytes(option, settingWidth(id))});
}

// The answer to a known operation that the camera refuses (ill-formed body,
// busy): the operation's own response type carrying `result`, or nullopt
// when that type has no result field.
std::optional<Bytes> refusal(std::uint8_t feature, std::uint8_t act, int result) {
    const auto code = static_cast<pb::EnumResultGeneric>(result);
    const auto responseAction = static_cast<std::uint8_t>(act | protocol::action::kResponseBit);
    if (feature == kNetwork) {
        switch (act) {
            case protocol::action::kStartScan: {
                pb::ResponseStartScanning body;
                body.set_result(code);
                body.set_scanning_state(pb::SCANNING_NEVER_STARTED);
                return protocol::encodeProtobuf(feature, responseAction, body);
            }
            case protocol::action::kGetApEntries: {
                pb::ResponseGetApEntries body;
                body.set_result(code);
                body.set_scan_id(0);
                return protocol::encodeProtobuf(feature, responseAction, body);
            }
            case protocol::action::kConnect:
            case protocol::action::kConnectNew: {
                pb::ResponseConnect body;  // same fields as ResponseConnectNew
                body.set_result(code);
                body.set_provisioning_state(pb::PROVISIONING_NEVER_STARTED);
                body.set_timeout_seconds(0);
                return protocol::encodeProtobuf(feature, responseAction, body);
            }
            default:
                return std::nullopt;
        }
    }
    if (feature == kQueryFeature) {
        if (act == protocol::action::kGetCohnCert) {
            pb::ResponseCOHNCert body;
            body.set_result(code);
            return protocol::encodeProtobuf(feature, responseAction, body);
        }
        if (act == protocol::action::kGetLastCapturedMedia) {  // issue 15 E
            pb::ResponseLastCapturedMedia body;
            body.set_result(code);
            return protocol::encodeProtobuf(feature, responseAction, body);
        }
        return std::nullopt;  // COHN and preset status notifications have no result
    }
    return genericResponse(feature, act, result);
}

// Operations this camera implements; everything else gets the 2-byte reply.
bool implemented(std::uint8_t feature, std::uint8_t act, std::uint32_t modelNumber) {
    namespace a = protocol::action;
    switch (feature) {
        case kNetwork:
            return act == a::kStartScan || act == a::kGetApEntries || act == a::kConnect || act == a::kConnectNew;
        case kWireless:
            return act == a::kPairingFinish;
        case kCommandFeature:
            // Set Camera Name exists on MAX 2 (64) and LIT HERO (70) only.
            if (act == a::kSetCameraName) return modelNumber == 64 || modelNumber == 70;
            // issue 15 F: preset visibility on MAX 2 only; the custom preset update on HERO12
            // (from v2.0: handleProtobuf checks the firmware), HERO13 and MAX 2.
            if (act == a::kPresetSetVisibility) return modelNumber == 64;
            if (act == a::kCustomPresetUpdate) return modelNumber == 62 || modelNumber == 64 || modelNumber == 65;
            return act == a::kSetCohnSetting || act == a::kClearCohnCert || act == a::kCreateCohnCert ||
                   act == a::kSetCameraControl || act == a::kSetTurboActive || act == a::kReleaseNetwork ||
                   act == a::kSetLiveStreamMode;  // group C
        case kQueryFeature:
            // issue 15 E: Get Last Captured Media from HERO12 (62) on.
            if (act == a::kGetLastCapturedMedia) return modelNumber >= 62;
            return act == a::kGetCohnCert || act == a::kGetCohnStatus || act == a::kGetPresetStatus ||
                   act == a::kGetLiveStreamStatus;  // group C
        default:
            return false;
    }
}

// Operations that only read, accepted while busy like TLV queries.
bool readOnly(std::uint8_t feature, std::uint8_t act) {
    return feature == kQueryFeature || feature == kWireless ||
           (feature == kNetwork && act == protocol::action::kGetApEntries);
}

bool readOnlyCommand(std::uint8_t id) {
    using protocol::CommandId;
    switch (static_cast<CommandId>(id)) {
        case CommandId::GetDateTime:
        case CommandId::GetLocalDateTime:
        case CommandId::GetHardwareInfo:
        case CommandId::GetOpenGoProVersion:
            return true;
        default:
            return false;
    }
}

// issue 15 E: Set and Get Local Date Time exist from HERO11 (58) on; HERO9
// (55) and HERO10 (57) answer them as unknown commands.
bool hasLocalDateTime(std::uint32_t modelNumber) { return modelNumber != 55 && modelNumber != 57; }

}  // namespace

Camera::Camera(CameraConfig config, Scheduler& scheduler, Hooks hooks)
    : config_(std::move(config)), scheduler_(scheduler), hooks_(std::move(hooks)), settings_(defaultSettings()) {
    for (const auto& status : defaultStatuses()) {
        const protocol::StatusInfo* info = protocol::findStatus(status.id);
        if (info != nullptr && info->type == protocol::ValueType::String) {
            setStatusText(status.id, "");
        } else {
            setStatus(status.id, status.value);
        }
    }
    setStatusText(st::kApSsid, config_.apSsid);
    for (std::uint32_t group : {kVideoGroup, kPhotoGroup, kTimelapseGroup}) {
        activePreset_[group] = static_cast<std::uint32_t>(statusInt(presetStatusOf(group)));
    }
    for (const auto& info : presetTable()) {  // issue 15 F
        if (isCustomPreset(info.id)) customPresets_[info.id].name = std::string(info.name);
    }
    const auto now = scheduler_.now();
    clockBase_ = std::chrono::floor<std::chrono::seconds>(now);
    clockSetAt_ = now;
    for (C c : {C::CommandRequest, C::SettingRequest, C::QueryRequest, C::NetworkManagementRequest}) {
        reassemblers_.emplace(c, protocol::Reassembler(protocol::kMax13BitLength));
    }
}

Camera::~Camera() {
    for (const auto& [token, timer] : timers_) scheduler_.cancel(timer.first);
}

// ---------------------------------------------------------------------------
// Timers

std::uint64_t Camera::schedule(Scope scope, milliseconds delay, std::function<void()> fn) {
    const std::uint64_t token = nextToken_++;
    const Scheduler::TimerId id = scheduler_.after(delay, [this, token, fn = std::move(fn)] {
        if (timers_.erase(token) == 0) return;  // cancelled, yet the scheduler ran it
        fn();
    });
    timers_.emplace(token, std::pair{id, scope});
    return token;
}

void Camera::cancelTimer(std::uint64_t token) {
    const auto it = timers_.find(token);
    if (it == timers_.end()) return;
    scheduler_.cancel(it->second.first);
    timers_.erase(it);
}

void Camera::cancelTimers(Scope scope) {
    for (auto it = timers_.begin(); it != timers_.end();) {
        if (it->second.second == scope) {
            scheduler_.cancel(it->second.first);
            it = timers_.erase(it);
        } else {
            ++it;
        }
    }
}

// ---------------------------------------------------------------------------
// Link

void Camera::connected() {
    linkDown();  // a fresh link starts clean even if disconnected() was missed
    linkUp_ = true;
    asleep_ = false;  // connecting wakes a sleeping camera (spec §1.1)
}

void Camera::disconnected() { linkDown(); }

void Camera::linkDown() {
    linkUp_ = false;
    cancelTimers(Scope::Link);
    for (auto& [c, reassembler] : reassemblers_) reassembler.reset();
    settingRegistrations_.clear();
    statusRegistrations_.clear();
    capabilityRegistrations_.clear();
    presetRegistered_ = false;
    cohnRegistered_ = false;
    liveStreamRegistered_ = false;  // group C
    lastDue_ = {};
}

void Camera::dropLinkNow() {
    linkDown();
    if (hooks_.dropLink) hooks_.dropLink();
}

// ---------------------------------------------------------------------------
// Sending

void Camera::send(Batch batch) {
    if (batch.empty() || !linkUp_) return;
    // Everything leaves in the order it was produced, even when the latency
    // shrinks in between, as from the camera's single FIFO.
    const auto now = scheduler_.monotonicNow();
    const auto due = std::max(now + config_.latency + extraDelay_, lastDue_);
    const auto delay = std::chrono::ceil<milliseconds>(due - now);
    lastDue_ = now + delay;
    schedule(Scope::Link, delay, [this, batch = std::move(batch)] { transmit(batch); });
}

void Camera::transmit(const Batch& batch) {
    for (const auto& out : batch) {
        if (!linkUp_ || !transmitOne(out)) return;
        if (out.afterSent) out.afterSent();
    }
}

bool Camera::transmitOne(const Outgoing& out) {
    auto packets = protocol::fragment(out.message, protocol::Sender::Camera);
    if (!packets) return true;  // over 64 KiB: nothing the camera builds
    if (dropMidMultiPacket_ && packets->size() > 1) {
        dropMidMultiPacket_ = false;
        emitPacket(out.characteristic, std::move(packets->front()));
        dropLinkNow();
        return false;
    }
    for (auto& packet : *packets) {
        if (!linkUp_) return false;
        emitPacket(out.characteristic, std::move(packet));
    }
    return linkUp_;
}

void Camera::emitPacket(Characteristic c, Bytes packet) {
    if (corruptNext_ && packet.size() > headerSize(packet)) {
        corruptNext_ = false;
        for (std::size_t i = headerSize(packet); i < packet.size(); ++i)
            packet[i] = static_cast<std::uint8_t>(~packet[i]);
    }
    if (truncateNext_ && packet.size() > 1) {
        truncateNext_ = false;
        packet.pop_back();
    }
    const bool twice = std::exchange(duplicateNext_, false);
    if (!hooks_.notify) return;
    hooks_.notify(c, packet);
    if (twice && linkUp_) hooks_.notify(c, packet);
}

// ---------------------------------------------------------------------------
// GATT

bool Camera::write(Characteristic c, ByteView packet) {
    if ((protocol::info(c).properties & protocol::kWrite) == 0) return false;
    if (!linkUp_) return true;
    switch (c) {
        case C::WifiApSsid:
            // "Set WiFi Config V2": a raw write of the new SSID (and one of the password to 0003).
            if (!packet.empty() && packet.size() <= 32) {
                mutate([&](Batch&) {
                    config_.apSsid.assign(packet.begin(), packet.end());
                    setStatusText(st::kApSsid, config_.apSsid);
                });
            }
            return true;
        case C::WifiApPassword:
            if (packet.size() >= 8 && packet.size() <= 63) config_.apPassword.assign(packet.begin(), packet.end());
            return true;
        case C::CommandRequest:
        case C::SettingRequest:
        case C::QueryRequest:
        case C::NetworkManagementRequest: {
            // Framing errors are dropped silently, as by a camera; a packet that
            // interrupted a message may still complete a new one.
            auto out = reassemblers_.at(c).feed(packet);
            if (out.error) ++malformedPackets_;
            if (out.message) handleMessage(c, std::move(*out.message));
            return true;
        }
        default:
            return true;  // GP-0004, 0006, 0078, 0082: accepted, their formats are undocumented
    }
}

protocol::Result<Bytes> Camera::read(Characteristic c) {
    switch (c) {
        case C::WifiApSsid:
            return Bytes(config_.apSsid.begin(), config_.apSsid.end());
        case C::WifiApPassword:
            return Bytes(config_.apPassword.begin(), config_.apPassword.end());
        case C::WifiApState:
            return Bytes{static_cast<std::uint8_t>(apEnabled() ? 1 : 0)};
        case C::WifiCsiPassword:
            return Bytes{};  // readable on cameras, content undocumented
        default:
            return protocol::fail(protocol::Errc::InvalidArgument,
                                  std::string(protocol::info(c).shortName) + " is not readable");
    }
}

// ---------------------------------------------------------------------------
// State

bool Camera::encoding() const { return statusInt(st::kEncoding) != 0; }
bool Camera::busy() const { return busy_; }
bool Camera::apEnabled() const { return statusInt(st::kApMode) != 0; }
std::uint32_t Camera::presetGroup() const { return static_cast<std::uint32_t>(statusInt(st::kPresetGroup)); }
std::uint32_t Camera::preset() const { return static_cast<std::uint32_t>(statusInt(st::kPreset)); }
std::string Camera::stationSsid() const { return station_; }

std::optional<std::uint64_t> Camera::settingValue(std::uint8_t id) const {
    const auto it = settings_.find(id);
    if (it == settings_.end()) return std::nullopt;
    return it->second;
}

protocol::HardwareInfo Camera::hardwareInfo() const {
    protocol::HardwareInfo info;
    info.modelNumber = config_.modelNumber;
    info.modelName = config_.modelName;
    info.boardType = "0x05";  // the deprecated field, as every camera still sends it
    info.firmwareVersion = config_.firmware;
    info.serialNumber = config_.serial;
    info.apSsid = config_.apSsid;
    info.apMacAddress = config_.apMac;
    return info;
}

std::optional<Bytes> Camera::statusValue(std::uint8_t id) const {
    if (!statuses_.contains(id)) return std::nullopt;
    return encodedStatus(id);
}

void Camera::setStatus(std::uint8_t id, std::int64_t value) {
    const protocol::StatusInfo* info = protocol::findStatus(id);
    const std::size_t width = info != nullptr && info->width != 0 ? info->width : 1;
    statuses_[id] = integerBytes(static_cast<std::uint64_t>(value), width);
}

void Camera::setStatusText(std::uint8_t id, const std::string& text) {
    statuses_[id] = Bytes(text.begin(), text.end());
}

std::int64_t Camera::statusInt(std::uint8_t id) const {
    const auto it = statuses_.find(id);
    return it == statuses_.end() ? 0 : static_cast<std::int64_t>(protocol::readBigEndian(it->second));
}

Bytes Camera::encodedStatus(std::uint8_t id) const {
    if (id == st::kEncodingDuration) {
        // Seconds into the current video, computed when asked (and never pushed).
        std::int64_t seconds = 0;
        if (encoding() && !stillCapture()) {
            seconds = std::chrono::floor<std::chrono::seconds>(scheduler_.now() - encodingSince_).count();
        }
        return integerBytes(static_cast<std::uint64_t>(std::max<std::int64_t>(seconds, 0)), 4);
    }
    const auto it = statuses_.find(id);
    return it == statuses_.end() ? Bytes{} : it->second;
}

Bytes Camera::encodedSetting(std::uint8_t id) const {
    const auto it = settings_.find(id);
    return it == settings_.end() ? Bytes{} : integerBytes(it->second, settingWidth(id));
}

// ---------------------------------------------------------------------------
// Change tracking and pushes

Camera::Snapshot Camera::snapshot(std::set<std::uint8_t> settingIds, std::set<std::uint8_t> statusIds,
                                  std::set<std::uint8_t> capabilityIds, bool preset, bool cohn) const {
    Snapshot s;
    for (const auto id : settingIds) {
        if (settings_.contains(id)) s.settings[id] = encodedSetting(id);
    }
    for (const auto id : capabilityIds) {
        if (!settings_.contains(id)) continue;
        if (auto allowed = allowedValues(id, settings_)) s.capabilities[id] = std::move(*allowed);
    }
    for (const auto id : statusIds) {
        if (const auto status = statuses_.find(id); status != statuses_.end()) s.statuses.insert(*status);
    }
    if (preset) {
        const auto message = presetStatusMessage(protocol::action::kPresetStatusNotification, presetPushHidden_);
        s.presetStatus.assign(message.begin(), message.end());
    }
    if (cohn) {
        const auto message = cohnStatusMessage(protocol::action::kGetCohnStatus | protocol::action::kResponseBit);
        s.cohnStatus.assign(message.begin(), message.end());
    }
    s.settingIds = std::move(settingIds);
    s.statusIds = std::move(statusIds);
    s.capabilityIds = std::move(capabilityIds);
    s.preset = preset;
    s.cohn = cohn;
    // group C: `after` has it only when `before` had it (a registration made by the change pushes nothing).
    if (liveStreamRegistered_) {
        const auto message = liveStreamStatusMessage(protocol::action::kLiveStreamNotification);
        s.liveStream = true;
        s.liveStreamStatus.assign(message.begin(), message.end());
    }
    return s;
}

void Camera::appendPushes(const Snapshot& before, Batch& out) const {
    const Snapshot after =
        snapshot(before.settingIds, before.statusIds, before.capabilityIds, before.preset, before.cohn);
    const auto changed = [](const auto& old, const auto& now, std::uint8_t id) {
        const auto a = old.find(id);
        const auto b = now.find(id);
        const bool wasThere = a != old.end();
        if (wasThere != (b != now.end())) return true;
        return wasThere && a->second != b->second;
    };
    const auto push = [&out](protocol::QueryId id, std::vector<protocol::QueryEntry> entries) {
        if (entries.empty()) return;
        auto message = protocol::encodeQueryResponse({static_cast<std::uint8_t>(id), kOk, std::move(entries)});
        if (message) out.push_back({C::QueryResponse, std::move(*message), {}});
    };

    std::vector<protocol::QueryEntry> settings;
    for (std::uint8_t id : settingRegistrations_) {
        if (!before.settingIds.contains(id)) continue;
        if (changed(before.settings, after.settings, id)) settings.push_back({id, after.settings.at(id)});
    }
    push(protocol::QueryId::SettingPush, std::move(settings));

    std::vector<protocol::QueryEntry> statuses;
    for (std::uint8_t id : statusRegistrations_) {
        if (!before.statusIds.contains(id)) continue;
        if (id != st::kEncodingDuration && changed(before.statuses, after.statuses, id)) {
            statuses.push_back({id, after.statuses.at(id)});
        }
    }
    if (!suppressStatusPushes_) push(protocol::QueryId::StatusPush, std::move(statuses));

    std::vector<protocol::QueryEntry> capabilities;
    for (std::uint8_t id : capabilityRegistrations_) {
        if (!before.capabilityIds.contains(id)) continue;
        if (!changed(before.capabilities, after.capabilities, id) || !after.capabilities.contains(id)) continue;
        appendCapabilities(capabilities, id, after.capabilities.at(id));
    }
    push(protocol::QueryId::CapabilityPush, std::move(capabilities));

    if (presetRegistered_ && before.preset && before.presetStatus != after.presetStatus) {
        out.push_back({C::QueryResponse, Bytes(after.presetStatus.begin(), after.presetStatus.end()), {}});
    }
    if (cohnRegistered_ && before.cohn && before.cohnStatus != after.cohnStatus) {
        out.push_back({C::QueryResponse, Bytes(after.cohnStatus.begin(), after.cohnStatus.end()), {}});
    }
    // group C
    if (before.liveStream && after.liveStream && before.liveStreamStatus != after.liveStreamStatus) {
        out.push_back({C::QueryResponse, Bytes(after.liveStreamStatus.begin(), after.liveStreamStatus.end()), {}});
    }
}

void Camera::mutate(const std::function<void(Batch&)>& change) {
    const auto before = snapshotIfWatched();
    Batch out;
    change(out);
    if (!linkUp_) return;  // nobody to tell; registrations went with the link
    if (before) appendPushes(*before, out);
    send(std::move(out));
}

// Pushes compare the state before and after a change; with no registration
// there is nothing to compare for, so the (not cheap) snapshot is skipped.
std::optional<Camera::Snapshot> Camera::snapshotIfWatched() const {
    const bool watched = !settingRegistrations_.empty() || !statusRegistrations_.empty() ||
                         !capabilityRegistrations_.empty() || presetRegistered_ || cohnRegistered_ ||
                         liveStreamRegistered_;  // group C
    if (!watched) return std::nullopt;
    return snapshot(settingRegistrations_, statusRegistrations_, capabilityRegistrations_, presetRegistered_,
                    cohnRegistered_);
}

// ---------------------------------------------------------------------------
// Requests

void Camera::handleMessage(Characteristic c, Bytes message) {
    if (received_.size() == kReceivedLimit) received_.pop_front();
    received_.emplace_back(c, message);
    if (message.empty()) return;
    if (std::exchange(neverAnswer_, false)) return;
    if (swallow_ && swallow_(c, message)) return;
    const auto before = snapshotIfWatched();
    Batch out;
    if (message.size() >= 2 && protocol::featureUsesCharacteristic(message[0], c)) {
        handleProtobuf(c, message, out);
    } else if (c == C::CommandRequest) {
        handleCommand(message, out);
    } else if (c == C::SettingRequest) {
        handleSetting(message, out);
    } else if (c == C::QueryRequest) {
        handleQuery(message, out);
    }
    // GP-0091 carries protobuf only; anything else there is not understood and not answered.
    if (before) appendPushes(*before, out);
    send(std::move(out));
}

void Camera::handleCommand(ByteView message, Batch& out) {
    using protocol::CommandId;
    const std::uint8_t id = message[0];
    const auto reply = [&](std::uint8_t status, ByteView payload = {}) {
        out.push_back({C::CommandResponse, protocol::encodeCommandResponse(id, status, payload), {}});
    };
    const auto parsed = protocol::parseCommandRequest(message);
    if (!protocol::commandName(id) || !parsed) return reply(kInvalid);
    const auto& params = parsed->params;
    // The one length/value parameter a command takes, if its size is allowed.
    const auto single = [&params](std::size_t minSize, std::size_t maxSize) -> const Bytes* {
        if (params.size() != 1 || params[0].size() < minSize || params[0].size() > maxSize) return nullptr;
        return &params[0];
    };
    const bool shutterOff =
        id == static_cast<std::uint8_t>(CommandId::SetShutter) && params.size() == 1 && params[0] == Bytes{0};
    // Spec "State Management": a busy camera refuses everything but queries; shutter off always works.
    if (busy_ && !readOnlyCommand(id) && !shutterOff) return reply(kError);

    switch (static_cast<CommandId>(id)) {
        case CommandId::SetShutter: {
            const Bytes* on = single(1, 1);
            if (on == nullptr || (*on)[0] > 1) return reply(kInvalid);
            if (liveStreamShutter((*on)[0] == 1)) return reply(kOk);  // group C
            if ((*on)[0] == 1) {
                startCapture();
            } else {
                stopCapture();
            }
            return reply(kOk);
        }
        case CommandId::Sleep:
            if (encoding()) return reply(kError);
            out.push_back({C::CommandResponse, protocol::encodeCommandResponse(id, kOk), [this] { goToSleep(); }});
            return;
        case CommandId::Reboot:
            out.push_back({C::CommandResponse, protocol::encodeCommandResponse(id, kOk), [this] { reboot(); }});
            return;
        // issue 15 group A: the model has no "off"; a camera powered down over BLE behaves as one asleep.
        case CommandId::PowerDown:
            if (encoding()) return reply(kError);
            out.push_back({C::CommandResponse, protocol::encodeCommandResponse(id, kOk), [this] { goToSleep(); }});
            return;
        case CommandId::SetDateTime: {
            const Bytes* value = single(7, 7);
            if (value == nullptr) return reply(kInvalid);
            const auto time = protocol::parseDateTimeParams(*value);
            if (!time || !isRealDate(*time)) return reply(kInvalid);
            clockBase_ = toSys(*time);
            clockSetAt_ = scheduler_.now();
            return reply(kOk);
        }
        case CommandId::SetLocalDateTime: {
            if (!hasLocalDateTime(config_.modelNumber)) return reply(kInvalid);  // issue 15 E
            const Bytes* value = single(10, 10);
            if (value == nullptr) return reply(kInvalid);
            const auto time = protocol::parseLocalDateTimeParams(*value);
            // UTC offsets run from −12:00 to +14:00.
            if (!time || !isRealDate(time->time) || time->utcOffsetMinutes < -720 || time->utcOffsetMinutes > 840) {
                return reply(kInvalid);
            }
            clockBase_ = toSys(time->time);
            clockSetAt_ = scheduler_.now();
            utcOffsetMinutes_ = time->utcOffsetMinutes;
            dst_ = time->dst;
            return reply(kOk);
        }
        case CommandId::GetDateTime:
            return reply(kOk, protocol::encodeDateTimeResponse(clockNow()));
        case CommandId::GetLocalDateTime:
            if (!hasLocalDateTime(config_.modelNumber)) return reply(kInvalid);  // issue 15 E
            return reply(kOk, protocol::encodeLocalDateTimeResponse({clockNow(), utcOffsetMinutes_, dst_}));
        case CommandId::SetApControl: {
            const Bytes* mode = single(1, 1);
            if (mode == nullptr || (*mode)[0] > static_cast<std::uint8_t>(protocol::ApControl::Bounce)) {
                return reply(kInvalid);
            }
            reply(kOk);
            const auto control = static_cast<protocol::ApControl>((*mode)[0]);
            if (control == protocol::ApControl::Bounce) setStatus(st::kApMode, 0);  // off now, on after the delay
            scheduleAp(control != protocol::ApControl::Off);
            return;
        }
        case CommandId::Hilight:
            if (!encoding() || stillCapture()) return reply(kError);  // only while recording
            setStatus(st::kActiveHilights, statusInt(st::kActiveHilights) + 1);
            return reply(kOk);
        case CommandId::GetHardwareInfo:
            return reply(kOk, protocol::encodeHardwareInfo(hardwareInfo()));
        case CommandId::LoadPresetGroup: {
            // 2 bytes on the wire (seeds, SDK); the docs type it uint32, so up to 4 are accepted.
            const Bytes* group = single(1, 4);
            if (group == nullptr) return reply(kInvalid);
            const auto groupId = static_cast<std::uint32_t>(protocol::readBigEndian(*group));
            if (!isPresetGroup(groupId)) return reply(kInvalid);
            if (encoding()) return reply(kError);
            const PresetInfo* preset = findPreset(activePreset_[groupId]);
            if (preset != nullptr) loadPreset(*preset);
            return reply(kOk);
        }
        case CommandId::LoadPreset: {
            const Bytes* value = single(1, 4);
            if (value == nullptr) return reply(kInvalid);
            const PresetInfo* preset = findPreset(static_cast<std::uint32_t>(protocol::readBigEndian(*value)));
            if (preset == nullptr) return reply(kInvalid);
            if (encoding()) return reply(kError);
            loadPreset(*preset);
            return reply(kOk);
        }
        case CommandId::SetThirdPartyClient:
            return reply(kOk);
        case CommandId::GetOpenGoProVersion:
            return reply(kOk, protocol::encodeOpenGoProVersion({2, 0}));
    }
    reply(kInvalid);
}

void Camera::handleSetting(ByteView message, Batch& out) {
    const std::uint8_t id = message[0];
    const auto reply = [&](std::uint8_t status) {
        out.push_back({C::SettingResponse, protocol::encodeSettingResponse(id, status), {}});
    };
    const auto parsed = protocol::parseSettingRequest(message);
    if (!parsed) return reply(kInvalid);
    const std::uint64_t value = protocol::readBigEndian(parsed->value);
    // The keep-alive is a setting write in name only: always accepted, the LED keeps its value.
    if (id == protocol::setting_id::kLed && parsed->value.size() == 1 && value == protocol::kKeepAliveValue) {
        return reply(kOk);
    }
    if (!settings_.contains(id) || !isKnownSettingValue(id, value)) return reply(kInvalid);
    if (busy_ || encoding()) return reply(kError);
    if (needsVideoGroup(id) && presetGroup() != kVideoGroup) return reply(kError);
    if (!fitsWith(id, value, settings_)) return reply(kInvalid);
    if (settings_[id] != value) modifiedPresets_.insert(preset());  // issue 15 F: the active preset changed
    settings_[id] = value;
    reply(kOk);
}

void Camera::handleQuery(ByteView message, Batch& out) {
    using protocol::QueryId;
    const std::uint8_t qid = message[0];
    const std::set<std::uint8_t> wanted(message.begin() + 1, message.end());
    const auto selected = [&wanted](std::uint8_t id) { return wanted.empty() || wanted.contains(id); };
    const auto respond = [&](std::vector<protocol::QueryEntry> entries) {
        auto bytes = protocol::encodeQueryResponse({qid, kOk, std::move(entries)});
        if (bytes) out.push_back({C::QueryResponse, std::move(*bytes), {}});
    };
    // Answers list known IDs in ascending order and skip unknown ones, as cameras do (issue #157).
    const auto settingEntries = [&] {
        std::vector<protocol::QueryEntry> entries;
        for (const auto& [id, value] : settings_) {
            if (selected(id)) entries.push_back({id, encodedSetting(id)});
        }
        return entries;
    };
    const auto statusEntries = [&] {
        std::vector<protocol::QueryEntry> entries;
        for (const auto& [id, value] : statuses_) {
            if (selected(id)) entries.push_back({id, encodedStatus(id)});
        }
        return entries;
    };
    const auto capabilityEntries = [&] {
        std::vector<protocol::QueryEntry> entries;
        for (const auto& [id, value] : settings_) {
            if (!selected(id)) continue;
            if (const auto allowed = allowedValues(id, settings_)) appendCapabilities(entries, id, *allowed);
        }
        return entries;
    };
    const auto registerIds = [&](std::set<std::uint8_t>& registrations, bool statuses) {
        if (statuses) {
            for (const auto& [id, value] : statuses_) {
                if (selected(id)) registrations.insert(id);
            }
        } else {
            for (const auto& [id, value] : settings_) {
                if (selected(id)) registrations.insert(id);
            }
        }
    };
    const auto unregisterIds = [&](std::set<std::uint8_t>& registrations) {
        if (wanted.empty()) {
            registrations.clear();
        } else {
            for (auto id : wanted) registrations.erase(id);
        }
        respond({});
    };

    switch (static_cast<QueryId>(qid)) {
        case QueryId::GetSettingValues:
            return respond(settingEntries());
        case QueryId::GetStatusValues:
            return respond(statusEntries());
        case QueryId::GetSettingCapabilities:
            return respond(capabilityEntries());
        case QueryId::RegisterSettingUpdates:
            registerIds(settingRegistrations_, false);
            return respond(settingEntries());
        case QueryId::RegisterStatusUpdates:
            registerIds(statusRegistrations_, true);
            return respond(statusEntries());
        case QueryId::RegisterCapabilityUpdates:
            registerIds(capabilityRegistrations_, false);
            return respond(capabilityEntries());
        case QueryId::UnregisterSettingUpdates:
            return unregisterIds(settingRegistrations_);
        case QueryId::UnregisterStatusUpdates:
            return unregisterIds(statusRegistrations_);
        case QueryId::UnregisterCapabilityUpdates:
            return unregisterIds(capabilityRegistrations_);
        default:
            break;  // pushes and unknown IDs are not requests
    }
    out.push_back({C::QueryResponse, Bytes{qid, kInvalid}, {}});
}

void Camera::handleProtobuf(Characteristic c, ByteView message, Batch& out) {
    namespace a = protocol::action;
    const std::uint8_t feature = message[0];
    const std::uint8_t act = message[1];
    const Characteristic answerOn = protocol::responseCharacteristic(c).value_or(C::CommandResponse);
    const auto add = [&](Bytes bytes) { out.push_back({answerOn, std::move(bytes), {}}); };
    const auto unsupported = [&] { add(Bytes{feature, kUnsupportedStatus}); };
    const auto refuse = [&](int result) {
        if (auto bytes = refusal(feature, act, result)) return add(std::move(*bytes));
        unsupported();
    };
    const auto success = [&] { add(genericResponse(feature, act, protocol::kResultSuccess)); };

    if (!implemented(feature, act, config_.modelNumber)) return unsupported();
    const auto decoded = protocol::decodeProtobuf(message);
    if (!decoded) return refuse(pb::RESULT_ILL_FORMED);
    if (busy_ && !readOnly(feature, act)) return refuse(pb::RESULT_RESOURCE_NOT_AVAILABLE);

    switch (feature << 8 | act) {
        case kNetwork << 8 | a::kStartScan:
            return startScan(out);
        case kNetwork << 8 | a::kGetApEntries: {
            const auto* request = decoded->as<pb::RequestGetApEntries>();
            return getApEntries(request->start_index(), request->max_entries(), request->scan_id(), out);
        }
        case kNetwork << 8 | a::kConnect:
            return connectNetwork(false, decoded->as<pb::RequestConnect>()->ssid(), "", out);
        case kNetwork << 8 | a::kConnectNew: {
            const auto* request = decoded->as<pb::RequestConnectNew>();
            return connectNetwork(true, request->ssid(), request->password(), out);
        }
        case kWireless << 8 | a::kPairingFinish:
            setStatus(st::kPairingState, kCompleted);
            setStatus(st::kLastPairingType, 1);  // pairing app
            return success();
        case kCommandFeature << 8 | a::kSetCameraName:
            return success();
        case kCommandFeature << 8 | a::kSetCohnSetting:
            cohnEnabled_ = decoded->as<pb::RequestSetCOHNSetting>()->cohn_active();
            updateCohn();
            return success();
        case kCommandFeature << 8 | a::kClearCohnCert:
            cohnCert_ = false;
            updateCohn();
            return success();
        case kCommandFeature << 8 | a::kCreateCohnCert:
            cohnCert_ = true;
            updateCohn();
            return success();
        case kCommandFeature << 8 | a::kSetCameraControl: {
            // Clients may set IDLE (0) or EXTERNAL_CONTROL (2); 1 and 3 are the camera's own states.
            const int status = decoded->as<pb::RequestSetCameraControlStatus>()->camera_control_status();
            if (status != pb::CAMERA_IDLE && status != pb::CAMERA_EXTERNAL_CONTROL) {
                return add(genericResponse(feature, act, pb::RESULT_ARGUMENT_INVALID));
            }
            setStatus(st::kCameraControl, status);
            return success();
        }
        case kCommandFeature << 8 | a::kSetTurboActive:
            setStatus(st::kTurbo, decoded->as<pb::RequestSetTurboActive>()->active() ? 1 : 0);
            return success();
        case kCommandFeature << 8 | a::kReleaseNetwork:
            leaveStation();
            return success();
        case kQueryFeature << 8 | a::kGetCohnCert: {
            pb::ResponseCOHNCert body;
            body.set_result(cohnCert_ ? pb::RESULT_SUCCESS : pb::RESULT_RESOURCE_NOT_AVAILABLE);
            if (cohnCert_) body.set_cert(config_.cohnCertificate);
            return add(protocol::encodeProtobuf(feature, act | a::kResponseBit, body));
        }
        case kQueryFeature << 8 | a::kGetCohnStatus: {
            const auto* request = decoded->as<pb::RequestGetCOHNStatus>();
            if (request->has_register_cohn_status()) cohnRegistered_ = request->register_cohn_status();
            return add(cohnStatusMessage(act | a::kResponseBit));
        }
        case kQueryFeature << 8 | a::kGetPresetStatus: {
            const auto* request = decoded->as<pb::RequestGetPresetStatus>();
            if (request->register_preset_status_size() > 0) {
                presetRegistered_ = true;
                presetPushHidden_ = request->include_hidden();  // issue 15 F
            }
            if (request->unregister_preset_status_size() > 0) presetRegistered_ = false;
            return add(presetStatusMessage(act | a::kResponseBit, request->include_hidden()));
        }
        // issue 15 F: presets
        case kCommandFeature << 8 | a::kPresetSetVisibility: {
            const auto* request = decoded->as<pb::RequestPresetSetVisibility>();
            return add(genericResponse(feature, act, presetVisibility(request->id(), request->visible())));
        }
        case kCommandFeature << 8 | a::kCustomPresetUpdate: {
            // HERO12 firmware H23.01.MM...: MM 02 and later are v2.0 and later.
            if (config_.modelNumber == 62 && config_.firmware.compare(0, 9, "H23.01.02") < 0) return unsupported();
            const auto* request = decoded->as<pb::RequestCustomPresetUpdate>();
            const auto title = request->has_title_id() ? std::optional<int>(request->title_id()) : std::nullopt;
            const auto name = request->has_custom_name() ? std::optional(request->custom_name()) : std::nullopt;
            const auto icon = request->has_icon_id() ? std::optional<int>(request->icon_id()) : std::nullopt;
            return add(genericResponse(feature, act, updateCustomPreset(title, name, icon)));
        }
        // group C: live streaming
        case kCommandFeature << 8 | a::kSetLiveStreamMode:
            return setLiveStreamMode(message, out);
        case kQueryFeature << 8 | a::kGetLiveStreamStatus: {
            const auto* request = decoded->as<pb::RequestGetLiveStreamStatus>();
            if (request->register_live_stream_status_size() > 0) liveStreamRegistered_ = true;
            if (request->unregister_live_stream_status_size() > 0) liveStreamRegistered_ = false;
            return add(liveStreamStatusMessage(act | a::kResponseBit));
        }
        // issue 15 E: the file the last capture made; none yet is refused.
        case kQueryFeature << 8 | a::kGetLastCapturedMedia: {
            pb::ResponseLastCapturedMedia body;
            body.set_result(lastMedia_ ? pb::RESULT_SUCCESS : pb::RESULT_RESOURCE_NOT_AVAILABLE);
            if (lastMedia_) {
                body.mutable_media()->set_folder(lastMedia_->folder);
                body.mutable_media()->set_file(lastMedia_->file);
            }
            return add(protocol::encodeProtobuf(feature, act | a::kResponseBit, body));
        }
        default:
            return unsupported();
    }
}

// ---------------------------------------------------------------------------
// Station mode (feature 0x02)

void Camera::startScan(Batch& out) {
    pb::ResponseStartScanning response;
    response.set_result(pb::RESULT_SUCCESS);
    response.set_scanning_state(pb::SCANNING_STARTED);
    out.push_back({C::NetworkManagementResponse,
                   protocol::encodeProtobuf(kNetwork, protocol::action::kStartScanResponse, response),
                   {}});
    setStatus(st::kScanState, kStarted);
    if (scanning_) return;  // the scan under way answers this request too
    scanning_ = true;
    schedule(Scope::Camera, config_.scanDuration, [this] {
        mutate([this](Batch& notes) {
            scanning_ = false;
            lastScan_ = Scan{++scanCounter_, config_.networks};
            setStatus(st::kScanState, kCompleted);
            const auto configured = std::count_if(config_.networks.begin(), config_.networks.end(), [](const auto& n) {
                return (n.flags & pb::SCAN_FLAG_CONFIGURED) != 0;
            });
            pb::NotifStartScanning note;
            note.set_scanning_state(pb::SCANNING_SUCCESS);
            note.set_scan_id(lastScan_->id);
            note.set_total_entries(static_cast<std::int32_t>(lastScan_->entries.size()));
            note.set_total_configured_ssid(static_cast<std::int32_t>(configured));
            notes.push_back({C::NetworkManagementResponse,
                             protocol::encodeProtobuf(kNetwork, protocol::action::kScanNotification, note),
                             {}});
        });
    });
}

void Camera::getApEntries(int startIndex, int maxEntries, int scanId, Batch& out) {
    pb::ResponseGetApEntries response;
    response.set_scan_id(scanId);
    if (!lastScan_ || lastScan_->id != scanId) {
        response.set_result(pb::RESULT_ARGUMENT_INVALID);  // no such scan (or an older one)
    } else if (startIndex < 0 || maxEntries < 0 || static_cast<std::size_t>(startIndex) > lastScan_->entries.size()) {
        response.set_result(pb::RESULT_ARGUMENT_OUT_OF_BOUNDS);
    } else {
        response.set_result(pb::RESULT_SUCCESS);
        const std::size_t end = std::min(lastScan_->entries.size(),
                                         static_cast<std::size_t>(startIndex) + static_cast<std::size_t>(maxEntries));
        for (auto i = static_cast<std::size_t>(startIndex); i < end; ++i) {
            const WifiNetwork& network = lastScan_->entries[i];
            auto* entry = response.add_entries();
            entry->set_ssid(network.ssid);
            entry->set_signal_strength_bars(network.bars);
            entry->set_signal_frequency_mhz(network.frequencyMhz);
            entry->set_scan_entry_flags(network.flags);
        }
    }
    out.push_back({C::NetworkManagementResponse,
                   protocol::encodeProtobuf(kNetwork, protocol::action::kGetApEntriesResponse, response),
                   {}});
}

void Camera::connectNetwork(bool isNew, const std::string& ssid, const std::string& password, Batch& out) {
    const auto respond = [&](pb::EnumResultGeneric result, pb::EnumProvisioning state, int timeout) {
        // ResponseConnect and ResponseConnectNew have the same fields.
        pb::ResponseConnect body;
        body.set_result(result);
        body.set_provisioning_state(state);
        body.set_timeout_seconds(timeout);
        const auto act = isNew ? protocol::action::kConnectNewResponse : protocol::action::kConnectResponse;
        out.push_back({C::NetworkManagementResponse, protocol::encodeProtobuf(kNetwork, act, body), {}});
    };
    // Only a network of the last scan ("always scan before connect"); Connect only for configured ones.
    const bool scanned = lastScan_ && std::any_of(lastScan_->entries.begin(), lastScan_->entries.end(),
                                                  [&](const WifiNetwork& n) { return n.ssid == ssid; });
    const auto network = std::find_if(config_.networks.begin(), config_.networks.end(),
                                      [&](const WifiNetwork& n) { return n.ssid == ssid; });
    if (!scanned || network == config_.networks.end() || (!isNew && (network->flags & pb::SCAN_FLAG_CONFIGURED) == 0)) {
        return respond(pb::RESULT_ARGUMENT_INVALID, pb::PROVISIONING_NEVER_STARTED, 0);
    }
    if (provisioning_) return respond(pb::RESULT_RESOURCE_NOT_AVAILABLE, pb::PROVISIONING_NEVER_STARTED, 0);

    const bool open = (network->flags & pb::SCAN_FLAG_AUTHENTICATED) == 0;
    const bool passwordOk = !isNew || open || password == network->password;
    respond(pb::RESULT_SUCCESS, pb::PROVISIONING_STARTED, kConnectTimeoutSeconds);
    pb::NotifProvisioningState started;
    started.set_provisioning_state(pb::PROVISIONING_STARTED);
    out.push_back({C::NetworkManagementResponse,
                   protocol::encodeProtobuf(kNetwork, protocol::action::kProvisioningNotification, started),
                   {}});
    setStatus(st::kProvisioningState, kStarted);
    provisioning_ = true;
    schedule(Scope::Camera, config_.connectDuration,
             [this, ssid, passwordOk] { mutate([&](Batch& notes) { finishProvisioning(ssid, passwordOk, notes); }); });
}

void Camera::finishProvisioning(const std::string& ssid, bool passwordOk, Batch& out) {
    provisioning_ = false;
    pb::NotifProvisioningState note;
    if (!passwordOk) {
        note.set_provisioning_state(pb::PROVISIONING_ERROR_PASSWORD_AUTH);
        setStatus(st::kProvisioningState, kAborted);
        out.push_back({C::NetworkManagementResponse,
                       protocol::encodeProtobuf(kNetwork, protocol::action::kProvisioningNotification, note),
                       {}});
        return;
    }
    for (auto& network : config_.networks) {
        network.flags &= ~pb::SCAN_FLAG_ASSOCIATED;
        if (network.ssid == ssid) network.flags |= pb::SCAN_FLAG_CONFIGURED | pb::SCAN_FLAG_ASSOCIATED;
    }
    station_ = ssid;
    setStatusText(st::kStationSsid, ssid);
    updateCohn();
    if (apToken_ != 0) cancelTimer(std::exchange(apToken_, 0));
    setStatus(st::kApMode, 0);  // the radio is a station now
    setStatus(st::kProvisioningState, kCompleted);
    // The tutorial: the final state is always SUCCESS_NEW_AP, for Connect and Connect New alike.
    note.set_provisioning_state(pb::PROVISIONING_SUCCESS_NEW_AP);
    out.push_back({C::NetworkManagementResponse,
                   protocol::encodeProtobuf(kNetwork, protocol::action::kProvisioningNotification, note),
                   {}});
    // Known camera issue (newest FAQ): after station mode a protobuf
    // notification with action 0xFF appears on GP-0077; clients must ignore it.
    out.push_back({C::QueryResponse, Bytes{kQueryFeature, protocol::action::kSpurious}, {}});
}

void Camera::leaveStation() {
    if (station_.empty()) return;
    station_.clear();
    // group C: the stream's network is gone.
    const int stream = liveStream_.state;
    if (stream == pb::LIVE_STREAM_STATE_CONFIG || stream == pb::LIVE_STREAM_STATE_READY ||
        stream == pb::LIVE_STREAM_STATE_STREAMING) {
        liveStreamFailed(pb::LIVE_STREAM_ERROR_NETWORK);
    }
    setStatusText(st::kStationSsid, "");
    for (auto& network : config_.networks) network.flags &= ~pb::SCAN_FLAG_ASSOCIATED;
    updateCohn();
}

Bytes Camera::presetStatusMessage(std::uint8_t act, bool includeHidden) const {
    pb::NotifyPresetStatus body;
    for (std::uint32_t groupId : {kVideoGroup, kPhotoGroup, kTimelapseGroup}) {
        auto* group = body.add_preset_group_array();
        group->set_id(static_cast<pb::EnumPresetGroup>(groupId));
        group->set_can_add_preset(false);
        const auto active = activePreset_.find(groupId);
        if (active != activePreset_.end()) group->set_active_preset_id(static_cast<std::int32_t>(active->second));
        for (const auto& info : presetTable()) {
            if (info.group != groupId) continue;
            const bool hidden = hiddenPresets_.contains(info.id);  // issue 15 F
            if (hidden && !includeHidden) continue;
            auto* preset = group->add_preset_array();
            preset->set_id(static_cast<std::int32_t>(info.id));
            preset->set_mode(static_cast<pb::EnumFlatMode>(info.flatMode));
            preset->set_user_defined(false);
            preset->set_is_modified(modifiedPresets_.contains(info.id));
            preset->set_is_fixed(true);
            preset->set_is_visible(!hidden);
            // Real cameras send a title_id; the name is easier to show and to test.
            preset->set_custom_name(std::string(info.name));
            if (const auto custom = customPresets_.find(info.id); custom != customPresets_.end()) {  // issue 15 F
                preset->set_user_defined(true);
                preset->set_is_fixed(false);
                preset->set_title_id(custom->second.title);
                preset->set_icon(custom->second.icon);
                // The name is shown only under the custom-name title.
                if (custom->second.title == protocol::operation::kCustomNameTitle) {
                    preset->set_custom_name(custom->second.name);
                } else {
                    preset->clear_custom_name();
                }
            }
            if (groupId != kVideoGroup) continue;
            for (std::uint8_t id : {protocol::setting_id::kVideoResolution, protocol::setting_id::kFramesPerSecond,
                                    protocol::setting_id::kVideoLens}) {
                auto* setting = preset->add_setting_array();
                setting->set_id(id);
                setting->set_value(static_cast<std::int32_t>(settings_.at(id)));
                setting->set_is_caption(true);
            }
        }
    }
    return protocol::encodeProtobuf(kQueryFeature, act, body);
}

// issue 15 F: Set Preset Visibility. Any preset of the table; hiding one
// leaves it loadable (it is only left out of the camera's lists).
int Camera::presetVisibility(std::int32_t id, bool visible) {
    if (findPreset(static_cast<std::uint32_t>(id)) == nullptr) return pb::RESULT_ARGUMENT_INVALID;
    if (visible) {
        hiddenPresets_.erase(static_cast<std::uint32_t>(id));
    } else {
        hiddenPresets_.insert(static_cast<std::uint32_t>(id));
    }
    return pb::RESULT_SUCCESS;
}

// issue 15 F: Custom Preset Update, of the active preset, which must be a
// custom one (else RESULT_RESOURCE_NOT_AVAILABLE: nothing to update). A name
// needs title 94 and 1..16 bytes; a title other than 94 replaces the name.
int Camera::updateCustomPreset(const std::optional<int>& title, const std::optional<std::string>& name,
                               const std::optional<int>& icon) {
    const auto custom = customPresets_.find(preset());
    if (custom == customPresets_.end()) return pb::RESULT_RESOURCE_NOT_AVAILABLE;
    if (name && (name->empty() || name->size() > 16)) return pb::RESULT_ARGUMENT_OUT_OF_BOUNDS;
    if (name && title.value_or(custom->second.title) != protocol::operation::kCustomNameTitle) {
        return pb::RESULT_ARGUMENT_INVALID;
    }
    if ((title && *title < 0) || (icon && *icon < 0)) return pb::RESULT_ARGUMENT_OUT_OF_BOUNDS;
    if (title) custom->second.title = *title;
    if (name) custom->second.name = *name;
    if (icon) custom->second.icon = *icon;
    return pb::RESULT_SUCCESS;
}

Bytes Camera::cohnStatusMessage(std::uint8_t act) const {
    pb::NotifyCOHNStatus body;
    body.set_status(cohnCert_ ? pb::COHN_PROVISIONED : pb::COHN_UNPROVISIONED);
    body.set_state(static_cast<pb::EnumCOHNNetworkState>(cohnState()));
    body.set_enabled(cohnEnabled_);
    if (cohnCert_) {
        // The HTTPS credentials exist with the certificate; the address once on the network (tutorial 9).
        body.set_username(config_.cohnUsername);
        body.set_password(config_.cohnPassword);
    }
    if (cohnConnected_) {
        body.set_ipaddress(config_.cohnIpAddress);
        body.set_ssid(station_);
        body.set_macaddress(config_.apMac);
    }
    return protocol::encodeProtobuf(kQueryFeature, act, body);
}

// issue 15 D
int Camera::cohnState() const {
    if (!cohnCert_ || !cohnEnabled_) return pb::COHN_STATE_Idle;
    if (station_.empty()) return pb::COHN_STATE_NetworkDisconnected;
    return cohnConnected_ ? pb::COHN_STATE_NetworkConnected : pb::COHN_STATE_ConnectingToNetwork;
}

void Camera::updateCohn() {
    if (!cohnCert_ || !cohnEnabled_ || station_.empty()) {
        cohnConnected_ = false;
        if (cohnToken_ != 0) cancelTimer(std::exchange(cohnToken_, 0));
        return;
    }
    if (cohnConnected_ || cohnToken_ != 0 || cohnNeverConnects_) return;
    cohnToken_ = schedule(Scope::Camera, config_.cohnConnectDelay, [this] {
        cohnToken_ = 0;
        mutate([this](Batch&) { cohnConnected_ = true; });
    });
}

void Camera::cohnNeverConnects(bool never) {
    cohnNeverConnects_ = never;
    if (never && cohnToken_ != 0) cancelTimer(std::exchange(cohnToken_, 0));
    if (!never) updateCohn();
}

// ---------------------------------------------------------------------------
// group C: live streaming

void Camera::setLiveStreamMode(ByteView message, Batch& out) {
    const auto respond = [&](int result) {
        out.push_back(
            {C::CommandResponse, genericResponse(kCommandFeature, protocol::action::kSetLiveStreamMode, result), {}});
    };
    pb::RequestSetLiveStreamMode request;
    request.ParsePartialFromArray(message.data() + 2, static_cast<int>(message.size() - 2));
    const std::string& url = request.url();
    if (url.rfind("rtmp://", 0) != 0 && url.rfind("rtmps://", 0) != 0) return respond(pb::RESULT_ARGUMENT_INVALID);
    const auto outOfRange = [](bool has, int kbps) { return has && (kbps < 800 || kbps > 8000); };
    if (outOfRange(request.has_minimum_bitrate(), request.minimum_bitrate()) ||
        outOfRange(request.has_maximum_bitrate(), request.maximum_bitrate()) ||
        outOfRange(request.has_starting_bitrate(), request.starting_bitrate())) {
        return respond(pb::RESULT_ARGUMENT_OUT_OF_BOUNDS);
    }
    // Streaming needs the camera on a network (station mode), and not a stream under way.
    if (station_.empty() || liveStream_.state == pb::LIVE_STREAM_STATE_STREAMING) {
        return respond(pb::RESULT_RESOURCE_NOT_AVAILABLE);
    }
    respond(pb::RESULT_SUCCESS);
    // rtmp://host[:port]/path: the host decides whether the server is reachable.
    const auto hostStart = url.find("://") + 3;
    std::string host = url.substr(hostStart, url.find_first_of(":/", hostStart) - hostStart);
    const bool unreachable = host.size() >= 8 && host.compare(host.size() - 8, 8, ".invalid") == 0;
    liveStream_ = LiveStream{pb::LIVE_STREAM_STATE_CONFIG, pb::LIVE_STREAM_ERROR_NONE, request.encode(),
                             request.has_starting_bitrate() ? request.starting_bitrate() : 1000, 0};
    if (liveStreamToken_ != 0) cancelTimer(liveStreamToken_);
    liveStreamToken_ = schedule(Scope::Camera, config_.liveStreamConfigDelay, [this, unreachable] {
        liveStreamToken_ = 0;
        mutate([this, unreachable](Batch&) {
            if (liveStream_.state != pb::LIVE_STREAM_STATE_CONFIG) return;
            if (unreachable) return liveStreamFailed(pb::LIVE_STREAM_ERROR_CREATESTREAM);
            liveStream_.state = pb::LIVE_STREAM_STATE_READY;
        });
    });
}

bool Camera::liveStreamShutter(bool on) {
    if (on && liveStream_.state == pb::LIVE_STREAM_STATE_READY) {
        if (std::exchange(liveStreamFails_, false)) {
            liveStreamFailed(pb::LIVE_STREAM_ERROR_NETWORK);
            return true;
        }
        liveStream_.state = pb::LIVE_STREAM_STATE_STREAMING;
        liveStream_.bitrate = liveStream_.startingKbps;
        setStatus(st::kEncoding, 1);
        encodingSince_ = scheduler_.now();
        return true;
    }
    if (!on && liveStream_.state == pb::LIVE_STREAM_STATE_STREAMING) {
        liveStream_.state = pb::LIVE_STREAM_STATE_COMPLETE_STAY_ON;
        liveStream_.bitrate = 0;
        setStatus(st::kEncoding, 0);
        if (liveStream_.encode) setStatus(st::kVideos, statusInt(st::kVideos) + 1);
        return true;
    }
    return false;
}

void Camera::liveStreamFailed(int error) {
    if (liveStream_.state == pb::LIVE_STREAM_STATE_STREAMING) setStatus(st::kEncoding, 0);
    if (liveStreamToken_ != 0) cancelTimer(std::exchange(liveStreamToken_, 0));
    liveStream_.state = pb::LIVE_STREAM_STATE_FAILED_STAY_ON;
    liveStream_.error = error;
    liveStream_.bitrate = 0;
}

void Camera::failLiveStream() {
    if (liveStream_.state != pb::LIVE_STREAM_STATE_STREAMING) {
        liveStreamFails_ = true;
        return;
    }
    mutate([this](Batch&) { liveStreamFailed(pb::LIVE_STREAM_ERROR_NETWORK); });
}

Bytes Camera::liveStreamStatusMessage(std::uint8_t act) const {
    pb::NotifyLiveStreamStatus body;
    body.set_live_stream_status(static_cast<pb::EnumLiveStreamStatus>(liveStream_.state));
    body.set_live_stream_error(static_cast<pb::EnumLiveStreamError>(liveStream_.error));
    body.set_live_stream_encode(liveStream_.encode);
    body.set_live_stream_bitrate(liveStream_.bitrate);
    for (const auto size : {pb::WINDOW_SIZE_480, pb::WINDOW_SIZE_720, pb::WINDOW_SIZE_1080}) {
        body.add_live_stream_window_size_supported_array(size);
    }
    body.set_live_stream_encode_supported(true);
    body.set_live_stream_max_lens_unsupported(false);
    body.set_live_stream_minimum_stream_bitrate(800);
    body.set_live_stream_maximum_stream_bitrate(8000);
    body.set_live_stream_lens_supported(true);
    for (const auto lens : {pb::LENS_WIDE, pb::LENS_SUPERVIEW, pb::LENS_LINEAR}) {
        body.add_live_stream_lens_supported_array(lens);
    }
    return protocol::encodeProtobuf(kQueryFeature, act, body);
}

// ---------------------------------------------------------------------------
// Behaviour

protocol::DateTime Camera::clockNow() const {
    return fromSys(clockBase_ + std::chrono::floor<std::chrono::seconds>(scheduler_.now() - clockSetAt_));
}

bool Camera::stillCapture() const { return captureToken_ != 0; }

void Camera::startCapture() {
    if (encoding()) return;  // already recording: nothing to start
    setStatus(st::kEncoding, 1);
    encodingSince_ = scheduler_.now();
    const PresetInfo* preset = findPreset(this->preset());
    if (preset == nullptr || !preset->still) {
        setStatus(st::kActiveHilights, 0);
        return;
    }
    // A photo: encoding goes back to 0 by itself once the picture is taken.
    captureToken_ = schedule(Scope::Camera, config_.photoDuration, [this] {
        captureToken_ = 0;
        mutate([this](Batch&) { finishStillCapture(); });
    });
}

void Camera::finishStillCapture() {
    setStatus(st::kEncoding, 0);
    setStatus(st::kPhotos, statusInt(st::kPhotos) + 1);
    setStatus(st::kRemainingPhotos, std::max<std::int64_t>(statusInt(st::kRemainingPhotos) - 1, 0));
    recordMedia(true);  // issue 15 E
}

void Camera::stopCapture() {
    if (!encoding() || stillCapture()) return;  // a photo finishes by itself
    setStatus(st::kEncoding, 0);
    setStatus(st::kVideos, statusInt(st::kVideos) + 1);
    recordMedia(false);  // issue 15 E
}

// issue 15 E: files numbered as a GoPro numbers them, in DCIM/100GOPRO: GOPR0001.JPG
// for a photo, GX010002.MP4 for a video (chapter 01), one counter for both.
void Camera::recordMedia(bool photo) {
    char file[16];
    const int number = mediaCounter_++ % 9999 + 1;  // 0001..9999
    std::snprintf(file, sizeof file, photo ? "GOPR%04d.JPG" : "GX01%04d.MP4", number);
    lastMedia_ = Media{"100GOPRO", file};
}

void Camera::loadPreset(const PresetInfo& preset) {
    activePreset_[preset.group] = preset.id;
    setStatus(presetStatusOf(preset.group), preset.id);
    setStatus(st::kPresetGroup, preset.group);
    setStatus(st::kPreset, preset.id);
    setStatus(st::kFlatMode, preset.flatMode);
}

void Camera::scheduleAp(bool on) {
    // The response only means "accepted": status 69 follows once the AP is really up (or down).
    if (apStuck_) return;
    if (apToken_ != 0) cancelTimer(apToken_);
    apToken_ = schedule(Scope::Camera, config_.apStartDelay, [this, on] {
        apToken_ = 0;
        mutate([this, on](Batch&) { setAp(on); });
    });
}

void Camera::setAp(bool on) {
    setStatus(st::kApMode, on ? 1 : 0);
    if (on) leaveStation();  // spec: Set AP Control = 1 is how a client leaves station mode
}

void Camera::goToSleep() {
    asleep_ = true;
    cancelTimers(Scope::Camera);
    captureToken_ = apToken_ = cohnToken_ = 0;
    scanning_ = provisioning_ = false;
    setStatus(st::kApMode, 0);
    leaveStation();
    dropLinkNow();
}

void Camera::reboot() {
    cancelTimers(Scope::Camera);
    captureToken_ = apToken_ = cohnToken_ = 0;
    scanning_ = provisioning_ = false;
    setStatus(st::kEncoding, 0);
    setStatus(st::kApMode, 0);
    leaveStation();
    dropLinkNow();
}

// ---------------------------------------------------------------------------
// Faults

void Camera::setBusy(bool busy) {
    mutate([this, busy](Batch&) {
        busy_ = busy;
        setStatus(st::kBusy, busy ? 1 : 0);
    });
}

void Camera::neverAnswerNext() { neverAnswer_ = true; }
void Camera::setStatusValue(std::uint8_t id, Bytes value) {
    mutate([&](Batch&) { statuses_[id] = std::move(value); });
}
void Camera::delayResponses(milliseconds extra) { extraDelay_ = std::max(extra, milliseconds{0}); }
void Camera::corruptNextPacket() { corruptNext_ = true; }
void Camera::truncateNextPacket() { truncateNext_ = true; }
void Camera::duplicateNextPacket() { duplicateNext_ = true; }
void Camera::dropLinkDuringNextMultiPacketResponse() { dropMidMultiPacket_ = true; }

}  // namespace goprod::sim
