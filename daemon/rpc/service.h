// The gRPC service goprod.v1.Goprod (callback API) on top of core::Control.
//
// Threading: gRPC calls the handlers on its callback threads; they validate the
// request, hand the work to Control and return a reactor at once. Control's
// callbacks run on the core thread and only fill in and finish the reactor
// (Finish may be called from any thread). Nothing here blocks or sleeps.
//
// Every RPC takes the client's deadline (or `requestTimeout` / `longTimeout`
// when it set none) down to Control, and a cancelled RPC (client cancel, its
// deadline passing, server shutdown) cancels its Control calls. The error table
// is daemon/rpc/status.h; api/README.md documents both for clients.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/core/control.h"
#include "goprod.grpc.pb.h"
#include "protocol/queries.h"

namespace goprod::rpc {

struct StreamSlot;
class TimeBase;
class CaptureJournal;

// The clocks the service shows time with, replaceable for tests: answer
// timestamps are on the steady clock and the API shows wall time, so both are
// read together; SetDateTime's "now" and event times come from systemNow.
// Deadlines always use the real clocks (gRPC's and the core's).
// issue 17: what the kernel says of the system clock's synchronisation (adjtimex(2)):
// a time daemon (chrony, ntpd, linuxptp's phc2sys) clears STA_UNSYNC and sets the errors.
struct ClockSync {
    bool synchronized = false;
    std::chrono::microseconds maxError{0};
    std::chrono::microseconds estimatedError{0};
};
std::optional<ClockSync> readClockSync();  // nothing when adjtimex fails

struct Clock {
    std::function<std::chrono::steady_clock::time_point()> steadyNow = [] { return std::chrono::steady_clock::now(); };
    std::function<std::chrono::system_clock::time_point()> systemNow = [] { return std::chrono::system_clock::now(); };
    std::function<std::optional<ClockSync>()> sync = readClockSync;
};

// A value the daemon changes while gRPC threads read it (a reload): atomic,
// yet copied and compared like the plain value.
template <class T>
class Live {
public:
    Live(T value = {}) : value_(value) {}
    Live(const Live& other) : value_(other.get()) {}
    Live& operator=(const Live& other) {
        value_.store(other.get(), std::memory_order_relaxed);
        return *this;
    }
    T get() const { return value_.load(std::memory_order_relaxed); }
    operator T() const { return get(); }

private:
    std::atomic<T> value_;
};

struct ServiceOptions {
    // Deadline of a camera request when the client set none ([requests] timeout_ms).
    Live<std::chrono::milliseconds> requestTimeout{std::chrono::milliseconds{5000}};
    // The same for operations that take seconds on a real camera: Connect,
    // SetAp (waits for status 69), ScanNetworks and ConnectNetwork.
    std::chrono::milliseconds longTimeout{60000};
    // Server-streaming RPCs open at once (Discover, WatchEvents,
    // ConnectNetwork), all clients together; beyond: RESOURCE_EXHAUSTED.
    Live<std::size_t> maxStreams = 64;
    // Messages a stream holds for a client that reads too slowly; one more and
    // the stream ends with RESOURCE_EXHAUSTED instead of growing without bound.
    std::size_t maxStreamBacklog = 256;
    // What GetDaemonStatus reports as goprod's version.
    std::string version;
    Clock clock;
    // issue 17: where shutters are recorded and ListCaptures reads; none: the journal is off.
    CaptureJournal* journal = nullptr;
};

class Service final : public goprod::v1::Goprod::CallbackService {
public:
    using Options = ServiceOptions;

    // `control` must outlive the service and every RPC it started.
    explicit Service(core::Control& control, Options options = {});
    ~Service() override;
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    // A reload (any thread): RPCs started from now on use these. Streams already
    // open beyond a lower limit go on; new ones are refused until there is room.
    void setLimits(std::chrono::milliseconds requestTimeout, std::size_t maxStreams);

    // Cameras
    grpc::ServerUnaryReactor* ListCameras(grpc::CallbackServerContext* context, const v1::ListCamerasRequest* request,
                                          v1::ListCamerasResponse* response) override;
    grpc::ServerUnaryReactor* GetCamera(grpc::CallbackServerContext* context, const v1::GetCameraRequest* request,
                                        v1::Camera* response) override;
    grpc::ServerWriteReactor<v1::Camera>* Discover(grpc::CallbackServerContext* context,
                                                   const v1::DiscoverRequest* request) override;
    grpc::ServerUnaryReactor* Connect(grpc::CallbackServerContext* context, const v1::ConnectRequest* request,
                                      v1::Camera* response) override;
    grpc::ServerUnaryReactor* Disconnect(grpc::CallbackServerContext* context, const v1::DisconnectRequest* request,
                                         v1::Camera* response) override;
    grpc::ServerUnaryReactor* Forget(grpc::CallbackServerContext* context, const v1::ForgetRequest* request,
                                     v1::ForgetResponse* response) override;
    grpc::ServerUnaryReactor* SetAutoConnect(grpc::CallbackServerContext* context,
                                             const v1::SetAutoConnectRequest* request, v1::Camera* response) override;

