#include "daemon/core/camera.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <random>

#include <spdlog/spdlog.h>

#include "network_management.pb.h"
#include "protocol/commands.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "protocol/result_codes.h"
#include "protocol/settings.h"
#include "protocol/utf8.h"
#include "response_generic.pb.h"

namespace goprod::core {

namespace {

using protocol::Characteristic;

// The response characteristics a session needs notifications from.
constexpr Characteristic kNotified[] = {Characteristic::CommandResponse, Characteristic::SettingResponse,
                                        Characteristic::QueryResponse, Characteristic::NetworkManagementResponse};
// The request characteristics it writes to.
constexpr Characteristic kWritten[] = {Characteristic::CommandRequest, Characteristic::SettingRequest,
                                       Characteristic::QueryRequest, Characteristic::NetworkManagementRequest};

// Statuses the daemon itself follows: busy and encoding (request gating,
// camera list), AP mode (Set AP waits for it), battery (camera list).
constexpr std::uint8_t kDaemonStatuses[] = {protocol::status_id::kBusy, protocol::status_id::kEncoding,
                                            protocol::status_id::kApMode, protocol::status_id::kBattery};

// Room the queue keeps beyond the clients' limit for the daemon's own requests:
// the session set-up (at most 8 steps), a keep-alive, status queries. Without
// it, clients that fill the queue during an outage would have the set-up refused.
constexpr std::size_t kOwnRequests = 10;

// How often a status that a caller waits for is queried when no push brings it.
constexpr std::chrono::seconds kStatusPollInterval{1};

QueueLimits withOwnRoom(QueueLimits limits) {
    limits.maxDepth += kOwnRequests;
    return limits;
}

std::int64_t unixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool truthy(const protocol::Bytes& value) {
    return std::any_of(value.begin(), value.end(), [](std::uint8_t b) { return b != 0; });
}

std::int64_t integer(const protocol::Bytes& value) {
    std::int64_t v = 0;
    for (const auto b : value) v = (v << 8) | b;
    return v;
}

// issue 15 E: open_gopro.EnumCameraControlStatus values goprod sends, and how
// long a disconnect waits for the camera to take the release.
constexpr int kIdle = 0, kExternal = 2;
constexpr std::chrono::milliseconds kControlRelease{2000};

// The answer to Set Camera Control Status: ResponseGeneric, or [feature][status]
// from a camera that lacks it.
Result<void> controlAnswer(const Answer& answer) {
    if (answer.message.size() == 2) {
        return fail(Errc::CameraRejected, "Set Camera Control Status: the camera does not support it (status " +
                                              std::to_string(answer.message[1]) + ")");
    }
    const auto decoded = protocol::decodeProtobuf(answer.message);
    const auto* generic = decoded ? decoded->as<open_gopro::ResponseGeneric>() : nullptr;
    if (generic == nullptr) return fail(Errc::Internal, "Set Camera Control Status: unexpected answer");
    if (generic->result() != protocol::kResultSuccess) {
        return fail(Errc::CameraRejected,
                    "Set Camera Control Status failed: " + std::string(protocol::resultGenericName(generic->result())));
    }
    return {};
}

protocol::LocalDateTime localNow() {
    const std::time_t t = std::time(nullptr);
    std::tm local{};
    localtime_r(&t, &local);
    protocol::LocalDateTime now;
    now.time = protocol::dateTimeFrom(local);
    now.utcOffsetMinutes = static_cast<std::int16_t>(local.tm_gmtoff / 60);
    now.dst = local.tm_isdst > 0;
    return now;
}

}  // namespace

std::optional<std::string> identifierFromName(std::string_view name) {
    constexpr std::string_view prefix = "GoPro ";
    if (name.size() != prefix.size() + 4 || name.substr(0, prefix.size()) != prefix) return std::nullopt;
    const auto digits = name.substr(prefix.size());
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    return std::string(digits);
}

Camera::Camera(Executor& executor, BluezPort& port, CameraHost& host, std::string identifier, CameraSettings settings)
    : executor_(executor),
      port_(port),
      host_(host),
      identifier_(std::move(identifier)),
      settings_(std::move(settings)),
      name_("GoPro " + identifier_),
      queue_(executor, *this, withOwnRoom(settings_.queue)) {
    controlWanted_ = settings_.claimControl;  // issue 15 E
    queue_.setUnsolicitedHandler([this](const Answer& answer, const protocol::Classified& kind) {
        onUnsolicited(answer, kind);
    });
}

Camera::~Camera() {
    *alive_ = false;
    executor_.cancel(attemptTimer_);
    executor_.cancel(keepAliveTimer_);
    for (auto& waiter : statusWaiters_) dropWaiterTimers(waiter);
}

CameraView Camera::view() const {
    CameraView v;
    v.identifier = identifier_;
    v.address = address_;
    v.name = name_;
    v.model = model_;
    v.firmware = firmware_;
    v.serial = serial_;
    v.openGoProVersion = openGoProVersion_;
    v.state = state_;
    v.known = known_;
    v.autoConnect = autoConnect_;
    v.paired = device_ && device_->paired;
    if (const auto it = statuses_.find(protocol::status_id::kBusy); it != statuses_.end()) v.busy = truthy(it->second);
    if (const auto it = statuses_.find(protocol::status_id::kEncoding); it != statuses_.end())
        v.encoding = truthy(it->second);
    if (const auto it = statuses_.find(protocol::status_id::kBattery); it != statuses_.end())
        v.batteryPercent = static_cast<int>(integer(it->second));
    if (device_) v.rssi = device_->rssi;
    v.queueDepth = clientRequests_;  // what queue_depth limits: goprod's own requests take no slot
    v.lastError = lastError_;
    v.lastSeenUnix = lastSeenUnix_;
    v.controlClaimed = link_ && link_->controlClaimed;  // issue 15 E
    // issue 16: "hci1" of /org/bluez/hci1 (npos + 1 = 0: the whole path)
    if (device_) v.adapter = adapterName(device_->adapter);
    v.pinnedAdapter = pinnedAdapter_;
    v.homeAdapter = homeAdapter_;
    v.priority = priority_;
    if (wantsConnection()) v.waiting = waiting_;
    return v;
}

void Camera::restore(const CameraView& known) {
    address_ = known.address;
    if (!known.name.empty()) name_ = known.name;
    model_ = known.model;
    firmware_ = known.firmware;
    serial_ = known.serial;
    lastSeenUnix_ = known.lastSeenUnix;
    known_ = true;
    autoConnect_ = known.autoConnect;
    wanted_ = autoConnect_;
    state_ = CameraState::Disconnected;
    pinnedAdapter_ = known.pinnedAdapter;
    homeAdapter_ = known.homeAdapter;
    priority_ = known.priority;
}

void Camera::setPlacement(const Placement& placement) {
    bool changed = false;
    if (placement.adapter && *placement.adapter != pinnedAdapter_) {
        pinnedAdapter_ = *placement.adapter;
        changed = true;
    }
    if (placement.priority && *placement.priority != priority_) {
        priority_ = *placement.priority;
        changed = true;
    }
    if (changed && known_) host_.knownInfoChanged(*this);
}

void Camera::setHomeAdapter(std::string address) {
    if (address == homeAdapter_) return;
    homeAdapter_ = std::move(address);
    if (known_) host_.knownInfoChanged(*this);
}

void Camera::setKnown(bool known) {
    if (known_ == known) return;
    known_ = known;
    host_.knownInfoChanged(*this);
}

void Camera::setAutoConnect(bool on) {
    if (autoConnect_ == on) return;
    autoConnect_ = on;
    if (on) wanted_ = true;
    host_.knownInfoChanged(*this);
}

// ---------------------------------------------------------------------------
// BlueZ objects

void Camera::deviceChanged(const DeviceInfo& changed) {
    sightings_[changed.path] = changed;
    if (device_ && changed.path != device_->path) {
        // issue 16: another adapter's view of the camera (its signal there, or the
        // end of a link it was moved from). The registry places it with them.
        if (changed.rssi) lastSeenUnix_ = unixNow();
        return;
    }
    const bool wasConnected = device_ && device_->connected;
    DeviceInfo device = changed;
    if (abandonedLink_) {
        // Properties that still show the failed attempt's link (ServicesResolved=false
        // comes before Connected=false): that link is gone for us already.
        if (device.connected) {
            device.connected = false;
            device.servicesResolved = false;
        } else {
            abandonedLink_ = false;
        }
    }
    device_ = device;
    address_ = device.address;
    if (!device.name.empty()) name_ = device.name;
    if (device.connected || device.rssi) lastSeenUnix_ = unixNow();

    if (wasConnected && !device.connected) {
        linkLost("the camera disconnected");
        return;
    }
    if (attempting()) {
        advance();
        return;
    }
    if (device.connected && state_ < CameraState::Connecting) {
        // Connected by someone else (another program, or BlueZ auto-connect):
        // take it over when we want it, so that its notifications reach us.
        if (wanted_) startAttempt();
    }
    if (!device.connected && state_ == CameraState::Discovered && known_) setState(CameraState::Disconnected);
    host_.stateChanged(*this);  // RSSI, pairing: the view changed
}

void Camera::deviceRemoved(const ObjectPath& path) {
    sightings_.erase(path);
    const auto prefix = path + "/";
    for (auto it = characteristics_.begin(); it != characteristics_.end();)
        it = it->first.rfind(prefix, 0) == 0 ? characteristics_.erase(it) : ++it;
    if (!device_ || device_->path != path) return;
    const bool wasConnected = device_->connected;
    device_.reset();
    if (wasConnected || attempting()) linkLost("BlueZ removed the device");
    else if (state_ != CameraState::Sleeping) setState(known_ ? CameraState::Disconnected : CameraState::Discovered);
}

void Camera::allDevicesRemoved() {
    const auto placed = device_ ? std::optional<ObjectPath>(device_->path) : std::nullopt;
    sightings_.clear();
    if (placed) return deviceRemoved(*placed);
    characteristics_.clear();
}

void Camera::placeOn(const ObjectPath& device) {
    if (!placeable() || (device_ && device_->path == device)) return;
    const auto it = sightings_.find(device);
    if (it == sightings_.end()) return;
    device_ = it->second;
    abandonedLink_ = false;  // that was the other device's link
}

bool Camera::idle() const {
    return state_ == CameraState::Ready && !moving_ && queue_.depth() == 0 && !network_ && networkWaiting_.empty() &&
           statusWaiters_.empty() && cohnWatchers_.empty();
}

void Camera::relink() {
    if (!link_ || moving_) return;
    moving_ = true;
    disconnectAsked_ = true;
    retries_ = 0;
    disconnectLink([this, alive = alive_](Result<void> result) {
        if (!*alive) return;
        if (!result) spdlog::warn("camera {}: disconnecting to move it: {}", identifier_, result.error().message);
        moving_ = false;
        disconnectAsked_ = false;
        host_.stateChanged(*this);  // the registry places it again
    });
}

bool Camera::onDevice(const ObjectPath& characteristic) const {
    return device_ && characteristic.size() > device_->path.size() &&
           characteristic.compare(0, device_->path.size(), device_->path) == 0 &&
           characteristic[device_->path.size()] == '/';
}

void Camera::characteristicAdded(const CharacteristicInfo& characteristic) {
    if (const auto c = protocol::findCharacteristic(characteristic.uuid)) {
        characteristics_[characteristic.path] = *c;
        if (attempting()) advance();
    }
}

void Camera::characteristicRemoved(const ObjectPath& path) { characteristics_.erase(path); }

void Camera::notification(const ObjectPath& path, const protocol::Bytes& value) {
    const auto it = characteristics_.find(path);
    if (it == characteristics_.end() || !protocol::isResponseCharacteristic(it->second) || !onDevice(path)) return;
    auto [entry, inserted] =
        reassemblers_.try_emplace(it->second, protocol::kMax16BitLength, protocol::Sender::Camera);
    auto out = entry->second.feed(value);
    if (out.error) {
        spdlog::warn("camera {}: discarded a malformed notification on {}: {}", identifier_,
                     protocol::info(it->second).shortName, protocol::describe(*out.error));
    }
    if (out.message) queue_.onMessage(it->second, std::move(*out.message));
}

std::optional<ObjectPath> Camera::pathOf(Characteristic c) const {
    for (const auto& [path, id] : characteristics_) {
        if (id == c && onDevice(path)) return path;
    }
    return std::nullopt;
}

bool Camera::hasRequiredCharacteristics() const {
    return std::all_of(std::begin(kNotified), std::end(kNotified), [this](Characteristic c) { return pathOf(c); }) &&
           std::all_of(std::begin(kWritten), std::end(kWritten), [this](Characteristic c) { return pathOf(c); });
}

// ---------------------------------------------------------------------------
// Connection

bool Camera::wantsConnection() const {
    if (!wanted_ || attempting() || disconnecting_ || sightings_.empty()) return false;
    return state_ < CameraState::Connecting || state_ >= CameraState::Sleeping;
}

void Camera::want(bool connected) {
    wanted_ = connected;
    if (connected) {
        disconnectAsked_ = false;
        retries_ = 0;
        nextAttemptAt_ = executor_.now();
    }
}

void Camera::startAttempt() {
    if (attempting() || !device_) return;
    ++attempts_;
    waiting_.clear();
    refusedForRoom_ = false;
    link_ = std::make_shared<Link>();
    disconnectAsked_ = false;
    attemptTimer_ = executor_.at(executor_.now() + settings_.connectTimeout, [this, link = linkScope()] {
        if (link.expired() || !attempting()) return;
        attemptFailed(Error{Errc::DeadlineExceeded, "the connection did not complete in time", {}});
    });
    setState(CameraState::Connecting);
    advance();
}

void Camera::advance() {
    if (!attempting() || !device_) return;
    auto stillCurrent = [this, link = linkScope()] { return !link.expired() && attempting(); };

    if (!device_->connected) {
        if (!link_->connectCalled) {
            link_->connectCalled = true;
            setState(CameraState::Connecting);
            port_.connect(device_->path, [this, stillCurrent](Result<void> result) {
                if (!stillCurrent()) return;
                // Connected=true came first: BluezClient sees to it even when bluetoothd does not signal it.
                if (!result) attemptFailed(result.error());
            });
        }
        return;
    }
    if (!device_->paired) {
        if (!link_->pairing) {
            link_->pairing = true;
            setState(CameraState::Pairing);
            port_.pair(device_->path, [this, stillCurrent](Result<void> result) {
                if (!stillCurrent()) return;
                if (!result) {
                    attemptFailed(Error{Errc::PairingFailed, "pairing failed: " + result.error().message, {}});
                    return;
                }
                link_->justPaired = true;
                if (device_) device_->paired = true;  // PropertiesChanged may still be on its way
                advance();
            });
        }
        return;
    }
    if (!device_->trusted && !link_->trustAsked) {
        link_->trustAsked = true;  // so that BlueZ lets the camera reconnect to us
        port_.setTrusted(device_->path, true, [id = identifier_](Result<void> result) {
            if (!result) spdlog::warn("camera {}: could not mark it trusted: {}", id, result.error().message);
        });
    }
    if (!device_->servicesResolved || !hasRequiredCharacteristics()) {
        setState(CameraState::ResolvingServices);
        return;
    }
    if (!link_->subscribed && !link_->subscribing) subscribe();
}

void Camera::subscribe() {
    link_->subscribing = true;
    setState(CameraState::Subscribing);
    auto left = std::make_shared<std::size_t>(std::size(kNotified));
    auto failed = std::make_shared<bool>(false);
    for (const auto c : kNotified) {
        port_.startNotify(*pathOf(c), [this, link = linkScope(), left, failed, c](Result<void> result) {
            if (link.expired() || !attempting() || *failed) return;
            if (!result) {
                *failed = true;
                attemptFailed(Error{result.error().code,
                                    "could not enable notifications on " +
                                        std::string(protocol::info(c).shortName) + ": " + result.error().message,
                                    {}});
                return;
            }
            if (--*left == 0) {
                link_->subscribing = false;
                link_->subscribed = true;
                initialize();
            }
        });
    }
}

// On every (re)connection, as the official SDK does: pairing finish when just
// paired, third-party client (the seed's "enable analytics"), Open GoPro
// version, hardware info, status registrations (the daemon's and the
// clients'), date and time, a client's preset registration (issue 15 F), external control when claimed
// (issue 15 E). Then ready.
void Camera::initialize() {
    link_->attempting = false;
    executor_.cancel(attemptTimer_);
    setState(CameraState::Initializing);
    reassemblers_.clear();
    host_.attemptSettled(*this);

    struct Step {
        SessionStep step;
        protocol::Request request;
    };
    std::vector<Step> steps;
    if (link_->justPaired) {
        if (auto finish = protocol::operation::pairingFinish(settings_.clientName))
            steps.push_back({SessionStep::PairingFinish, std::move(*finish)});
    }
    steps.push_back({SessionStep::ThirdPartyClient, protocol::command::setThirdPartyClient()});
    steps.push_back({SessionStep::OpenGoProVersion, protocol::command::getOpenGoProVersion()});
    steps.push_back({SessionStep::HardwareInfo, protocol::command::getHardwareInfo()});
    protocol::Bytes statusIds(std::begin(kDaemonStatuses), std::end(kDaemonStatuses));
    for (const auto id : clientStatuses_) {
        if (std::find(statusIds.begin(), statusIds.end(), id) == statusIds.end()) statusIds.push_back(id);
    }
    steps.push_back(
        {SessionStep::StatusRegistration, protocol::query(protocol::QueryId::RegisterStatusUpdates, statusIds)});
    if (!clientSettings_.empty()) {
        const protocol::Bytes settingIds(clientSettings_.begin(), clientSettings_.end());
        steps.push_back(
            {SessionStep::SettingRegistration, protocol::query(protocol::QueryId::RegisterSettingUpdates, settingIds)});
    }
    if (auto time = protocol::command::setLocalDateTime(localNow()))
        steps.push_back({SessionStep::DateTime, std::move(*time)});
    // issue 15 F
    if (clientPresets_)
        steps.push_back({SessionStep::PresetRegistration, protocol::operation::getPresetStatus(false, true)});
    // issue 15 E: last, so that the camera shows remote control once it is ready
    if (controlWanted_) {
        steps.push_back({SessionStep::CameraControl, *protocol::operation::setCameraControl(kExternal)});
    }

    link_->sessionStepsLeft = steps.size();
    for (auto& step : steps) submitSessionStep(step.step, std::move(step.request));
    // Only now: requests queued during the outage must not go before the session set-up.
    queue_.linkUp();
}

void Camera::submitSessionStep(SessionStep step, protocol::Request request) {
    RequestOptions options{executor_.now() + settings_.sessionTimeout, Priority::Session, false, {}};
    queue_.submit(std::move(request), options, [this, link = linkScope(), step](Result<Answer> answer) {
        if (link.expired()) return;
        sessionStepDone(step, answer);
    });
}

// For logs and errors ("no answer to hardware info").
std::string_view Camera::stepName(SessionStep step) {
    switch (step) {
        case SessionStep::PairingFinish: return "pairing finish";
        case SessionStep::ThirdPartyClient: return "third-party client";
        case SessionStep::OpenGoProVersion: return "Open GoPro version";
        case SessionStep::HardwareInfo: return "hardware info";
        case SessionStep::StatusRegistration: return "status registration";
        case SessionStep::SettingRegistration: return "setting registration";
        case SessionStep::DateTime: return "date and time";
        case SessionStep::PlainDateTime:
            return "date and time (no zone)";
        case SessionStep::PresetRegistration: return "preset registration";  // issue 15 F
        case SessionStep::CameraControl: return "external control";
    }
    return "session step";
}

void Camera::sessionStepDone(SessionStep step, const Result<Answer>& answer) {
    const auto name = stepName(step);
    if (!answer) {
        if (answer.error().code == Errc::Unavailable) return;  // the link dropped: linkLost() took over
        spdlog::warn("camera {}: session set-up, {}: {}", identifier_, name, answer.error().message);
        if (answer.error().code == Errc::DeadlineExceeded) {
            // A camera that does not answer its session set-up is not usable: start
            // over. Down from now on (as in attemptFailed): the steps behind this one
            // expire with it and must not disconnect again, and the Connected=false
            // this causes must not replace the reason.
            if (device_ && device_->connected) {
                port_.disconnect(device_->path, [](Result<void>) {});
                device_->connected = false;
                device_->servicesResolved = false;
            }
            linkLost("no answer to " + std::string(name));
            return;
        }
    } else if (step == SessionStep::OpenGoProVersion || step == SessionStep::HardwareInfo) {
        const auto response = protocol::parseCommandResponse(answer->message);
        if (response && response->ok() && step == SessionStep::OpenGoProVersion) {
            if (const auto v = protocol::parseOpenGoProVersion(response->payload))
                openGoProVersion_ = std::to_string(v->major) + "." + std::to_string(v->minor);
        } else if (response && response->ok()) {
            if (const auto info = protocol::parseHardwareInfo(response->payload)) {
                // The camera's text goes into the API's string fields and cameras.toml, which need UTF-8.
                auto model = protocol::validUtf8(info->modelName);
                auto firmware = protocol::validUtf8(info->firmwareVersion);
                auto serial = protocol::validUtf8(info->serialNumber);
                const bool changed = model_ != model || firmware_ != firmware || serial_ != serial;
                model_ = std::move(model);
                firmware_ = std::move(firmware);
                serial_ = std::move(serial);
                if (changed && known_) host_.knownInfoChanged(*this);
            }
        }
    } else if (step == SessionStep::DateTime) {
        // Cameras before HERO11 refuse Set Local Date Time (status 2): they get
        // the local wall time without its zone, as the SDK sets them.
        const auto response = protocol::parseCommandResponse(answer->message);
        auto plain = protocol::command::setDateTime(localNow().time);
        if (response && !response->ok() && plain && link_) {
            ++link_->sessionStepsLeft;  // before this step counts itself done below
            submitSessionStep(SessionStep::PlainDateTime, std::move(*plain));
        }
    } else if (step == SessionStep::StatusRegistration) {
        if (const auto response = protocol::parseQueryResponse(answer->message)) applyStatuses(response->entries);
    } else if (step == SessionStep::CameraControl) {  // issue 15 E
        if (auto ok = controlAnswer(*answer); !ok) {
            spdlog::warn("camera {}: session set-up, {}: {}", identifier_, name, ok.error().message);
        } else if (link_) {
            link_->controlClaimed = true;
        }
    }
    if (!link_ || --link_->sessionStepsLeft > 0 || state_ != CameraState::Initializing) return;
    retries_ = 0;
    lastError_.clear();
    failedOn_.clear();
    lastSeenUnix_ = unixNow();
    setState(CameraState::Ready);
    if (known_) host_.knownInfoChanged(*this);  // last seen, firmware
    scheduleKeepAlive();
    spdlog::info("camera {} ready ({} {}, Open GoPro {})", identifier_, model_, firmware_, openGoProVersion_);
}

void Camera::attemptFailed(const Error& error) {
    refusedForRoom_ = error.code == Errc::ResourceExhausted;
    if (disconnectAsked_) {
        spdlog::info("camera {}: connection attempt ended: disconnected on request", identifier_);
    } else {
        failedOn_ = device_ ? device_->adapter : ObjectPath{};
        spdlog::warn("camera {}: connection attempt failed: {}", identifier_, error.message);
        lastError_ = error.message;
        cause_ = error;
    }
    executor_.cancel(attemptTimer_);
    const bool connectCalled = link_ && link_->connectCalled;
    link_.reset();
    queue_.linkDown();
    if (device_ && (device_->connected || connectCalled)) {
        // No new attempt until BlueZ has let go of this one (else Connect and
        // Pair meet the old connection's InProgress).
        disconnecting_ = true;
        abandonedLink_ = device_->connected;
        port_.disconnect(device_->path, [this, alive = alive_](Result<void>) {
            if (!*alive) return;
            disconnecting_ = false;
            abandonedLink_ = false;  // BlueZ answers once the link is down
            host_.stateChanged(*this);
        });
        // Down from now on: the Connected=false this causes is not another link
        // loss, and the next attempt starts with Connect, not on the dying link.
        device_->connected = false;
        device_->servicesResolved = false;
    }
    setState(wanted_ ? CameraState::LinkLost : CameraState::Disconnected);
    cause_.reset();
    retries_ = std::max(retries_, 1);  // a failed attempt is retried after a backoff, never at once
    scheduleRetry();
    host_.attemptSettled(*this);
}

void Camera::linkLost(const std::string& why) {
    const bool asleep = link_ && link_->sleepSent;
    const bool wasAttempting = attempting();
    link_.reset();
    executor_.cancel(keepAliveTimer_);
    reassemblers_.clear();
    queue_.linkDown();
    failNetwork(Error{Errc::Unavailable, "the camera disconnected", {}});
    for (auto& waiter : statusWaiters_) {
        dropWaiterTimers(waiter);
        executor_.post([done = std::move(waiter.done)] { done(fail(Errc::Unavailable, "the camera disconnected")); });
    }
    statusWaiters_.clear();
    executor_.cancel(attemptTimer_);

    if (asleep) {
        // It went to sleep because we asked: reconnecting wakes it, so only auto-connect does.
        if (!autoConnect_) wanted_ = false;
        spdlog::info("camera {} is asleep", identifier_);
        setState(CameraState::Sleeping);
    } else if (disconnectAsked_) {
        spdlog::info("camera {} disconnected on request", identifier_);
        setState(CameraState::Disconnected);
    } else {
        spdlog::warn("camera {}: link lost: {}", identifier_, why);
        lastError_ = why;
        cause_ = Error{Errc::Unavailable, why, {}};
        setState(wanted_ ? CameraState::LinkLost : CameraState::Disconnected);
        cause_.reset();
    }
    scheduleRetry();
    // Nobody will reconnect it: what waits for the link would only wait for its deadline.
    if (!wanted_) queue_.failAll(Error{Errc::Unavailable, "camera " + identifier_ + " is not connected", {}});
    if (wasAttempting) host_.attemptSettled(*this);
}

void Camera::scheduleRetry() {
    if (!wanted_) return;
    // Jittered exponential backoff: initial · 2^retries, capped, times [0.5, 1).
    static thread_local std::mt19937 random{std::random_device{}()};
    const auto base = std::min<std::int64_t>(settings_.reconnectMax.count(),
                                             settings_.reconnectInitial.count() << std::min(retries_, 20));
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    const auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(base) * jitter(random)));
    nextAttemptAt_ = executor_.now() + (retries_ == 0 ? std::chrono::milliseconds(0) : delay);
    ++retries_;
}

