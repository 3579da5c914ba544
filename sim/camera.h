// The virtual GoPro behind goprod-sim: a HERO12 as the Open GoPro BLE API
// shows it, with no D-Bus and no I/O. The D-Bus layer hands it every GATT
// write and read and tells it when the link comes and goes; the camera
// answers through Hooks::notify, one 20-byte packet at a time, always from a
// Scheduler timer (never from inside write()), after its latency, the way a
// real camera answers after the ATT write response. Every byte goes through
// the protocol library, framed as a camera frames (Sender::Camera).
//
// Where the sources leave the behaviour open, it was chosen as follows:
// - Settings: HERO12 resolutions and frame rates, plus the seed's 5K (a HERO9 value, ≤ 30 fps); a frame rate above what
//   the resolution records (240 needs 1080/2.7K, 120 needs ≤ 4K, 5.3K ≤ 60) is
//   status 2 in either order; unknown IDs and values are 2; any change while
//   encoding or busy is 1, and so are resolution, fps and lens outside the
//   video preset group (send-commands seed). The keep-alive always succeeds.
// - Shutter on in a photo preset encodes for config.photoDuration and stops by
//   itself; in video and timelapse presets it records until shutter off.
//   Shutter on while encoding and off while idle succeed and change nothing.
// - Sleep while encoding is refused (1). After sleep or reboot the AP is off
//   and station mode is left; connected() wakes a sleeping camera.
// - Station mode: Connect (New) only for an SSID of the last scan, Connect
//   only for a configured one (else RESULT_ARGUMENT_INVALID, no provisioning).
//   Joining turns the AP off (status 69 = 0, status 29 = SSID); AP on leaves
//   station mode. Each join is followed by one spurious F5/FF on GP-0077.
// - Protobuf refusals use the operation's own response type: ill-formed body
//   RESULT_ILL_FORMED, busy RESULT_RESOURCE_NOT_AVAILABLE; operations this
//   camera lacks (Set Camera Name on a HERO12) get [feature][2].
// - Live streaming (group C): Set Live Stream Mode needs station mode (else
//   RESULT_RESOURCE_NOT_AVAILABLE), an rtmp:// or rtmps:// URL (else
//   RESULT_ARGUMENT_INVALID) and bitrates in 800..8000 kbps (else
//   RESULT_ARGUMENT_OUT_OF_BOUNDS). The stream goes CONFIG, then after
//   config.liveStreamConfigDelay READY, or FAILED_STAY_ON with
//   LIVE_STREAM_ERROR_CREATESTREAM when the URL's host ends in ".invalid" (the
//   reserved name that never resolves: the sim's unreachable server). Shutter
//   on while READY streams (STREAMING, encoding 1); shutter off ends it
//   (COMPLETE_STAY_ON). Leaving station mode fails a configured or running
//   stream (FAILED_STAY_ON, LIVE_STREAM_ERROR_NETWORK). Any registration of
//   Get Live Stream Status turns pushes (0xF5/0xF5) on for every change, any
//   unregistration off.
// - Presets (issue 15 F): one custom preset (kCustomPreset); a setting change
//   marks the active preset modified; pushes (0xF5/0xF3) only to a registered
//   client. Set Preset Visibility on MAX 2 only; Custom Preset Update on HERO12
//   from v2.0, HERO13 and MAX 2, to the active preset if it is the custom one
//   (else RESULT_RESOURCE_NOT_AVAILABLE). See sim/README.md.
// - issue 15 E: Set and Get Local Date Time (0x0F, 0x10) exist from HERO11 on;
//   as a HERO9 or HERO10 (--model) the camera answers them with status 2.
//   Get Last Captured Media (HERO12 and later) answers the file the last
//   capture made (a video when the shutter stops it, a photo when it is
//   taken): 100GOPRO/GX01NNNN.MP4 or GOPRNNNN.JPG, NNNN counting from 0001;
//   before any capture RESULT_RESOURCE_NOT_AVAILABLE.
//
// Single-threaded: construct, call and destroy it on the thread that runs the
// Scheduler; hooks are called on that thread, from timer callbacks only.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/commands.h"
#include "protocol/error.h"
#include "protocol/framing.h"
#include "protocol/gatt.h"
#include "sim/camera_config.h"
#include "sim/camera_tables.h"
#include "sim/scheduler.h"

namespace goprod::sim {

class Camera {
public:
    struct Hooks {
        // One packet (at most 20 bytes) on a notifying characteristic.
        std::function<void(protocol::Characteristic, protocol::Bytes packet)> notify;
        // The camera drops the BLE link (sleep, reboot, injected fault). The
        // camera already considers the link down when this returns; calling
        // disconnected() from inside it is fine.
        std::function<void()> dropLink;
    };

