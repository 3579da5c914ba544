// One camera: its lifecycle state machine, its BLE link (framing, writes,
// reassembly), its request queue, its session set-up, keep-alive and status
// cache, and its station-mode channel. BlueZ properties are the truth for the
// state; a method reply only completes the step that asked for it.
// Core thread only.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/bluez_port.h"
#include "daemon/core/control.h"
#include "daemon/core/executor.h"
#include "daemon/core/request_queue.h"
#include "protocol/framing.h"
#include "protocol/gatt.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"

namespace goprod::core {

class Camera;

// What a camera tells the registry.
class CameraHost {
public:
    virtual ~CameraHost() = default;
    virtual void stateChanged(Camera& camera) = 0;
    // The connection attempt is over (the camera is initializing or it failed):
    // the adapter may start another one.
    virtual void attemptSettled(Camera& camera) = 0;
    // Identity, model, firmware or auto-connect changed: persist.
    virtual void knownInfoChanged(Camera& camera) = 0;
    // Whether anyone listens for `kind` from this camera: build the event only then.
    virtual bool wants(Event::Kind kind, const Camera& camera) const = 0;
    virtual void publish(Event event) = 0;
};

struct CameraSettings {
    std::chrono::milliseconds keepAlive{3000};  // 0 = off
    std::chrono::milliseconds sessionTimeout{5000};  // each set-up request
    std::chrono::milliseconds connectTimeout{30000};  // connect → initializing
    std::chrono::milliseconds reconnectInitial{1000};
    std::chrono::milliseconds reconnectMax{60000};
    QueueLimits queue;
    std::string clientName = "goprod";  // in the pairing-finish message
    // issue 15 E: claim external control (Set Camera Control Status) in every session
    bool claimControl = false;
};

// A station-mode operation (scan, connect): it holds the camera's network
// management channel, so that scan and provisioning notifications reach it,
// while other requests keep flowing through the queue.
class NetworkOperation {
public:
    virtual ~NetworkOperation() = default;
    virtual void start() = 0;
    // A scan or provisioning notification (feature 0x02), or a live-stream push (group C).
    virtual void notification(const protocol::ProtobufMessage& message) = 0;
    // The link dropped, or the camera is going away: fail now.
    virtual void abort(const Error& error) = 0;
};

class Camera final : private RequestLink {
public:
    Camera(Executor& executor, BluezPort& port, CameraHost& host, std::string identifier, CameraSettings settings);
    ~Camera() override;
    Camera(const Camera&) = delete;
    Camera& operator=(const Camera&) = delete;

    const std::string& identifier() const { return identifier_; }
    const std::string& address() const { return address_; }
    const std::optional<DeviceInfo>& device() const { return device_; }
    CameraState state() const { return state_; }
    CameraView view() const;
    // While the state changes because something failed (a link lost, a failed
    // attempt): why. Events carry it on that change only.
    const std::optional<Error>& stateCause() const { return cause_; }

    // Persisted facts (loaded from the state directory, or learned).
    void restore(const CameraView& known);
    bool known() const { return known_; }
    void setKnown(bool known);
    bool autoConnect() const { return autoConnect_; }
    void setAutoConnect(bool on);

    // issue 16: placement (see CameraView). Remembered with the camera.
    void setPlacement(const Placement& placement);
    const std::string& pinnedAdapter() const { return pinnedAdapter_; }
    const std::string& homeAdapter() const { return homeAdapter_; }
    void setHomeAdapter(std::string address);
    int priority() const { return priority_; }

    // BlueZ objects, routed here by the registry. issue 16: a camera seen by
    // several adapters has one Device1 on each (its sightings); its link goes
    // through the one it is placed on (device()). Changes of the others only
    // update its sightings.
    void deviceChanged(const DeviceInfo& device);
    void deviceRemoved(const ObjectPath& path);
    void allDevicesRemoved();  // BlueZ went away
    const std::map<ObjectPath, DeviceInfo>& sightings() const { return sightings_; }
    // issue 16: no link and none being made or taken down: it may be placed on any sighting.
    bool placeable() const { return !link_ && !disconnecting_; }
    void placeOn(const ObjectPath& device);
    // issue 16: ready, and nothing queued, in flight or waiting on the link: moving it loses nothing.
    bool idle() const;
    // issue 16: ends the link and connects again, so that the registry places it anew (its home
    // adapter is back, or a user pinned it elsewhere). Requests in flight fail; queued ones wait.
    void relink();
    bool moving() const { return moving_; }  // relink() runs
    void characteristicAdded(const CharacteristicInfo& characteristic);
    void characteristicRemoved(const ObjectPath& path);
    void notification(const ObjectPath& characteristic, const protocol::Bytes& value);