void Camera::disconnect(std::function<void(Result<void>)> done) {
    wanted_ = false;
    disconnectAsked_ = true;
    // issue 15 E: give external control back (idle) before the link goes, waiting
    // kControlRelease at most: a camera that does not answer still gets disconnected.
    if (link_ && link_->controlClaimed && device_ && device_->connected) {
        link_->controlClaimed = false;
        submit(*protocol::operation::setCameraControl(kIdle),
               {executor_.now() + kControlRelease, Priority::Session, false, {}},
               [this, alive = alive_, done = std::move(done)](Result<Answer> answer) mutable {
                   if (!*alive) return;
                   const auto ok = answer ? controlAnswer(*answer) : Result<void>(Unexpected{answer.error()});
                   if (!ok) spdlog::warn("camera {}: releasing external control: {}", identifier_, ok.error().message);
                   disconnectLink(std::move(done));
               });
        return;
    }
    disconnectLink(std::move(done));
}

void Camera::disconnectLink(std::function<void(Result<void>)> done) {
    if (!device_ || (!device_->connected && !attempting())) {
        if (state_ == CameraState::LinkLost) setState(CameraState::Disconnected);
        executor_.post([done = std::move(done)] { done({}); });
        return;
    }
    port_.disconnect(device_->path, [this, alive = alive_, done = std::move(done)](Result<void> result) {
        if (*alive && result && disconnectAsked_) {
            // BlueZ answers once the link is down, and may signal Connected=false
            // only after this reply: the link is down for us now, so that the
            // caller's answer shows the state it asked for.
            if (device_ && device_->connected) {
                abandonedLink_ = true;  // until BlueZ says Connected=false
                device_->connected = false;
                device_->servicesResolved = false;
                linkLost("disconnected on request");
            } else if (attempting()) {
                linkLost("disconnected on request");
            }
        }
        done(std::move(result));
    });
}

