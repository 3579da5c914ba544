// The camera registry: every camera the daemon knows or sees, which ones a
// selection names, BlueZ objects routed to them, discovery, connect() callers
// waiting for a camera, persistence of known cameras, and the Control surface
// the gRPC service uses. It delegates the event subscribers to an EventHub,
// the cancellable calls to a CallTracker, the connection attempts per adapter
// to a ConnectionScheduler, and Set AP to wifi.h. Control methods may be
// called from any thread: they post to the core thread. Everything else runs
// on the core thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/core/bluez_port.h"
#include "daemon/core/call_tracker.h"
#include "daemon/core/camera.h"
#include "daemon/core/connection_scheduler.h"
#include "daemon/core/control.h"
#include "daemon/core/event_hub.h"
#include "daemon/core/executor.h"

namespace goprod::core {

struct RegistrySettings {
    CameraSettings camera;
    std::size_t maxCameras = 64;
    std::size_t maxSubscribers = 64;
    std::vector<std::string> adapters;  // issue 16: names ("hci0") or addresses; empty: every adapter
    std::size_t maxConnections = 7;     // issue 16: per adapter
    bool autoConnectNew = true;         // cameras connected by a user are reconnected automatically
};

class Registry final : public Control, public BluezObserver, private CameraHost {
public:
    // `persist` runs on the core thread with every known camera, after a change;
    // it saves them (off the core thread) and calls `saved` back on the core
    // thread, once, with the result. Calls that change what is remembered
    // answer after that.
    using Persist = std::function<void(const std::vector<CameraView>& known, std::function<void(Result<void>)> saved)>;
    Registry(Executor& executor, BluezPort& port, RegistrySettings settings, Persist persist = {});
    ~Registry() override;
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // Core thread, before BlueZ is watched: cameras from the state directory.
    void restore(const std::vector<CameraView>& known);
    // Core thread: fails every pending request (the daemon is stopping).
    void shutdown();
    // Core thread: a reload. Every camera takes the new settings; the keep-alive
    // interval only when it changed, so that one a client set stays otherwise.
    void reconfigure(RegistrySettings settings);
    // Core thread: for tests and diagnostics.
    Camera* find(const std::string& identifier);

    // Control (any thread).
    CallId newCallId() override { return calls_.newId(); }
    void cancel(CallId call) override;
    void listCameras(std::function<void(std::vector<CameraView>)> done) override;
    void resolve(Selection selection, std::function<void(Result<std::vector<CameraView>>)> done) override;
    void discover(CallId call, std::chrono::milliseconds duration, std::function<void(const CameraView&)> found,
                  std::function<void(Result<void>)> done) override;
    void connect(CallId call, std::string selector, Placement placement, Deadline deadline,
                 std::function<void(Result<CameraView>)> done) override;
    void disconnect(std::string selector, std::function<void(Result<CameraView>)> done) override;
    void forget(std::string selector, std::function<void(Result<void>)> done) override;
    void setAutoConnect(std::string selector, bool on, std::function<void(Result<CameraView>)> done) override;
    void setKeepAlive(std::string selector, std::chrono::milliseconds interval,
                      std::function<void(Result<void>)> done) override;
    void request(CallId call, std::string selector, protocol::Request request, Deadline deadline,
                 std::function<void(Result<Answer>)> done) override;
    void requestEach(CallId call, Selection selection, protocol::Request request, Deadline deadline,
                     std::optional<WallTime> sendAt,
                     std::function<void(Result<std::vector<CameraAnswer>>)> done) override;
    void readApInfo(CallId call, std::string selector, Deadline deadline,
                    std::function<void(Result<ApInfo>)> done) override;
    void setAp(CallId call, std::string selector, bool on, Deadline deadline,
               std::function<void(Result<void>)> done) override;
    void wifiScan(CallId call, std::string selector, Deadline deadline,
                  std::function<void(Result<std::vector<ScanEntry>>)> done) override;
    void liveStreamStart(CallId call, std::string selector, protocol::operation::LiveStreamMode mode,
                         Deadline deadline, std::function<void(const LiveStreamProgress&)> progress,
                         std::function<void(Result<void>)> done) override;  // group C
    void wifiConnect(CallId call, std::string selector, std::string ssid, std::optional<std::string> password,
                     Deadline deadline, std::function<void(const WifiProgress&)> progress,
                     std::function<void(Result<void>)> done) override;
    void status(std::function<void(RegistryStatus)> done) override;
    // issue 15 D
    void provisionCohn(CallId call, std::string selector, std::string ssid, std::optional<std::string> password,
                       protocol::LocalDateTime now, Deadline deadline, std::function<void(const CohnProgress&)> progress,
                       std::function<void(Result<CohnCredentials>)> done) override;
    // issue 15 E
    void claimControl(std::string selector, bool claim, Deadline deadline,
                      std::function<void(Result<void>)> done) override;
    Result<std::uint64_t> subscribe(EventFilter filter, std::function<void(const Event&)> onEvent) override;
    void unsubscribe(std::uint64_t subscription) override;
    Result<std::uint64_t> observe(EventFilter filter, std::function<void(const Event&)> onEvent) override;

