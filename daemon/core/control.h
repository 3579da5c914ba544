// The daemon's control surface: what front ends (the gRPC service) may ask of
// the camera registry. The daemon implements it on the core thread
// (core/registry); component tests of the service implement it with a fake.
//
// Threading: every method may be called from any thread and never blocks.
// Every callback runs exactly once (progress and event callbacks: any number of
// times, then never again after their end/unsubscribe), on the core thread; a
// callback must not block (hand the result to the caller's own thread or
// completion queue).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/error.h"
#include "daemon/core/request_queue.h"
#include "protocol/commands.h"
#include "protocol/matching.h"
#include "protocol/protobuf.h"

namespace goprod::core {

enum class CameraState : std::uint8_t {
    Discovered,         // seen by BlueZ, not connected
    Connecting,         // Device1.Connect
    Pairing,            // Device1.Pair through the agent
    ResolvingServices,  // waiting for ServicesResolved and the GoPro characteristics
    Subscribing,        // StartNotify on every notify characteristic
    Initializing,       // session setup requests (version, registrations, date/time)
    Ready,              // requests flow
    Sleeping,           // the camera went to sleep (it dropped the link on purpose)
    LinkLost,           // the link dropped; reconnecting with backoff when auto-connect is on
    Disconnected,       // not connected, and not trying (known camera out of range, or disconnected by a user)
};
std::string_view cameraStateName(CameraState state);  // "ready", "link lost"

struct CameraView {
    std::string identifier;  // last 4 serial digits, from "GoPro NNNN"
    std::string address;
    std::string name;        // "GoPro 0456"
    std::string model;       // from hardware info, once known
    std::string firmware;
    std::string serial;
    std::string openGoProVersion;  // "2.0"
    CameraState state = CameraState::Discovered;
    bool known = false;        // remembered in the state directory
    bool autoConnect = false;
    bool paired = false;
    bool busy = false;         // status 8
    bool encoding = false;     // status 10
    std::optional<int> batteryPercent;  // status 70
    std::optional<std::int16_t> rssi;
    std::size_t queueDepth = 0;
    std::string lastError;
    std::int64_t lastSeenUnix = 0;  // seconds
    // In connect()'s answer: the attempts it took (0: it was ready).
    std::uint32_t connectAttempts = 0;
    bool controlClaimed = false;  // issue 15 E: the camera holds goprod's external-control claim
    std::string adapter;  // issue 16: the adapter its BlueZ device is on ("hci1"); empty when none
    // issue 16: why a camera that wants a connection is not being connected
    // ("no adapter has room"); empty otherwise.
    std::string waiting;
    // issue 16: placement. The adapter a user pinned it to (name or address; empty: any), the
    // adapter it is remembered on (the address of the last one it connected through, preferred
    // while it sees the camera), and its priority when adapters lack room (higher first).
    std::string pinnedAdapter;
    std::string homeAdapter;
    int priority = 0;
};

// issue 16: where connect() may place a camera; unset fields keep what the camera has.
struct Placement {
    std::optional<std::string> adapter;  // pin to this adapter (name "hci1" or address); "" unpins
    std::optional<int> priority;         // kMinPriority..kMaxPriority
};
inline constexpr int kMinPriority = -100;
inline constexpr int kMaxPriority = 100;

// Which cameras a request is for. Each selector is an identifier ("0456") or
// an address (case-insensitive). No selectors and not `all`: the only camera
// that is connected (an error listing the choices if there are several).
struct Selection {
    std::vector<std::string> selectors;
    bool all = false;  // every ready camera
};

using Deadline = std::chrono::steady_clock::time_point;
// issue 17: an instant a user gave (a planned start), on the wall clock.
using WallTime = std::chrono::system_clock::time_point;
using CallId = std::uint64_t;  // for cancel(); 0 is never used

// One camera's outcome in requestEach(): the camera as it was when the request
// was submitted, and the answer.
struct CameraAnswer {
    CameraView camera;
    Result<Answer> answer;
};

struct ApInfo {
    std::string ssid;
    std::string password;
};

struct ScanEntry {
    std::string ssid;
    int signalStrengthBars = 0;
    int signalFrequencyMhz = 0;
    std::uint32_t flags = 0;  // open_gopro.EnumScanEntryFlags bits
    bool configured() const { return (flags & 0x02U) != 0; }  // SCAN_FLAG_CONFIGURED
};

// Progress of a station-mode connection.
struct WifiProgress {
    enum class Step : std::uint8_t { Scanning, Found, Connecting, Provisioning };
    Step step = Step::Scanning;
    std::string detail;  // "scan 3 found 5 networks", "PROVISIONING_STARTED"
    // The camera knows the network and connects with the password it saved (a
    // password given is not used). Set from the Connecting step on.
    bool savedPassword = false;
};

// issue 15 D: progress and result of COHN provisioning (core/cohn.h).
struct CohnProgress {
    enum class Step : std::uint8_t { DateTime, Network, Certificate, Waiting };
    Step step = Step::DateTime;
    std::string detail;  // "COHN_STATE_ConnectingToNetwork", a station-mode step's detail
};
struct CohnCredentials {
    std::string ipAddress;
    std::string username;
    std::string password;  // never logged
    std::string cert;      // PEM root CA
    std::string ssid;
};

// group C: progress of a live-stream start.
struct LiveStreamProgress {
    enum class Step : std::uint8_t { Configuring, Ready, Starting, Streaming };
    Step step = Step::Configuring;
    std::string detail;
    protocol::Bytes status;  // the camera's NotifyLiveStreamStatus message (F5 F4/F5 ...) behind the step; may be empty
};

// What a camera sent or went through, for event subscribers.
struct Event {
    enum class Kind : std::uint8_t {
        StateChanged,   // `camera.state` is the new state
        StatusPush,     // `entries`: status ID → raw value
        SettingPush,    // `entries`: setting ID → raw value
        Notification,   // `message`: another asynchronous message (scan, provisioning)
        RequestDone,    // `request` finished with `error` (empty message = success)
        // issue 15 D
        CohnStatus,     // `message`: a COHN status push (0xF5/0xEF NotifyCOHNStatus)
        LiveStream,     // group C: `message` is a live-stream status push (0xF5/0xF5)
        // issue 15 F
        Presets,        // `message`: a preset status push (0xF5/0xF3 NotifyPresetStatus)
    };
    Kind kind = Kind::StateChanged;
    CameraView camera;
    std::vector<std::pair<std::uint8_t, protocol::Bytes>> entries;
    protocol::Bytes message;
    std::string request;  // "command 0x01"
    std::optional<Error> error;
};

struct EventFilter {
    std::vector<std::string> cameras;  // selectors; empty = every camera
    std::vector<Event::Kind> kinds;    // empty = every kind
};

// The daemon's own health, as the registry sees it (GetDaemonStatus).
struct AdapterView {
    std::string path;  // /org/bluez/hci0
    std::string address;
    bool powered = false;
    bool discovering = false;
    bool used = false;  // allowed by the configuration ([bluetooth] adapters)
    std::size_t budget = 0;       // issue 16: connections goprod may hold on it
    std::size_t connections = 0;  // issue 16: cameras connected or connecting through it
    std::string name;             // issue 16: "hci0"
    bool budgetLowered = false;   // issue 16: the controller refused a link: budget is what it held then
    std::vector<std::string> cameras;  // issue 16: identifiers of the cameras connected or connecting through it
};
struct RegistryStatus {
    bool bluezRunning = false;  // org.bluez is on the bus
    std::vector<AdapterView> adapters;
    std::size_t cameras = 0;  // every camera tracked (known or seen)
    std::size_t maxCameras = 0;
    std::size_t known = 0;
    std::size_t connected = 0;  // the link is up (pairing to ready)
    std::size_t ready = 0;
    std::size_t subscribers = 0;  // event subscriptions
    std::size_t maxSubscribers = 0;
    std::size_t discoveries = 0;  // discoveries users are running
};

class Control {
public:
    virtual ~Control() = default;