void Camera::setState(CameraState state) {
    if (state_ == state) return;
    spdlog::debug("camera {}: {} → {}", identifier_, cameraStateName(state_), cameraStateName(state));
    state_ = state;
    host_.stateChanged(*this);
}

bool Camera::notConnecting() const {
    return !wanted_ && !attempting() &&
           (state_ == CameraState::Discovered || state_ == CameraState::Disconnected ||
            state_ == CameraState::Sleeping);
}

// ---------------------------------------------------------------------------
// Requests

RequestQueue::Ticket Camera::submit(protocol::Request request, RequestOptions options, RequestQueue::Done done) {
    if (notConnecting()) {
        executor_.post([done = std::move(done), state = state_, id = identifier_] {
            done(fail(Errc::Unavailable,
                      "camera " + id + " is not connected (" + std::string(cameraStateName(state)) + ")"));
        });
        return 0;
    }
    // Only clients' requests count against their limit: the daemon's own use the room beyond it.
    if (clientRequests_ >= settings_.queue.maxDepth) {
        executor_.post([done = std::move(done), max = settings_.queue.maxDepth] {
            done(fail(Errc::ResourceExhausted, "the camera's queue is full (" + std::to_string(max) + " requests)"));
        });
        return 0;
    }
    ++clientRequests_;
    auto wrapped = [this, alive = alive_, kind = request.kind, expects = request.expects,
                    ids = registrationIds(request), done = std::move(done)](Result<Answer> answer) mutable {
        if (*alive) {
            --clientRequests_;
            if (answer) trackRegistrations(kind, expects, ids, *answer);
            if (host_.wants(Event::Kind::RequestDone, *this)) {  // events are built for listeners only
                Event event;
                event.kind = Event::Kind::RequestDone;
                event.camera = view();
                event.request = protocol::describe(expects);
                if (!answer) event.error = answer.error();
                host_.publish(std::move(event));
            }
        }
        done(std::move(answer));
    };
    return queue_.submit(std::move(request), options, std::move(wrapped));
}