    Camera(CameraConfig config, Scheduler& scheduler, Hooks hooks);
    ~Camera();  // cancels every timer it still has on the scheduler
    Camera(const Camera&) = delete;
    Camera& operator=(const Camera&) = delete;

    // One GATT write as BlueZ delivers it (one packet). Protocol errors are
    // answered on the wire as a camera answers them; packets that break the
    // framing are dropped silently, like a camera. Writes while the link is
    // down (connected() not called) are ignored. Returns false only if the
    // characteristic is not writable (the D-Bus layer answers NotPermitted).
    bool write(protocol::Characteristic c, protocol::ByteView packet);

    // GP-0002 AP SSID and GP-0003 AP password (raw UTF-8, no header), GP-0005
    // AP state (1 byte, 1 = on). InvalidArgument for anything not readable.
    protocol::Result<protocol::Bytes> read(protocol::Characteristic c);

    // Link up: request reassemblers reset, registrations cleared (the camera
    // keeps none across connections), and a sleeping camera wakes up.
    void connected();
    // Link down: everything still queued for this link is cancelled. The
    // camera's own timers (AP start, scan, provisioning) keep running.
    void disconnected();

    // State, for tests and the control interface.
    const CameraConfig& config() const { return config_; }
    bool encoding() const;
    bool busy() const;
    bool apEnabled() const;
    bool asleep() const { return asleep_; }
    bool linkUp() const { return linkUp_; }
    std::uint32_t presetGroup() const;
    std::uint32_t preset() const;
    std::string stationSsid() const;  // network joined in station mode, "" if none
    std::optional<std::uint64_t> settingValue(std::uint8_t id) const;
    std::optional<protocol::Bytes> statusValue(std::uint8_t id) const;  // as the camera encodes it
    protocol::HardwareInfo hardwareInfo() const;                        // what Get Hardware Info answers

    // Every reassembled request message, in order, with the characteristic it
    // was written to (tests check that the seeds' exact bytes arrived).
    // The last kReceivedLimit requests, oldest first.
    std::vector<std::pair<protocol::Characteristic, protocol::Bytes>> receivedMessages() const {
        return {received_.begin(), received_.end()};
    }
    static constexpr std::size_t kReceivedLimit = 4096;
    void clearReceived() { received_.clear(); }

    // Faults. Each is one-shot unless stated.
    // Status 8 (persistent until cleared). While busy the camera answers
    // commands and setting changes with status 1 (protobuf operations with
    // RESULT_RESOURCE_NOT_AVAILABLE); queries, read-only commands (hardware
    // info, version, date/time), shutter off and keep-alive still work.
    void setBusy(bool busy);
    // The next complete request is swallowed: no effect, no response.
    void neverAnswerNext();
    // Persistent: statuses still change, and queries show them, but no status
    // push goes out (a registration the camera lost, a push lost on the way).
    void suppressStatusPushes(bool suppress) { suppressStatusPushes_ = suppress; }
    // Persistent extra latency on everything the camera sends (0 = off).
    void delayResponses(std::chrono::milliseconds extra);
    // Applied to the next notification packet the camera sends:
    void corruptNextPacket();    // every byte after the header inverted (framing intact, content garbage)
    void truncateNextPacket();   // the last byte cut off (the message never completes)
    void duplicateNextPacket();  // the packet sent twice
    // The next message longer than one packet: its first packet is sent, the
    // rest is not, and the camera drops the link (hooks.dropLink).
    void dropLinkDuringNextMultiPacketResponse();