    // A fresh id for a cancellable call.
    virtual CallId newCallId() = 0;
    // Cancels the call (its callback gets Cancelled) if it has not finished.
    virtual void cancel(CallId call) = 0;

    virtual void listCameras(std::function<void(std::vector<CameraView>)> done) = 0;
    // The cameras a selection names, in selector order; NotFound / InvalidArgument otherwise.
    virtual void resolve(Selection selection, std::function<void(Result<std::vector<CameraView>>)> done) = 0;

    // Scans for cameras for `duration`; `found` runs for each camera seen
    // (again when its RSSI changes), `done` once at the end or on cancel.
    virtual void discover(CallId call, std::chrono::milliseconds duration, std::function<void(const CameraView&)> found,
                          std::function<void(Result<void>)> done) = 0;
    // Connects (and pairs) one camera and waits until it is ready; remembers it.
    // Failed attempts are retried (with backoff) until the deadline, which then
    // names their count and the last error. A camera named by identifier or
    // address that was not seen yet is looked for (discovery) until the deadline.
    // `placement` pins it to an adapter or sets its priority (remembered with it).
    virtual void connect(CallId call, std::string selector, Placement placement, Deadline deadline,
                         std::function<void(Result<CameraView>)> done) = 0;
    // Disconnects and stops reconnecting until connect() is asked again.
    virtual void disconnect(std::string selector, std::function<void(Result<CameraView>)> done) = 0;
    // Disconnects, removes the BlueZ device (and its pairing) and the state entry.
    virtual void forget(std::string selector, std::function<void(Result<void>)> done) = 0;
    virtual void setAutoConnect(std::string selector, bool on, std::function<void(Result<CameraView>)> done) = 0;
    // 0 turns keep-alive off for the camera.
    virtual void setKeepAlive(std::string selector, std::chrono::milliseconds interval,
                              std::function<void(Result<void>)> done) = 0;