// Registrations that clients make (raw ones too) are restored on reconnection.
protocol::Bytes Camera::registrationIds(const protocol::Request& request) {
    switch (request.kind) {
        case protocol::RequestKind::RegisterStatuses:
        case protocol::RequestKind::UnregisterStatuses:
        case protocol::RequestKind::RegisterSettings:
        case protocol::RequestKind::UnregisterSettings:
            if (auto query = protocol::parseQueryRequest(request.message)) return std::move(query->ids);
            return {};
        default: return {};
    }
}

void Camera::trackRegistrations(protocol::RequestKind kind, const protocol::ResponseKey& expects,
                                const protocol::Bytes& ids, const Answer& answer) {
    using protocol::RequestKind;
    // issue 15 F: answered with the preset status (no result field); the 2-byte "unsupported" reply is no registration.
    if (kind == RequestKind::RegisterPresetStatus) {
        const auto status = protocol::decodeProtobuf(answer.message);
        if (status && status->action == (protocol::action::kGetPresetStatus | protocol::action::kResponseBit))
            clientPresets_ = true;
        return;
    }
    if (ids.empty() || !protocol::succeeded(expects, answer.message)) return;
    switch (kind) {
        case RequestKind::RegisterStatuses: clientStatuses_.insert(ids.begin(), ids.end()); break;
        case RequestKind::RegisterSettings: clientSettings_.insert(ids.begin(), ids.end()); break;
        case RequestKind::UnregisterStatuses:
            for (const auto id : ids) clientStatuses_.erase(id);
            break;
        case RequestKind::UnregisterSettings:
            for (const auto id : ids) clientSettings_.erase(id);
            break;
        default: break;
    }
}