    // For tests that play a camera behind a fake BlueZ (tests/daemon):
    // Persistent: a complete request `swallow` returns true for is recorded,
    // then has no effect and gets no response (a camera that stopped answering
    // some requests, or the test answers them itself). Empty: off.
    using RequestFilter = std::function<bool(protocol::Characteristic, protocol::ByteView message)>;
    void swallowRequests(RequestFilter swallow) { swallow_ = std::move(swallow); }
    // The camera's own change of a status (battery, encoding by its button),
    // pushed to a registered client like any other change. `value` as the
    // camera encodes it. Status 8 this way is only the status: setBusy() makes
    // the camera behave busy.
    void setStatusValue(std::uint8_t id, protocol::Bytes value);
    // Persistent: Set AP Control is acknowledged, but the AP stays as it is
    // and status 69 does not follow (an AP that fails to start or stop).
    void apStuck(bool stuck) { apStuck_ = stuck; }
    // The next scan gets this ID and the ones after it count on (a camera that scanned before).
    void numberScansFrom(int id) { scanCounter_ = id - 1; }
    // issue 15 D: persistent: COHN stays ConnectingToNetwork once it would
    // connect (a home network that never gives the camera an address).
    void cohnNeverConnects(bool never);
    int cohnState() const;  // open_gopro.EnumCOHNNetworkState, as Get COHN Status says
    // group C: live streaming. One-shot: the running stream fails now, or the
    // next one when the shutter starts it (FAILED_STAY_ON, LIVE_STREAM_ERROR_NETWORK).
    void failLiveStream();
    int liveStreamState() const { return liveStream_.state; }  // open_gopro.EnumLiveStreamStatus
    // issue 15 E: the file the last capture made (what Get Last Captured Media answers), if any.
    struct Media {
        std::string folder;  // "100GOPRO"
        std::string file;    // "GX010001.MP4"
    };
    const std::optional<Media>& lastMedia() const { return lastMedia_; }
    // Request packets dropped because they broke the framing.
    std::size_t malformedPackets() const { return malformedPackets_; }

private:
    // A message to notify, and what the camera does once it went out.
    struct Outgoing {
        protocol::Characteristic characteristic;
        protocol::Bytes message;
        std::function<void()> afterSent;
    };
    using Batch = std::vector<Outgoing>;

    // The values registered clients are told about, taken before a change to
    // diff against after it. Only what is registered is copied (an unwatched
    // capability list is costly to compute), and `after` covers the same IDs as
    // `before`: a registration made by the change itself pushes nothing.
    struct Snapshot {
        std::set<std::uint8_t> settingIds, statusIds, capabilityIds;
        bool preset = false;
        bool cohn = false;
        std::map<std::uint8_t, protocol::Bytes> settings;
        std::map<std::uint8_t, protocol::Bytes> statuses;
        std::map<std::uint8_t, std::vector<std::uint64_t>> capabilities;
        std::string presetStatus;
        std::string cohnStatus;
        // group C: the live-stream status when a client registered for it
        bool liveStream = false;
        std::string liveStreamStatus;
    };

    enum class Scope : std::uint8_t { Link, Camera };

    // Timers, tracked by token so that a link's or the camera's can be cancelled together.
    std::uint64_t schedule(Scope scope, std::chrono::milliseconds delay, std::function<void()> fn);
    void cancelTimer(std::uint64_t token);
    void cancelTimers(Scope scope);

    // Sending
    void send(Batch batch);
    void transmit(const Batch& batch);
    bool transmitOne(const Outgoing& out);  // false: the link went down
    void emitPacket(protocol::Characteristic c, protocol::Bytes packet);
    void dropLinkNow();
    void linkDown();

    // Requests
    void handleMessage(protocol::Characteristic c, protocol::Bytes message);
    void handleCommand(protocol::ByteView message, Batch& out);
    void handleSetting(protocol::ByteView message, Batch& out);
    void handleQuery(protocol::ByteView message, Batch& out);
    void handleProtobuf(protocol::Characteristic c, protocol::ByteView message, Batch& out);
    void startScan(Batch& out);
    void getApEntries(int startIndex, int maxEntries, int scanId, Batch& out);
    void connectNetwork(bool isNew, const std::string& ssid, const std::string& password, Batch& out);
    void finishProvisioning(const std::string& ssid, bool passwordOk, Batch& out);
    void leaveStation();
    protocol::Bytes presetStatusMessage(std::uint8_t action, bool includeHidden = false) const;
    protocol::Bytes cohnStatusMessage(std::uint8_t action) const;
    // issue 15 F: presets
    int presetVisibility(std::int32_t id, bool visible);  // open_gopro.EnumResultGeneric
    int updateCustomPreset(const std::optional<int>& title, const std::optional<std::string>& name,
                           const std::optional<int>& icon);
    // group C: live streaming
    void setLiveStreamMode(protocol::ByteView message, Batch& out);
    bool liveStreamShutter(bool on);  // true: the shutter started or ended a stream
    void liveStreamFailed(int error);
    protocol::Bytes liveStreamStatusMessage(std::uint8_t action) const;

    // State changes outside a request (timers, faults): pushes what changed.
    void mutate(const std::function<void(Batch&)>& change);
    Snapshot snapshot(std::set<std::uint8_t> settingIds, std::set<std::uint8_t> statusIds,
                      std::set<std::uint8_t> capabilityIds, bool preset, bool cohn) const;
    std::optional<Snapshot> snapshotIfWatched() const;
    void appendPushes(const Snapshot& before, Batch& out) const;