    // One request through the camera's queue; the answer is the reassembled
    // response message. A camera status other than success is still an Answer:
    // the caller decides (see commands.h / settings.h parsers).
    virtual void request(CallId call, std::string selector, protocol::Request request, Deadline deadline,
                         std::function<void(Result<Answer>)> done) = 0;
    // The same request on every camera `selection` names, in one hop to the core
    // thread: the selection is resolved and each request submitted there; `done`
    // gets one outcome per camera, in selection order (a camera named twice runs
    // once). It fails as a whole only when the selection does not resolve.
    // Cancelling `call` cancels every camera's request. issue 17: with `sendAt`, each
    // camera writes it when the wall clock reaches that instant (RequestOptions::sendAt);
    // the deadline comes after it.
    virtual void requestEach(CallId call, Selection selection, protocol::Request request, Deadline deadline,
                             std::optional<WallTime> sendAt,
                             std::function<void(Result<std::vector<CameraAnswer>>)> done) = 0;
    // Reads the AP SSID and password characteristics (encrypted).
    virtual void readApInfo(CallId call, std::string selector, Deadline deadline,
                            std::function<void(Result<ApInfo>)> done) = 0;
    // Set AP Control, then waits for status 69 to say so.
    virtual void setAp(CallId call, std::string selector, bool on, Deadline deadline,
                       std::function<void(Result<void>)> done) = 0;
    // Station mode: start scan, wait for the scan to finish, read the entries.
    virtual void wifiScan(CallId call, std::string selector, Deadline deadline,
                          std::function<void(Result<std::vector<ScanEntry>>)> done) = 0;
    // Station mode: scan, then Connect (configured network, no password needed)
    // or Connect New, then wait for the provisioning result.
    virtual void wifiConnect(CallId call, std::string selector, std::string ssid, std::optional<std::string> password,
                             Deadline deadline, std::function<void(const WifiProgress&)> progress,
                             std::function<void(Result<void>)> done) = 0;

    // group C: Set Live Stream Mode, wait for READY, shutter on, wait for
    // STREAMING (see core/live_stream.h).
    virtual void liveStreamStart(CallId call, std::string selector, protocol::operation::LiveStreamMode mode,
                                 Deadline deadline, std::function<void(const LiveStreamProgress&)> progress,
                                 std::function<void(Result<void>)> done) = 0;

    virtual void status(std::function<void(RegistryStatus)> done) = 0;

    // issue 15 D: COHN provisioning as tutorial 9: Set Local Date Time `now`,
    // join `ssid` as wifiConnect does, Clear and Create the certificate,
    // register for COHN status and wait for NetworkConnected, read the certificate.
    virtual void provisionCohn(CallId call, std::string selector, std::string ssid,
                               std::optional<std::string> password, protocol::LocalDateTime now, Deadline deadline,
                               std::function<void(const CohnProgress&)> progress,
                               std::function<void(Result<CohnCredentials>)> done) = 0;

    // issue 15 E: claim (external control, again on every connection, released
    // to idle by disconnect()) or release (idle now, no more claims) the camera's
    // control for the session; see Camera::claimControl.
    virtual void claimControl(std::string selector, bool claim, Deadline deadline,
                              std::function<void(Result<void>)> done) = 0;

    // Events until unsubscribe(); ResourceExhausted beyond the subscriber limit.
    virtual Result<std::uint64_t> subscribe(EventFilter filter, std::function<void(const Event&)> onEvent) = 0;
    virtual void unsubscribe(std::uint64_t subscription) = 0;
    // issue 17: events for goprod's own listeners (the capture journal): like
    // subscribe(), but neither limited nor counted among the subscribers.
    virtual Result<std::uint64_t> observe(EventFilter filter, std::function<void(const Event&)> onEvent) = 0;
};

}  // namespace goprod::core