// Decided when the answer arrives, not when its completion runs: the camera
// answers Sleep and drops the link at once, and the link-down may be handled
// before the completion.
void Camera::answered(const protocol::Request& request, const protocol::Bytes& message) {
    if (request.kind == protocol::RequestKind::Sleep && link_) {
        link_->sleepSent = protocol::succeeded(request.expects, message);
    }
}

Camera::Time Camera::send(const protocol::Request& request, std::function<void(Result<Time>)> sent) {
    const auto path = pathOf(request.characteristic);
    auto packets = protocol::fragment(request.message, protocol::Sender::Client);
    if (!path || !packets) {
        executor_.post([sent = std::move(sent), noPath = !path] {
            sent(noPath ? fail(Errc::Unavailable, "the camera's characteristic is not available")
                        : fail(Errc::InvalidArgument, "the request is too long to frame"));
        });
        return {};
    }
    // Stamped last, right before the WriteValue call: what "sent" means in the API.
    lastWriteAt_ = executor_.now();  // the link is not idle: keep-alive waits
    writePackets(std::make_shared<std::vector<protocol::Bytes>>(std::move(*packets)), 0, *path, std::move(sent));
    return lastWriteAt_;
}

// One packet at a time, each acknowledged (write with response) before the
// next: a multi-packet message is never interleaved with another write.
void Camera::writePackets(std::shared_ptr<std::vector<protocol::Bytes>> packets, std::size_t next, ObjectPath path,
                          std::function<void(Result<Time>)> sent) {
    auto packet = (*packets)[next];
    port_.write(path, std::move(packet),
                [this, executor = &executor_, link = linkScope(), packets, next, path,
                 sent = std::move(sent)](Result<void> result) mutable {
                    if (link.expired() && result && next + 1 < packets->size()) {
                        // The link this message started on is gone: its remaining packets
                        // must not reach the next link (they would corrupt its messages).
                        result = fail(Errc::Unavailable, "the link dropped while the request was written");
                    }
                    if (!result) return sent(Unexpected{result.error()});
                    if (next + 1 == packets->size()) return sent(executor->now());  // BlueZ accepted the last
                    writePackets(std::move(packets), next + 1, std::move(path), std::move(sent));
                });
}