    // Connection. wantsConnection(): the registry should run an attempt at or
    // after nextAttemptAt().
    bool wantsConnection() const;
    Executor::Clock::time_point nextAttemptAt() const { return nextAttemptAt_; }
    bool attempting() const { return link_ && link_->attempting; }
    // issue 16: why the registry does not connect it although it wants a
    // connection ("no adapter has room"); cleared when an attempt starts.
    void setWaiting(std::string why) { waiting_ = std::move(why); }
    const std::string& waiting() const { return waiting_; }
    // issue 16: its last attempt failed because the controller had no room for another link.
    bool refusedForRoom() const { return refusedForRoom_; }
    // issue 16: the adapter its last attempt failed on (until it is ready): the next tries another that hears it.
    const ObjectPath& failedOn() const { return failedOn_; }
    std::uint64_t attempts() const { return attempts_; }  // attempts started so far
    void startAttempt();
    // Asked by a user: connect now (when the adapter is free), keep connected.
    void want(bool connected);
    bool wanted() const { return wanted_; }
    void disconnect(std::function<void(Result<void>)> done);

    // Requests. Fail at once with Unavailable when nobody is trying to connect.
    RequestQueue::Ticket submit(protocol::Request request, RequestOptions options, RequestQueue::Done done);
    bool cancel(RequestQueue::Ticket ticket) { return queue_.cancel(ticket); }
    void readApInfo(std::function<void(Result<ApInfo>)> done);
    // Runs `done` when `status` satisfies `test` (maybe at once), or fails at `deadline`.
    // Learned from pushes, and from a query every second in case no push comes.
    void waitForStatus(std::uint8_t status, std::function<bool(const protocol::Bytes&)> test, Deadline deadline,
                       std::function<void(Result<void>)> done);
    void setKeepAlive(std::chrono::milliseconds interval);
    // A reload: new timeouts, backoff and queue depth from now on, and the
    // keep-alive interval too when `keepAlive` (else a client's SetKeepAlive stays).
    void reconfigure(const CameraSettings& settings, bool keepAlive);

    // Station mode: operations run one at a time, in order.
    void runNetworkOperation(std::shared_ptr<NetworkOperation> operation);
    void networkOperationDone(const NetworkOperation* operation);

    // Fails everything pending (the camera is forgotten or the daemon stops).
    void shutdown(const Error& error);

    // issue 15 D: COHN status pushes (0xF5/0xEF that no request waited for)
    // reach each watcher until unwatchCohnStatus(); when the link ends, `lost`
    // runs instead and the watcher is dropped.
    std::uint64_t watchCohnStatus(std::function<void(const protocol::ProtobufMessage&)> push,
                                  std::function<void(const Error&)> lost);
    void unwatchCohnStatus(std::uint64_t id);

    // issue 15 E: external control for the session. Claimed: the camera shows it
    // is remotely controlled, claimed again on every connection, and given back
    // (idle) by disconnect(). Released: idle now, and no more claims. A claim the
    // camera holds from this link is not sent again.
    void claimControl(bool claim, Deadline deadline, std::function<void(Result<void>)> done);

private:
    // One connection attempt and the link it makes: made whole by startAttempt(),
    // dropped when that link ends (linkLost(), attemptFailed()). Callbacks that
    // belong to a link hold it weakly (linkScope()): once it has expired (the link
    // ended, or the camera is gone) they do nothing.
    struct Link {
        bool attempting = true;  // until the session set-up starts (initialize())
        bool connectCalled = false;
        bool pairing = false;
        bool justPaired = false;  // the session starts with pairing finish
        bool trustAsked = false;
        bool subscribing = false;
        bool subscribed = false;
        bool sleepSent = false;  // the camera acknowledged Sleep on this link: its disconnect is not a loss
        std::size_t sessionStepsLeft = 0;
        bool controlClaimed = false;  // issue 15 E: the camera holds our external-control claim
    };
    enum class SessionStep : std::uint8_t {
        PairingFinish,
        ThirdPartyClient,
        OpenGoProVersion,
        HardwareInfo,
        StatusRegistration,
        SettingRegistration,
        DateTime,
        PlainDateTime,       // Set Date Time, for a camera that refused Set Local Date Time (before HERO11)
        PresetRegistration,  // issue 15 F
        CameraControl,       // issue 15 E
    };

    struct StatusWaiter {
        std::uint64_t id = 0;
        std::uint8_t status = 0;
        std::function<bool(const protocol::Bytes&)> test;
        std::function<void(Result<void>)> done;
        Deadline deadline{};
        Executor::TimerId timer = 0;
        Executor::TimerId poll = 0;  // the next query of the status, in case no push comes
    };

    // RequestLink: frames the message and writes the packets in order.
    Time send(const protocol::Request& request, std::function<void(Result<Time>)> sent) override;
    // Notes that the camera acknowledged Sleep on this link.
    void answered(const protocol::Request& request, const protocol::Bytes& message) override;
    void writePackets(std::shared_ptr<std::vector<protocol::Bytes>> packets, std::size_t next, ObjectPath path,
                      std::function<void(Result<Time>)> sent);