    // Control (several cameras, one result each)
    grpc::ServerUnaryReactor* SetShutter(grpc::CallbackServerContext* context, const v1::SetShutterRequest* request,
                                         v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* Sleep(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                    v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* LoadPresetGroup(grpc::CallbackServerContext* context,
                                              const v1::LoadPresetGroupRequest* request,
                                              v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* LoadPreset(grpc::CallbackServerContext* context, const v1::LoadPresetRequest* request,
                                         v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* EnableAnalytics(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                              v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* SetSetting(grpc::CallbackServerContext* context, const v1::SetSettingRequest* request,
                                         v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* GetSettings(grpc::CallbackServerContext* context, const v1::GetValuesRequest* request,
                                          v1::ValuesResponse* response) override;
    grpc::ServerUnaryReactor* GetStatuses(grpc::CallbackServerContext* context, const v1::GetValuesRequest* request,
                                          v1::ValuesResponse* response) override;
    grpc::ServerUnaryReactor* GetHardwareInfo(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                              v1::HardwareInfoResponse* response) override;
    grpc::ServerUnaryReactor* GetOpenGoProVersion(grpc::CallbackServerContext* context,
                                                  const v1::CameraRequest* request,
                                                  v1::VersionResponse* response) override;
    grpc::ServerUnaryReactor* SetDateTime(grpc::CallbackServerContext* context, const v1::SetDateTimeRequest* request,
                                          v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* SetKeepAlive(grpc::CallbackServerContext* context, const v1::SetKeepAliveRequest* request,
                                           v1::MultiResult* response) override;

    // WiFi
    grpc::ServerUnaryReactor* GetApInfo(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                        v1::ApInfo* response) override;
    grpc::ServerUnaryReactor* SetAp(grpc::CallbackServerContext* context, const v1::SetApRequest* request,
                                    v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* ScanNetworks(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                           v1::ScanNetworksResponse* response) override;
    grpc::ServerWriteReactor<v1::ConnectNetworkProgress>* ConnectNetwork(
        grpc::CallbackServerContext* context, const v1::ConnectNetworkRequest* request) override;

    // Events and the expert escape hatch
    grpc::ServerWriteReactor<v1::Event>* WatchEvents(grpc::CallbackServerContext* context,
                                                     const v1::WatchEventsRequest* request) override;
    grpc::ServerUnaryReactor* SendRaw(grpc::CallbackServerContext* context, const v1::SendRawRequest* request,
                                      v1::SendRawResponse* response) override;

    // The daemon itself
    grpc::ServerUnaryReactor* GetDaemonStatus(grpc::CallbackServerContext* context,
                                              const v1::GetDaemonStatusRequest* request,
                                              v1::DaemonStatus* response) override;

    // issue 15 D: COHN
    grpc::ServerUnaryReactor* GetCohnStatus(grpc::CallbackServerContext* context,
                                            const v1::GetCohnStatusRequest* request,
                                            v1::CohnStatusResponse* response) override;
    grpc::ServerUnaryReactor* CreateCohnCert(grpc::CallbackServerContext* context,
                                             const v1::CreateCohnCertRequest* request,
                                             v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* ClearCohnCert(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                            v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* GetCohnCert(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                          v1::CohnCert* response) override;
    grpc::ServerUnaryReactor* SetCohn(grpc::CallbackServerContext* context, const v1::SetCohnRequest* request,
                                      v1::MultiResult* response) override;
    grpc::ServerWriteReactor<v1::ProvisionCohnProgress>* ProvisionCohn(
        grpc::CallbackServerContext* context, const v1::ProvisionCohnRequest* request) override;
    // group C: live streaming
    grpc::ServerWriteReactor<v1::LiveStreamProgress>* StartLiveStream(
        grpc::CallbackServerContext* context, const v1::StartLiveStreamRequest* request) override;
    grpc::ServerUnaryReactor* GetLiveStreamStatus(grpc::CallbackServerContext* context,
                                                  const v1::CameraRequest* request,
                                                  v1::LiveStreamStatusResponse* response) override;
    grpc::ServerUnaryReactor* StopLiveStream(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                             v1::MultiResult* response) override;
    // issue 15 group A: more camera commands (several cameras, one result each)
    grpc::ServerUnaryReactor* Hilight(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                      v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* PowerDown(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                        v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* Reboot(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                     v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* SetTurboTransfer(grpc::CallbackServerContext* context,
                                               const v1::SetTurboTransferRequest* request,
                                               v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* SetCameraControl(grpc::CallbackServerContext* context,
                                               const v1::SetCameraControlRequest* request,
                                               v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* SetCameraName(grpc::CallbackServerContext* context,
                                            const v1::SetCameraNameRequest* request,
                                            v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* ReleaseNetwork(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                             v1::MultiResult* response) override;
    // issue 15 B: presets and setting capabilities
    grpc::ServerUnaryReactor* GetPresets(grpc::CallbackServerContext* context, const v1::GetPresetsRequest* request,
                                         v1::PresetsResponse* response) override;
    grpc::ServerUnaryReactor* GetCapabilities(grpc::CallbackServerContext* context, const v1::GetValuesRequest* request,
                                              v1::CapabilitiesResponse* response) override;
    // issue 15 F: preset visibility and the custom preset update
    grpc::ServerUnaryReactor* SetPresetVisibility(grpc::CallbackServerContext* context,
                                                  const v1::SetPresetVisibilityRequest* request,
                                                  v1::MultiResult* response) override;
    grpc::ServerUnaryReactor* UpdateCustomPreset(grpc::CallbackServerContext* context,
                                                 const v1::UpdateCustomPresetRequest* request,
                                                 v1::MultiResult* response) override;
    // issue 15 E: the camera's clock
    grpc::ServerUnaryReactor* GetDateTime(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                          v1::DateTimeResponse* response) override;
    // issue 17
    grpc::ServerUnaryReactor* ListCaptures(grpc::CallbackServerContext* context, const v1::ListCapturesRequest* request,
                                           v1::ListCapturesResponse* response) override;
    grpc::ServerUnaryReactor* GetLastMedia(grpc::CallbackServerContext* context, const v1::CameraRequest* request,
                                           v1::LastMediaResponse* response) override;

private:
    // The shapes of the handlers (service.cpp).
    template <class Start>
    grpc::ServerUnaryReactor* unary(Start start);
    template <class Start>
    grpc::ServerUnaryReactor* onSelection(const v1::CameraRequest& target, Start start);
    template <class Build>
    grpc::ServerUnaryReactor* commandOnEach(grpc::CallbackServerContext* context, const v1::CameraRequest& target,
                                            v1::MultiResult* response, Build build);
    template <class Message, class Args, class Run>
    grpc::ServerWriteReactor<Message>* openStream(core::Result<Args> args, Run run);

    grpc::ServerUnaryReactor* getValues(grpc::CallbackServerContext* context, const v1::GetValuesRequest& request,
                                        protocol::QueryId query, v1::ValuesResponse* response);
    core::Deadline deadlineFor(const grpc::CallbackServerContext* context, std::chrono::milliseconds fallback) const;
    core::Result<core::Deadline> plannedDeadline(const grpc::CallbackServerContext* context, const TimeBase& time,
                                                 core::WallTime sendAt, std::string_view instant) const;
    // issue 15 E: SetCameraControl with `session`
    grpc::ServerUnaryReactor* claimControl(grpc::CallbackServerContext* context,
                                           const v1::SetCameraControlRequest& request, v1::MultiResult* response);
    // A stream slot, or nullptr when `maxStreams` are open (released when the stream's reactor is deleted).
    std::unique_ptr<StreamSlot> acquireStream();
    template <class Message>
    grpc::ServerWriteReactor<Message>* failedStream(grpc::Status status);
    // Replaces gRPC's handler of the RPC `name` by one that answers
    // INVALID_ARGUMENT to a request that does not parse (daemon/rpc/unparsable.h).
    template <class Request, class Response>
    void refuseUnparsable(const char* name, grpc::ServerUnaryReactor* (Service::*method)(grpc::CallbackServerContext*,
                                                                                         const Request*, Response*));
    template <class Request, class Response>
    void refuseUnparsable(const char* name,
                          grpc::ServerWriteReactor<Response>* (Service::*method)(grpc::CallbackServerContext*,
                                                                                 const Request*));

    core::Control& control_;
    Options options_;
    std::chrono::steady_clock::time_point started_;  // for the uptime
    // Shared with the streams, which may end after the service is gone.
    std::shared_ptr<std::atomic<std::size_t>> streams_ = std::make_shared<std::atomic<std::size_t>>(0);
};

}  // namespace goprod::rpc