void Camera::readApInfo(std::function<void(Result<ApInfo>)> done) {
    const auto ssidPath = pathOf(Characteristic::WifiApSsid);
    const auto passwordPath = pathOf(Characteristic::WifiApPassword);
    if (state_ != CameraState::Ready || !ssidPath || !passwordPath) {
        executor_.post([done = std::move(done), id = identifier_] {
            done(fail(Errc::Unavailable, "camera " + id + " is not ready"));
        });
        return;
    }
    port_.read(*ssidPath, [this, alive = alive_, passwordPath = *passwordPath,
                           done = std::move(done)](Result<protocol::Bytes> ssid) mutable {
        if (!*alive) return done(fail(Errc::Unavailable, "the camera is gone"));
        if (!ssid) return done(Unexpected{ssid.error()});
        port_.read(passwordPath, [ssid = std::move(*ssid), done = std::move(done)](Result<protocol::Bytes> password) {
            if (!password) return done(Unexpected{password.error()});
            done(ApInfo{std::string(ssid.begin(), ssid.end()), std::string(password->begin(), password->end())});
        });
    });
}

void Camera::waitForStatus(std::uint8_t status, std::function<bool(const protocol::Bytes&)> test, Deadline deadline,
                           std::function<void(Result<void>)> done) {
    if (const auto it = statuses_.find(status); it != statuses_.end() && test(it->second)) {
        executor_.post([done = std::move(done)] { done({}); });
        return;
    }
    StatusWaiter waiter{nextWaiterId_++, status, std::move(test), std::move(done), deadline, 0, 0};
    const auto id = waiter.id;
    waiter.timer = executor_.at(deadline, [this, alive = alive_, id, status] {
        if (!*alive) return;
        const auto it = findStatusWaiter(id);
        if (it == statusWaiters_.end()) return;
        auto done = std::move(it->done);
        executor_.cancel(it->poll);
        statusWaiters_.erase(it);
        done(fail(Errc::DeadlineExceeded, "status " + std::to_string(status) + " did not change in time"));
    });
    statusWaiters_.push_back(std::move(waiter));
    pollStatus(id);
}