    // BluezObserver (core thread).
    void bluezAppeared() override;
    void bluezVanished() override;
    void bluezAbsent() override;
    void bluezStarting() override;
    void adapterChanged(const AdapterInfo& adapter) override;
    void adapterRemoved(const ObjectPath& path) override;
    void deviceChanged(const DeviceInfo& device) override;
    void deviceRemoved(const ObjectPath& path) override;
    void characteristicAdded(const CharacteristicInfo& characteristic) override;
    void characteristicRemoved(const ObjectPath& path) override;
    void notification(const ObjectPath& characteristic, protocol::Bytes value) override;

private:
    // A network operation (station-mode join, live-stream start) on the ready camera `selector` names,
    // cancellable through `call`; `make` builds it with the completion that untracks the call. Core thread.
    using NetworkOperationMaker =
        std::function<std::shared_ptr<NetworkOperation>(Camera&, std::function<void(Result<void>)>)>;
    void startNetworkOperation(CallId call, const std::string& selector, std::function<void(Result<void>)> done,
                               const NetworkOperationMaker& make);
    struct ConnectWaiter {
        CallId call = 0;
        std::string identifier;
        std::uint64_t firstAttempt = 0;  // failures of earlier attempts (already running) do not count
        std::function<void(Result<CameraView>)> done;
        Executor::TimerId timer = 0;
        std::uint32_t failures = 0;  // failed attempts while it waited
        Error lastError;
        bool remember = false;  // a new camera: answer once it is saved
    };
    struct SaveWaiter {
        std::uint64_t change = 0;  // answered by the first save that includes this change
        std::function<void(Result<void>)> done;
    };
    // connect() of a camera not seen yet: discovery runs until it appears.
    struct Lookup {
        CallId call = 0;
        std::string selector;
        Placement placement;
        Deadline deadline;
        std::function<void(Result<CameraView>)> done;
        Executor::TimerId timer = 0;
    };
    struct Discovery {
        std::function<void(const CameraView&)> found;
        std::function<void(Result<void>)> done;
        Executor::TimerId timer = 0;
    };
    // CameraHost
    void stateChanged(Camera& camera) override;
    void attemptSettled(Camera& camera) override;
    void knownInfoChanged(Camera& camera) override;
    bool wants(Event::Kind kind, const Camera& camera) const override {
        return events_.wants(kind, camera.identifier(), camera.address());
    }
    void publish(Event event) override;