    void setState(CameraState state);
    void advance();  // the attempt's next step, from what BlueZ says now
    void subscribe();
    void initialize();
    void submitSessionStep(SessionStep step, protocol::Request request);
    void sessionStepDone(SessionStep step, const Result<Answer>& answer);
    static std::string_view stepName(SessionStep step);
    std::weak_ptr<Link> linkScope() const { return link_; }
    void attemptFailed(const Error& error);
    void linkLost(const std::string& why);
    void scheduleRetry();
    void scheduleKeepAlive();
    void onUnsolicited(const Answer& answer, const protocol::Classified& kind);
    void applyStatuses(const std::vector<protocol::QueryEntry>& entries);
    void applyStatus(std::uint8_t id, const protocol::Bytes& value);
    void pollStatus(std::uint64_t waiterId);
    std::vector<StatusWaiter>::iterator findStatusWaiter(std::uint64_t id);  // end() once it is gone
    void dropWaiterTimers(const StatusWaiter& waiter);
    static protocol::Bytes registrationIds(const protocol::Request& request);  // empty for other requests
    void trackRegistrations(protocol::RequestKind kind, const protocol::ResponseKey& expects,
                            const protocol::Bytes& ids, const Answer& answer);
    void failNetwork(const Error& error);
    void startNextNetworkOperation();
    std::optional<ObjectPath> pathOf(protocol::Characteristic c) const;
    bool hasRequiredCharacteristics() const;
    bool notConnecting() const;
    bool onDevice(const ObjectPath& characteristic) const;  // under the device it is placed on

    Executor& executor_;
    BluezPort& port_;
    CameraHost& host_;
    std::string identifier_;
    CameraSettings settings_;

    // Identity and persisted facts.
    std::string address_, name_, model_, firmware_, serial_, openGoProVersion_;
    bool known_ = false;
    bool autoConnect_ = false;
    std::int64_t lastSeenUnix_ = 0;
    std::string pinnedAdapter_, homeAdapter_;  // issue 16
    int priority_ = 0;                         // issue 16

    // BlueZ view.
    std::optional<DeviceInfo> device_;  // the sighting it is placed on
    std::map<ObjectPath, DeviceInfo> sightings_;  // issue 16: its Device1 on each adapter that sees it
    std::map<ObjectPath, protocol::Characteristic> characteristics_;
    std::map<protocol::Characteristic, protocol::Reassembler> reassemblers_;

    // Lifecycle.
    CameraState state_ = CameraState::Discovered;
    std::string waiting_;           // issue 16: see setWaiting()
    bool refusedForRoom_ = false;   // issue 16: see refusedForRoom()
    ObjectPath failedOn_;           // issue 16: see failedOn()
    std::string lastError_;         // the last real failure; not a disconnection that was asked for
    std::optional<Error> cause_;    // see stateCause()
    bool disconnectAsked_ = false;  // Disconnect, Forget or the daemon stopping: the link's end is no failure
    bool wanted_ = false;       // someone asked for a connection (user, or auto-connect)
    bool disconnecting_ = false;  // a failed attempt's Disconnect is still running
    bool moving_ = false;  // issue 16: see relink()
    bool abandonedLink_ = false;  // that Disconnect is taking down a link BlueZ still reports
    std::uint64_t attempts_ = 0;
    std::shared_ptr<Link> link_;  // the current attempt and its link; null between links
    // issue 15 E: external control for the session (settings, then claimControl())
    bool controlWanted_ = false;
    void disconnectLink(std::function<void(Result<void>)> done);
    int retries_ = 0;
    Executor::Clock::time_point nextAttemptAt_{};
    Executor::TimerId attemptTimer_ = 0;
    Executor::TimerId keepAliveTimer_ = 0;
    Executor::Clock::time_point lastWriteAt_{};  // the last request written: keep-alive is due an interval later
    std::size_t clientRequests_ = 0;  // submitted through submit() and not finished: what maxDepth limits

    // Session.
    RequestQueue queue_;
    std::map<std::uint8_t, protocol::Bytes> statuses_;
    std::set<std::uint8_t> clientStatuses_, clientSettings_;  // registrations clients made (restored on reconnect)
    // issue 15 F: a client registered for preset pushes (GetPresets register_updates). Restored on reconnect like
    // the status registrations: the daemon is shared, and a program watching presets should not have to notice
    // that the link dropped. Not registered unasked: every setting change pushes the whole (multi-packet) list.
    bool clientPresets_ = false;
    std::vector<StatusWaiter> statusWaiters_;
    std::uint64_t nextWaiterId_ = 1;

    // Station mode.
    std::shared_ptr<NetworkOperation> network_;
    std::deque<std::shared_ptr<NetworkOperation>> networkWaiting_;

    // issue 15 D: COHN status watchers.
    struct CohnWatcher {
        std::uint64_t id = 0;
        std::function<void(const protocol::ProtobufMessage&)> push;
        std::function<void(const Error&)> lost;
    };
    std::vector<CohnWatcher> cohnWatchers_;
    std::uint64_t nextCohnWatcher_ = 1;

    // Guards callbacks that belong to the camera, not to one link (those hold linkScope()).
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// "GoPro 0456" → "0456"; nullopt for other names.
std::optional<std::string> identifierFromName(std::string_view name);

}  // namespace goprod::core