// A camera pushes a status only to a client registered for it, and a push can
// be lost (a registration the camera dropped, a reconnection): asking now and
// then learns the change all the same.
void Camera::pollStatus(std::uint64_t waiterId) {
    const auto it = findStatusWaiter(waiterId);
    if (it == statusWaiters_.end()) return;
    it->poll = executor_.at(executor_.now() + kStatusPollInterval, [this, alive = alive_, waiterId] {
        if (!*alive) return;
        const auto it = findStatusWaiter(waiterId);
        if (it == statusWaiters_.end()) return;
        it->poll = 0;
        RequestOptions options{it->deadline, Priority::Normal, {}, {}};
        const protocol::Bytes ids{it->status};
        queue_.submit(protocol::query(protocol::QueryId::GetStatusValues, ids), options,
                      [this, alive, waiterId](Result<Answer> answer) {
                          if (!*alive) return;
                          if (answer) {
                              const auto response = protocol::parseQueryResponse(answer->message);
                              if (response && response->status == 0) applyStatuses(response->entries);
                          }
                          pollStatus(waiterId);  // still waiting (the waiter is gone otherwise)
                      });
    });
}

std::vector<Camera::StatusWaiter>::iterator Camera::findStatusWaiter(std::uint64_t id) {
    return std::find_if(statusWaiters_.begin(), statusWaiters_.end(),
                        [id](const StatusWaiter& w) { return w.id == id; });
}

void Camera::dropWaiterTimers(const StatusWaiter& waiter) {
    executor_.cancel(waiter.timer);
    executor_.cancel(waiter.poll);
}

void Camera::setKeepAlive(std::chrono::milliseconds interval) {
    settings_.keepAlive = interval;
    executor_.cancel(keepAliveTimer_);
    keepAliveTimer_ = 0;
    scheduleKeepAlive();
}

void Camera::reconfigure(const CameraSettings& settings, bool keepAlive) {
    const auto interval = keepAlive ? settings.keepAlive : settings_.keepAlive;
    settings_ = settings;
    settings_.keepAlive = interval;
    queue_.setLimits(withOwnRoom(settings_.queue));
    if (keepAlive) setKeepAlive(interval);
}

// Keep-alive only keeps an idle link from sleeping: it is due one interval
// after the last request written (send()), and goes out only when nothing is
// in flight or queued, from the daemon's own room in the queue.
void Camera::scheduleKeepAlive() {
    executor_.cancel(keepAliveTimer_);
    keepAliveTimer_ = 0;
    if (settings_.keepAlive.count() <= 0 || state_ != CameraState::Ready) return;
    const auto now = executor_.now();
    // An interval after the last write; when nothing was written for that long
    // (requests held while the camera is busy), an interval from now.
    const auto due =
        lastWriteAt_ + settings_.keepAlive > now ? lastWriteAt_ + settings_.keepAlive : now + settings_.keepAlive;
    keepAliveTimer_ = executor_.at(due, [this, link = linkScope()] {
        if (link.expired()) return;
        keepAliveTimer_ = 0;
        const bool idle = queue_.depth() == 0 && executor_.now() >= lastWriteAt_ + settings_.keepAlive;
        if (idle) {
            RequestOptions options{executor_.now() + settings_.keepAlive, Priority::Low, {}, {}};
            queue_.submit(protocol::setting::keepAlive(), options, [this, link](Result<Answer> answer) {
                if (link.expired()) return;
                if (!answer) spdlog::debug("camera {}: keep-alive: {}", identifier_, answer.error().message);
            });
        }
        scheduleKeepAlive();
    });
}

// ---------------------------------------------------------------------------
// Pushes and notifications