    // Values
    void setStatus(std::uint8_t id, std::int64_t value);
    void setStatusText(std::uint8_t id, const std::string& text);
    std::int64_t statusInt(std::uint8_t id) const;
    protocol::Bytes encodedStatus(std::uint8_t id) const;
    protocol::Bytes encodedSetting(std::uint8_t id) const;

    // Behaviour
    protocol::DateTime clockNow() const;
    bool stillCapture() const;  // encoding in a photo preset, ending by itself
    void startCapture();
    void stopCapture();
    void finishStillCapture();
    void scheduleAp(bool on);
    void loadPreset(const PresetInfo& preset);
    void setAp(bool on);
    void goToSleep();
    void reboot();

    CameraConfig config_;
    Scheduler& scheduler_;
    Hooks hooks_;

    std::map<std::uint64_t, std::pair<Scheduler::TimerId, Scope>> timers_;  // by token
    std::uint64_t nextToken_ = 1;
    std::chrono::steady_clock::time_point lastDue_{};  // keeps notifications in FIFO order

    bool linkUp_ = false;
    bool asleep_ = false;
    std::map<protocol::Characteristic, protocol::Reassembler> reassemblers_;
    std::deque<std::pair<protocol::Characteristic, protocol::Bytes>> received_;
    std::set<std::uint8_t> settingRegistrations_, statusRegistrations_, capabilityRegistrations_;
    bool presetRegistered_ = false;
    bool cohnRegistered_ = false;

    SettingValues settings_;
    std::map<std::uint8_t, protocol::Bytes> statuses_;
    std::map<std::uint32_t, std::uint32_t> activePreset_;  // group → preset
    std::chrono::system_clock::time_point encodingSince_{};
    std::uint64_t captureToken_ = 0;  // the photo timer that ends the current capture
    std::uint64_t apToken_ = 0;       // the pending AP on/off timer

    // Camera clock: local wall time set by Set (Local) Date Time, advancing
    // with the scheduler's clock.
    std::chrono::sys_seconds clockBase_{};
    std::chrono::system_clock::time_point clockSetAt_{};
    std::int16_t utcOffsetMinutes_ = 0;
    bool dst_ = false;

    // Station mode
    struct Scan {
        int id = 0;
        std::vector<WifiNetwork> entries;
    };
    std::optional<Scan> lastScan_;
    int scanCounter_ = 0;
    bool scanning_ = false;
    bool provisioning_ = false;
    std::string station_;  // joined network, "" when not in station mode

    // COHN (issue 15 D): NetworkConnected only with a certificate, enabled,
    // and joined to a network in station mode, config_.cohnConnectDelay after
    // the last of the three; ConnectingToNetwork until then.
    void updateCohn();
    bool cohnCert_ = false;
    bool cohnEnabled_ = true;  // cameras ship with COHN on; Set COHN Setting turns it off
    bool cohnConnected_ = false;
    bool cohnNeverConnects_ = false;
    std::uint64_t cohnToken_ = 0;  // the pending connection timer

    // issue 15 F: presets. A setting change modifies the active preset; hidden
    // presets are left out of Get Preset Status unless asked for (include_hidden,
    // remembered from the registering request for the pushes).
    std::set<std::uint32_t> hiddenPresets_, modifiedPresets_;
    struct CustomPreset {
        int title = 94;  // open_gopro.EnumPresetTitle: 94 = its custom name
        std::string name;
        int icon = 0;
    };
    std::map<std::uint32_t, CustomPreset> customPresets_;
    bool presetPushHidden_ = false;

    // group C: live streaming
    struct LiveStream {
        int state = 0;  // open_gopro.EnumLiveStreamStatus
        int error = 0;  // open_gopro.EnumLiveStreamError
        bool encode = false;
        int startingKbps = 0;
        int bitrate = 0;  // kbps while streaming
    };
    LiveStream liveStream_;
    bool liveStreamRegistered_ = false;
    bool liveStreamFails_ = false;  // failLiveStream() for the next stream
    std::uint64_t liveStreamToken_ = 0;  // CONFIG → READY/FAILED

    // issue 15 E: last captured media
    void recordMedia(bool photo);
    int mediaCounter_ = 0;
    std::optional<Media> lastMedia_;

    // Faults
    bool busy_ = false;
    bool neverAnswer_ = false;
    bool suppressStatusPushes_ = false;
    std::chrono::milliseconds extraDelay_{0};
    bool corruptNext_ = false;
    bool truncateNext_ = false;
    bool duplicateNext_ = false;
    bool dropMidMultiPacket_ = false;
    RequestFilter swallow_;
    bool apStuck_ = false;
    std::size_t malformedPackets_ = 0;
};

}  // namespace goprod::sim