    Result<Camera*> select(const std::string& selector);
    Result<Camera*> reachable(const std::string& selector);  // select(), when BlueZ is there
    Result<std::vector<Camera*>> selectMany(const Selection& selection);
    Camera& cameraFor(const std::string& identifier);
    bool adapterAllowed(const ObjectPath& adapter) const;
    // issue 16: whether `adapter` is the one `wanted` names (its name "hci1" or its address).
    bool adapterIs(const ObjectPath& adapter, const std::string& wanted) const;
    // issue 16: powered and allowed.
    bool adapterUsable(const ObjectPath& adapter) const;
    // issue 16: where a camera that wants a link connects now: the sighting to use, or none
    // (and why it waits, when the reason is room or its pin). `load`: the links held, or
    // planned in this pass, per adapter.
    struct Place {
        const DeviceInfo* device = nullptr;
        std::string waiting;
    };
    Place place(const Camera& camera, const std::map<ObjectPath, std::size_t>& held,
                const std::map<ObjectPath, std::size_t>& load) const;
    // issue 16: ready cameras on another adapter than their pin or home, moved there when it has room.
    void moveHome(std::map<ObjectPath, std::size_t>& held);
    bool displaced(const Camera& camera) const;
    bool wantsToMove(const Camera& camera, const std::map<ObjectPath, std::size_t>& held) const;
    // issue 16: the connections goprod may hold on `adapter`, and those it holds (or is making) on each.
    std::size_t budget(const ObjectPath& adapter) const;
    std::map<ObjectPath, std::size_t> connectionsPerAdapter() const;
    // The adapter whose connection `camera` holds (or is making); null when none.
    static const ObjectPath* holdsConnection(const Camera& camera);
    void schedule();
    void updateDiscovery();
    void finishDiscovery(CallId call, Result<void> result);
    void startConnect(CallId call, Camera& camera, const Placement& placement, Deadline deadline,
                      std::function<void(Result<CameraView>)> done);
    void finishConnectWaiters(Camera& camera, const Result<CameraView>& result);
    void connectAttemptFailed(Camera& camera, const Error& error);
    static std::string couldNotConnect(const ConnectWaiter& waiter);
    // Removes the connect() caller `call` from the waiters (its timer and cancel hook left to the caller).
    std::optional<ConnectWaiter> takeConnectWaiter(CallId call);
    void lookFor(CallId call, const std::string& selector, Placement placement, Deadline deadline,
                 std::function<void(Result<CameraView>)> done);
    void finishLookup(CallId call, Result<CameraView> result);
    void lookupsFound();
    void trackCall(CallId call, std::function<void()> cancel) { calls_.track(call, std::move(cancel)); }
    void untrackCall(CallId call) { calls_.untrack(call); }
    std::uint64_t persistSoon();  // the change's number, for afterSave()
    void afterSave(std::uint64_t change, std::function<void(Result<void>)> done);
    void saveDone(std::uint64_t change, const Result<void>& result);

    Executor& executor_;
    BluezPort& port_;
    RegistrySettings settings_;
    Persist persist_;

    std::map<std::string, std::unique_ptr<Camera>> cameras_;  // by identifier
    std::map<ObjectPath, std::string> devices_;               // device path → identifier
    std::map<ObjectPath, std::string> characteristics_;       // characteristic path → identifier
    std::map<ObjectPath, AdapterInfo> adapters_;
    std::map<ObjectPath, std::size_t> lowered_;      // issue 16: budgets lowered by a controller's refusal
    bool waitingForRoom_ = false;                    // issue 16: a camera waits for an adapter with room
    std::map<ObjectPath, std::string> discovering_;  // adapters we started discovery on → its pattern
    std::map<CallId, Discovery> discoveries_;
    std::vector<ConnectWaiter> connectWaiters_;
    std::vector<Lookup> lookups_;
    CallTracker calls_;  // cancellable calls in progress
    EventHub events_;
    ConnectionScheduler scheduler_;
    std::map<std::string, CameraState> publishedState_;
    bool persistPending_ = false;
    std::uint64_t changes_ = 0;  // changes to what is remembered, numbered
    std::vector<SaveWaiter> saveWaiters_;
    bool bluezUp_ = false;    // BlueZ is there, its objects loaded
    bool bluezGone_ = false;  // BlueZ is known not to be there (not merely not loaded yet)
    bool warnedFull_ = false;
    Executor::TimerId moveTimer_ = 0;  // issue 16: a busy camera waits to move home

    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace goprod::core