void Camera::onUnsolicited(const Answer& answer, const protocol::Classified& kind) {
    using protocol::Incoming;
    switch (kind.kind) {
        case Incoming::StatusPush:
        case Incoming::SettingPush: {
            const auto push = protocol::parseQueryResponse(answer.message);
            if (!push) {
                spdlog::warn("camera {}: malformed push: {}", identifier_, protocol::describe(push.error()));
                return;
            }
            if (kind.kind == Incoming::StatusPush) applyStatuses(push->entries);
            const auto eventKind = kind.kind == Incoming::StatusPush ? Event::Kind::StatusPush : Event::Kind::SettingPush;
            if (!host_.wants(eventKind, *this)) return;
            Event event;
            event.kind = eventKind;
            event.camera = view();
            for (const auto& entry : push->entries) event.entries.emplace_back(entry.id, entry.value);
            host_.publish(std::move(event));
            return;
        }
        case Incoming::ScanNotification:
        case Incoming::ProvisioningNotification: {
            if (network_) {
                if (auto message = protocol::decodeProtobuf(answer.message)) network_->notification(*message);
            }
            break;
        }
        case Incoming::Spurious: return;
        case Incoming::Response:
            // issue 15 D: a COHN status push (the same bytes as Get COHN Status' answer, with no request waiting).
            if (kind.key == protocol::ResponseKey{protocol::ResponseKey::Kind::Protobuf,
                                                  static_cast<std::uint8_t>(protocol::FeatureId::Query),
                                                  protocol::action::kGetCohnStatus | protocol::action::kResponseBit}) {
                if (!cohnWatchers_.empty()) {
                    if (auto message = protocol::decodeProtobuf(answer.message)) {
                        const auto watchers = cohnWatchers_;  // a watcher may unwatch
                        for (const auto& watcher : watchers) watcher.push(*message);
                    }
                }
                if (!host_.wants(Event::Kind::CohnStatus, *this)) return;
                Event event;
                event.kind = Event::Kind::CohnStatus;
                event.camera = view();
                event.message = answer.message;
                host_.publish(std::move(event));
                return;
            }
            break;
        // issue 15 F: preset pushes (a client registered) are their own kind.
        case Incoming::PresetNotification: {
            if (!host_.wants(Event::Kind::Presets, *this)) return;
            Event event;
            event.kind = Event::Kind::Presets;
            event.camera = view();
            event.message = answer.message;
            host_.publish(std::move(event));
            return;
        }
        // group C: to a running live-stream start, and to subscribers as its own kind.
        case Incoming::LiveStreamNotification: {
            if (network_) {
                if (auto message = protocol::decodeProtobuf(answer.message)) network_->notification(*message);
            }
            if (!host_.wants(Event::Kind::LiveStream, *this)) return;
            Event event;
            event.kind = Event::Kind::LiveStream;
            event.camera = view();
            event.message = answer.message;
            host_.publish(std::move(event));
            return;
        }
        default: break;
    }
    if (!host_.wants(Event::Kind::Notification, *this)) return;
    Event event;
    event.kind = Event::Kind::Notification;
    event.camera = view();
    event.message = answer.message;
    host_.publish(std::move(event));
}

void Camera::applyStatuses(const std::vector<protocol::QueryEntry>& entries) {
    const auto before = view();
    for (const auto& entry : entries) applyStatus(entry.id, entry.value);
    const auto after = view();
    if (before.busy != after.busy || before.encoding != after.encoding ||
        before.batteryPercent != after.batteryPercent)
        host_.stateChanged(*this);
}

void Camera::applyStatus(std::uint8_t id, const protocol::Bytes& value) {
    statuses_[id] = value;
    if (id == protocol::status_id::kBusy) queue_.setBusy(truthy(value));
    for (std::size_t i = 0; i < statusWaiters_.size();) {
        auto& waiter = statusWaiters_[i];
        if (waiter.status == id && waiter.test(value)) {
            dropWaiterTimers(waiter);
            executor_.post([done = std::move(waiter.done)] { done({}); });
            statusWaiters_.erase(statusWaiters_.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
            ++i;
        }
    }
}

// ---------------------------------------------------------------------------
// Station mode

void Camera::runNetworkOperation(std::shared_ptr<NetworkOperation> operation) {
    networkWaiting_.push_back(std::move(operation));
    if (!network_) startNextNetworkOperation();
}

void Camera::networkOperationDone(const NetworkOperation* operation) {
    if (network_.get() == operation) {
        network_.reset();
        executor_.post([this, alive = alive_] {
            if (*alive && !network_) startNextNetworkOperation();
        });
        return;
    }
    std::erase_if(networkWaiting_, [operation](const auto& waiting) { return waiting.get() == operation; });
}

void Camera::startNextNetworkOperation() {
    if (networkWaiting_.empty()) return;
    network_ = std::move(networkWaiting_.front());
    networkWaiting_.pop_front();
    auto running = network_;  // start() may finish it at once
    running->start();
}

void Camera::failNetwork(const Error& error) {
    // issue 15 D: COHN status watchers wait for pushes of this link too.
    auto watchers = std::exchange(cohnWatchers_, {});
    for (const auto& watcher : watchers) watcher.lost(error);
    // Only the running operation waits for notifications of this link; the
    // waiting ones just send requests, which wait in the queue.
    if (auto running = network_) running->abort(error);
}

// issue 15 D
std::uint64_t Camera::watchCohnStatus(std::function<void(const protocol::ProtobufMessage&)> push,
                                      std::function<void(const Error&)> lost) {
    const std::uint64_t id = nextCohnWatcher_++;
    cohnWatchers_.push_back(CohnWatcher{id, std::move(push), std::move(lost)});
    return id;
}

void Camera::unwatchCohnStatus(std::uint64_t id) {
    std::erase_if(cohnWatchers_, [id](const CohnWatcher& watcher) { return watcher.id == id; });
}

void Camera::shutdown(const Error& error) {
    wanted_ = false;
    disconnectAsked_ = true;  // the camera is forgotten or the daemon stops: what follows is no failure
    failNetwork(error);
    auto waiting = std::move(networkWaiting_);
    for (auto& op : waiting) op->abort(error);
    for (auto& waiter : statusWaiters_) {
        dropWaiterTimers(waiter);
        executor_.post([done = std::move(waiter.done), error] { done(Unexpected{error}); });
    }
    statusWaiters_.clear();
    queue_.failAll(error);
}

// ---------------------------------------------------------------------------
// issue 15 E: external control for the session

void Camera::claimControl(bool claim, Deadline deadline, std::function<void(Result<void>)> done) {
    if (claim && link_ && link_->controlClaimed) {
        controlWanted_ = true;
        executor_.post([done = std::move(done)] { done({}); });  // the camera holds it already
        return;
    }
    // The session's wish changes once the camera took it.
    submit(*protocol::operation::setCameraControl(claim ? kExternal : kIdle), {deadline, Priority::Normal, false, {}},
           [this, alive = alive_, link = linkScope(), claim, done = std::move(done)](Result<Answer> answer) {
               if (!answer) return done(Unexpected{answer.error()});
               auto ok = controlAnswer(*answer);
               if (ok && *alive) {
                   controlWanted_ = claim;
                   if (auto held = link.lock()) held->controlClaimed = claim;
               }
               done(std::move(ok));
           });
}

}  // namespace goprod::core
