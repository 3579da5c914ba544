// A fake core::BluezPort for unit tests of the camera lifecycle and the
// registry, with a small emulation of what BlueZ and a GoPro do behind it:
//
// - FakeBluezPort records every call (method, object path, bytes). Each call
//   stays pending until the test completes it (succeed()/fail() by index or
//   "the last connect"), unless its method is automatic: then the fake
//   completes it from a posted callback the way BlueZ would (Connect sets
//   Connected, resolves the services and exports the characteristics; Pair
//   sets Paired; Disconnect clears Connected; ...). Everything is delivered on
//   the test's one thread, never inside the port call that caused it.
// - Objects: adapters, GoPro devices (makeGoProDevice()), characteristics
//   with the UUIDs and flags of protocol::characteristics(), notifications,
//   "BlueZ vanished / appeared".
// - SimCamera puts goprod-sim's camera model (sim::Camera, the one
//   goprod-sim runs) behind a device, on the executor's clock: the port
//   hands it each acknowledged write and the link's ups and downs, and
//   delivers its notifications. Its knobs (requests it never sees, the
//   test's own replies, notifications held back) add what BlueZ or a test
//   does; the model's own faults are at sim().
// - CoreHarness puts a Registry, the port, the cameras and a FakeExecutor
//   together, with helpers that bring cameras to Ready.
// Test code only, one thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/core/bluez_port.h"
#include "daemon/core/camera.h"
#include "daemon/core/control.h"
#include "daemon/core/error.h"
#include "daemon/core/registry.h"
#include "protocol/commands.h"
#include "protocol/framing.h"
#include "protocol/gatt.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "sim/camera.h"
#include "sim/camera_config.h"
#include "sim/scheduler.h"
#include "tests/daemon/fake_executor.h"

namespace goprod::core {

inline void PrintTo(Errc code, std::ostream* os) { *os << errcName(code); }
inline void PrintTo(CameraState state, std::ostream* os) { *os << cameraStateName(state); }

namespace test {

using namespace std::chrono_literals;

inline constexpr std::string_view kAdapterPath = "/org/bluez/hci0";
inline constexpr std::string_view kAdapterAddress = "00:1A:7D:DA:71:13";

// An upper-case, space-separated hex dump ("3C 00 11").
inline std::string hexDump(protocol::ByteView bytes) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i != 0) out += ' ';
        out += kDigits[bytes[i] >> 4];
        out += kDigits[bytes[i] & 0x0F];
    }
    return out;
}

// ---------------------------------------------------------------------------
// A GoPro as BlueZ exports it.

struct GoProDevice {
    DeviceInfo info;
    std::vector<CharacteristicInfo> characteristics;

    const ObjectPath& path() const { return info.path; }
    ObjectPath pathOf(protocol::Characteristic c) const {
        const auto uuid = protocol::info(c).uuid;
        for (const auto& ch : characteristics) {
            if (ch.uuid == uuid) return ch.path;
        }
        ADD_FAILURE() << "no characteristic " << protocol::info(c).shortName;
        return {};
    }
    std::optional<protocol::Characteristic> characteristicAt(const ObjectPath& path) const {
        for (const auto& ch : characteristics) {
            if (ch.path == path) return protocol::findCharacteristic(ch.uuid);
        }
        return std::nullopt;
    }
};

// "0456" → device /org/bluez/hci0/dev_D4_1C_00_00_04_56, name "GoPro 0456",
// every GoPro characteristic under service paths below it.
inline GoProDevice makeGoProDevice(const std::string& identifier, ObjectPath adapter = std::string(kAdapterPath)) {
    GoProDevice d;
    const std::string hi = identifier.substr(0, 2), lo = identifier.substr(2, 2);
    d.info.address = "D4:1C:00:00:" + hi + ":" + lo;
    d.info.path = adapter + "/dev_D4_1C_00_00_" + hi + "_" + lo;
    d.info.adapter = adapter;
    d.info.name = "GoPro " + identifier;
    d.info.rssi = -60;
    d.info.uuids = {std::string(protocol::kControlAndQueryServiceUuid)};
    int handle = 0x0010;
    std::map<protocol::Service, std::string> servicePaths;
    auto hex4 = [](int v) {
        static constexpr char kDigits[] = "0123456789abcdef";
        std::string s(4, '0');
        for (int i = 3; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = kDigits[v & 0xF];
        return s;
    };
    for (const auto& c : protocol::characteristics()) {
        auto& service = servicePaths[c.service];
        if (service.empty()) {
            service = d.info.path + "/service" + hex4(handle);
            handle += 1;
        }
        CharacteristicInfo info;
        info.path = service + "/char" + hex4(handle);
        handle += 2;
        info.device = d.info.path;
        info.uuid = std::string(c.uuid);
        if (c.properties & protocol::kRead) info.flags.push_back(c.encrypted ? "encrypt-read" : "read");
        if (c.properties & protocol::kWrite) info.flags.push_back(c.encrypted ? "encrypt-write" : "write");
        if (c.properties & protocol::kNotify) info.flags.push_back("notify");
        if (c.properties & protocol::kIndicate) info.flags.push_back("indicate");
        d.characteristics.push_back(std::move(info));
    }
    return d;
}

class FakeBluezPort;

// ---------------------------------------------------------------------------
// The camera behind a device: goprod-sim's camera model (sim::Camera) on the
// executor's clock, with the knobs tests turn.

// sim::Scheduler on the FakeExecutor: the camera's timers are the executor's,
// so advance() and drain() run them like every other timer.
class ExecutorScheduler final : public sim::Scheduler {
public:
    explicit ExecutorScheduler(FakeExecutor& executor) : executor_(executor) {}
    TimerId after(std::chrono::milliseconds delay, std::function<void()> fn) override {
        return executor_.at(executor_.now() + delay, std::move(fn));
    }
    void cancel(TimerId id) override { executor_.cancel(id); }
    std::chrono::system_clock::time_point now() const override {
        return kWallStart +
               std::chrono::duration_cast<std::chrono::system_clock::duration>(executor_.now() - FakeExecutor::kStart);
    }
    std::chrono::steady_clock::time_point monotonicNow() const override { return executor_.now(); }

    // The camera's wall clock when the executor's starts.
    static constexpr std::chrono::system_clock::time_point kWallStart{
        std::chrono::sys_days{std::chrono::year{2024} / 6 / 1}};

private:
    FakeExecutor& executor_;
};

// "0456": a HERO12 with serial C35013245000456, AP GP24500456, at the
// device's address, answering at once (no latency, no AP, scan or join delay).
inline sim::CameraConfig simCameraConfig(const GoProDevice& device) {
    sim::CameraConfig config;
    config.serial = "C3501324500" + device.info.name.substr(6);
    config.firmware = "H23.01.01.10.00";
    config.apSsid = "GP24500456";
    config.apPassword = "x7Y-pass";
    config.apMac = "2674f7f65f78";
    config.address = device.info.address;
    config.latency = config.apStartDelay = config.scanDuration = config.connectDuration = std::chrono::milliseconds{0};
    return config;
}

class SimCamera {
public:
    struct Reply {
        protocol::Characteristic on;
        protocol::Bytes message;
    };
    struct Received {
        protocol::Characteristic on;
        protocol::Bytes message;
    };

    inline SimCamera(FakeExecutor& executor, FakeBluezPort& port, const GoProDevice& device, sim::CameraConfig config);
    SimCamera(const SimCamera&) = delete;
    SimCamera& operator=(const SimCamera&) = delete;

    // The model itself: its state and its own faults (setBusy, apStuck, ...).
    sim::Camera& sim() { return camera_; }

    // Requests the camera never sees (recorded, no effect, no answer):
    bool answering = true;                  // false: every one
    std::set<std::uint8_t> silentCommands;  // these command IDs
    // The test's own replies to a request instead of the camera's (nullopt: the camera answers).
    std::function<std::optional<std::vector<Reply>>(protocol::Characteristic, const protocol::Bytes&)> override;
    // BlueZ-level: complete messages the camera notifies that `hold` matches
    // are kept back (a notification late or lost on the way), until
    // releaseNext() delivers the oldest (releaseAll() every one, back to
    // back). Empty: every packet goes out at once.
    std::function<bool(protocol::Characteristic, const protocol::Bytes& message)> hold;
    inline bool releaseNext();
    void releaseAll() {
        bool more = true;
        while (more) more = releaseNext();
    }

    // What it received (complete messages), in order.
    std::vector<Received> received() const {
        std::vector<Received> out;
        for (auto& [c, message] : camera_.receivedMessages()) out.push_back({c, message});
        return out;
    }
    void clearLog() { camera_.clearReceived(); }
    // "GP-0072 3C", ...
    std::vector<std::string> log() const {
        std::vector<std::string> out;
        for (const auto& r : received())
            out.push_back(std::string(protocol::info(r.on).shortName) + " " + hexDump(r.message));
        return out;
    }
    std::vector<std::string> log(protocol::Characteristic on) const {
        std::vector<std::string> out;
        for (const auto& r : received()) {
            if (r.on == on) out.push_back(hexDump(r.message));
        }
        return out;
    }
    // Packets that broke the framing.
    int malformedWrites() const { return static_cast<int>(camera_.malformedPackets()); }

    // The camera changes a status (battery, busy, ...), pushed if registered.
    void pushStatus(std::uint8_t id, protocol::Bytes value) { camera_.setStatusValue(id, std::move(value)); }

    // A message of the test's own: fragmented, one posted notification per packet.
    inline void send(protocol::Characteristic on, const protocol::Bytes& message);
    // The same, delivered at once (to order a notification before posted work).
    inline void sendNow(protocol::Characteristic on, const protocol::Bytes& message);
    // Packets as the camera would send them.
    static std::vector<protocol::Bytes> packets(const protocol::Bytes& message) {
        auto p = protocol::fragment(message, protocol::Sender::Camera);
        if (!p) {
            ADD_FAILURE() << "fragment failed";
            return {};
        }
        return std::move(*p);
    }
    static protocol::Bytes protobuf(std::uint8_t feature, std::uint8_t action, const google::protobuf::MessageLite& m) {
        return protocol::encodeProtobuf(feature, action, m);
    }

    // From the port: the link came up / dropped; a packet was written (and
    // acknowledged); what a read answers.
    void linkUp() { camera_.connected(); }
    void linkDropped() {
        outgoing_.clear();
        if (camera_.linkUp()) camera_.disconnected();
    }
    void onWrite(const ObjectPath& characteristic, const protocol::Bytes& packet) {
        if (const auto c = device_.characteristicAt(characteristic)) camera_.write(*c, packet);
    }
    protocol::Bytes read(protocol::Characteristic c) {
        auto value = camera_.read(c);
        return value ? *value : protocol::Bytes{};
    }

private:
    // Packets of a message under way, while `hold` is set.
    struct Outgoing {
        protocol::Reassembler reassembler{protocol::kMax16BitLength, protocol::Sender::Camera};
        std::vector<protocol::Bytes> packets;
    };

    // Whether the knobs keep a complete request from the camera (the
    // override's replies, if any, are sent instead).
    bool intercepted(protocol::Characteristic c, protocol::ByteView m) {
        if (!answering) return true;
        if (override) {
            if (auto replies = override(c, protocol::Bytes(m.begin(), m.end()))) {
                for (auto& reply : *replies) send(reply.on, reply.message);
                return true;
            }
        }
        const bool protobufCommand = m.size() >= 2 && m[0] == static_cast<std::uint8_t>(protocol::FeatureId::Command);
        return c == protocol::Characteristic::CommandRequest && !m.empty() && !protobufCommand &&
               silentCommands.count(m[0]) > 0;
    }
    inline void notified(protocol::Characteristic c, protocol::Bytes packet);

    FakeExecutor& executor_;
    FakeBluezPort& port_;
    GoProDevice device_;
    std::map<protocol::Characteristic, Outgoing> outgoing_;
    std::deque<std::pair<protocol::Characteristic, std::vector<protocol::Bytes>>> held_;
    ExecutorScheduler scheduler_;
    sim::Camera camera_;
};

// ---------------------------------------------------------------------------

class FakeBluezPort final : public BluezPort {
public:
    struct Call {
        std::string method;     // "connect", "pair", "setTrusted", "write", ...
        ObjectPath path;        // the object the method is called on (adapter for discovery)
        ObjectPath target;      // removeDevice: the device
        protocol::Bytes value;  // write
        bool flag = false;      // setTrusted
        Done done;
        ReadDone readDone;
        bool finished = false;
        Executor::Clock::time_point at{};  // when the call was made
    };

    explicit FakeBluezPort(FakeExecutor& executor) : executor_(executor) {
        automatic_ = {"startDiscovery", "stopDiscovery", "connect",     "disconnect", "pair",
                      "setTrusted",     "removeDevice",  "startNotify", "write",      "read"};
    }
    ~FakeBluezPort() override { *alive_ = false; }

    // --- BluezPort
    void setObserver(BluezObserver* observer) override { observer_ = observer; }
    void startDiscovery(const ObjectPath& adapter, const std::string& pattern, Done done) override {
        // Logged as "startDiscovery PATH" or "startDiscovery PATH pattern=PATTERN".
        record({"startDiscovery",
                pattern.empty() ? adapter : adapter + " pattern=" + pattern,
                {},
                {},
                false,
                std::move(done),
                {}});
    }
    void stopDiscovery(const ObjectPath& adapter, Done done) override {
        record({"stopDiscovery", adapter, {}, {}, false, std::move(done), {}});
    }
    void connect(const ObjectPath& device, Done done) override {
        record({"connect", device, {}, {}, false, std::move(done), {}});
    }
    void disconnect(const ObjectPath& device, Done done) override {
        record({"disconnect", device, {}, {}, false, std::move(done), {}});
    }
    void pair(const ObjectPath& device, Done done) override {
        record({"pair", device, {}, {}, false, std::move(done), {}});
    }
    void setTrusted(const ObjectPath& device, bool trusted, Done done) override {
        record({"setTrusted", device, {}, {}, trusted, std::move(done), {}});
    }
    void removeDevice(const ObjectPath& adapter, const ObjectPath& device, Done done) override {
        record({"removeDevice", adapter, device, {}, false, std::move(done), {}});
    }
    void startNotify(const ObjectPath& characteristic, Done done) override {
        record({"startNotify", characteristic, {}, {}, false, std::move(done), {}});
    }
    void write(const ObjectPath& characteristic, protocol::Bytes value, Done done) override {
        record({"write", characteristic, {}, std::move(value), false, std::move(done), {}});
    }
    void read(const ObjectPath& characteristic, ReadDone done) override {
        record({"read", characteristic, {}, {}, false, {}, std::move(done)});
    }

    // --- Automation: which methods the fake completes by itself (all, at first).
    void setAutomatic(const std::string& method, bool on) {
        if (on)
            automatic_.insert(method);
        else
            automatic_.erase(method);
    }
    void setAllManual() { automatic_.clear(); }
    // Connect: Connected=true before (true) or after (false) the method reply.
    bool connectedBeforeReply = true;
    // Connect resolves services (exports the characteristics, ServicesResolved=true) by itself.
    bool resolveOnConnect = true;
    // Connect to a device out of range fails.
    std::set<ObjectPath> unreachable;

    // --- Calls
    const std::deque<Call>& calls() const { return calls_; }
    const Call& call(std::size_t i) const { return calls_.at(i); }
    std::size_t count(std::string_view method) const {
        return static_cast<std::size_t>(
            std::count_if(calls_.begin(), calls_.end(), [method](const Call& c) { return c.method == method; }));
    }
    std::size_t pendingCount(std::string_view method) const {
        return static_cast<std::size_t>(std::count_if(
            calls_.begin(), calls_.end(), [method](const Call& c) { return c.method == method && !c.finished; }));
    }
    std::vector<std::size_t> indices(std::string_view method) const {
        std::vector<std::size_t> out;
        for (std::size_t i = 0; i < calls_.size(); ++i) {
            if (calls_[i].method == method) out.push_back(i);
        }
        return out;
    }
    std::size_t last(std::string_view method) const {
        for (std::size_t i = calls_.size(); i-- > 0;) {
            if (calls_[i].method == method) return i;
        }
        ADD_FAILURE() << "no call to " << method;
        return 0;
    }
    // "connect dev_D4_1C_00_00_04_56", "write char0021 01 01 01": every call, or those of some methods.
    std::vector<std::string> log(std::set<std::string> methods = {}) const {
        std::vector<std::string> out;
        for (const auto& c : calls_) {
            if (!methods.empty() && !methods.count(c.method)) continue;
            std::string line = c.method + " " + shortPath(c.target.empty() ? c.path : c.target);
            if (c.method == "write") line += " " + hexDump(c.value);
            if (c.method == "setTrusted") line += c.flag ? " true" : " false";
            out.push_back(line);
        }
        return out;
    }
    // The written packets (hex), in order, to one characteristic or all.
    std::vector<std::string> writes(const ObjectPath& characteristic = {}) const {
        std::vector<std::string> out;
        for (const auto& c : calls_) {
            if (c.method == "write" && (characteristic.empty() || c.path == characteristic))
                out.push_back(hexDump(c.value));
        }
        return out;
    }
    void succeed(std::size_t i) { complete(i, Result<void>{}); }
    // Completes a held call as the automation would have (a connect: Connected=true too).
    void finishLikeBluez(std::size_t i) { automate(i); }
    void fail(std::size_t i, Error error) { complete(i, Unexpected{std::move(error)}); }
    void succeedLast(std::string_view method) { succeed(last(method)); }
    void failLast(std::string_view method, Error error) { fail(last(method), std::move(error)); }
    void answerRead(std::size_t i, Result<protocol::Bytes> value) {
        auto& c = calls_.at(i);
        ASSERT_EQ(c.method, "read");
        ASSERT_FALSE(c.finished) << "call " << i << " completed twice";
        c.finished = true;
        auto done = std::move(c.readDone);
        done(std::move(value));
    }

    // --- Objects
    void addAdapter(ObjectPath path = std::string(kAdapterPath), std::string address = std::string(kAdapterAddress),
                    bool powered = true) {
        AdapterInfo a{path, std::move(address), powered, false};
        adapters_[path] = a;
        if (observer_ && !vanished_) observer_->adapterChanged(a);
    }
    // issue 16: the adapter unplugged: its devices vanish (their links with them), then the adapter.
    void removeAdapter(const ObjectPath& path) {
        std::vector<ObjectPath> gone;
        for (const auto& [device, d] : devices_) {
            if (d.device.info.adapter == path) gone.push_back(device);
        }
        for (const auto& device : gone) {
            auto& d = devices_.at(device);
            if (d.camera && d.device.info.connected) d.camera->linkDropped();
            removeDeviceObject(device);
        }
        adapters_.erase(path);
        if (observer_ && !vanished_) observer_->adapterRemoved(path);
    }
    void setAdapterPowered(const ObjectPath& path, bool powered) {
        adapters_.at(path).powered = powered;
        if (observer_ && !vanished_) observer_->adapterChanged(adapters_.at(path));
    }
    // Exports the device (not connected) and delivers it.
    void addDevice(const GoProDevice& device, SimCamera* camera = nullptr) {
        auto& d = devices_[device.path()];
        d.device = device;
        d.camera = camera;
        if (!vanished_) deliver(d);
    }
    DeviceInfo& deviceInfo(const ObjectPath& path) { return devices_.at(path).device.info; }
    bool hasDevice(const ObjectPath& path) const { return devices_.count(path) > 0; }
    // Changes the device's properties and delivers the new snapshot.
    void updateDevice(const ObjectPath& path, const std::function<void(DeviceInfo&)>& change) {
        auto& d = devices_.at(path);
        const bool wasConnected = d.device.info.connected;
        change(d.device.info);
        if (d.camera && d.device.info.connected != wasConnected) {
            if (d.device.info.connected)
                d.camera->linkUp();
            else
                d.camera->linkDropped();
        }
        if (!vanished_) deliver(d);
    }
    // Exports the characteristics (once), then ServicesResolved=true.
    void exportCharacteristics(const ObjectPath& path) {
        auto& d = devices_.at(path);
        if (d.exported || vanished_) return;
        d.exported = true;
        for (const auto& c : d.device.characteristics) {
            if (observer_) observer_->characteristicAdded(c);
        }
    }
    void resolveServices(const ObjectPath& path) {
        exportCharacteristics(path);
        updateDevice(path, [](DeviceInfo& i) { i.servicesResolved = true; });
    }
    // The camera drops the link (walked out of range, went to sleep, ...).
    void dropLink(const ObjectPath& path) {
        auto& d = devices_.at(path);
        if (d.camera) d.camera->linkDropped();  // even when BlueZ still thought the link down
        updateDevice(path, [](DeviceInfo& i) {
            i.connected = false;
            i.servicesResolved = false;
        });
    }
    void removeDeviceObject(const ObjectPath& path) {
        devices_.erase(path);
        if (observer_ && !vanished_) observer_->deviceRemoved(path);
    }
    // A notification from a characteristic (any device), delivered now.
    void notify(const ObjectPath& characteristic, const protocol::Bytes& value) {
        if (vanished_ || !observer_) return;
        for (const auto& [path, d] : devices_) {
            if (characteristic.rfind(path + "/", 0) == 0 && !d.device.info.connected)
                return;  // nothing comes over a dead link
        }
        ++notifications_;
        observer_->notification(characteristic, value);
    }
    std::size_t notificationsDelivered() const { return notifications_; }
    // The most writes ever outstanding at once on one device (1: each written after the previous completed).
    std::size_t maxOpenWrites() const { return maxOpenWrites_; }

    // org.bluez lost its owner: pending calls fail with Unavailable, then bluezVanished.
    void vanish() {
        vanished_ = true;
        for (auto& [path, d] : devices_) {
            d.device.info.connected = false;
            d.device.info.servicesResolved = false;
            d.exported = false;
            if (d.camera) d.camera->linkDropped();
        }
        for (auto& a : adapters_) a.second.discovering = false;
        for (std::size_t i = 0; i < calls_.size(); ++i) {
            if (!calls_[i].finished) failCall(i, Error{Errc::Unavailable, "org.bluez went away", {}});
        }
        if (observer_) observer_->bluezVanished();
    }
    // org.bluez is back: its adapters and devices, then bluezAppeared.
    void appear() {
        vanished_ = false;
        if (!observer_) return;
        for (const auto& [path, a] : adapters_) observer_->adapterChanged(a);
        for (auto& [path, d] : devices_) deliver(d);
        observer_->bluezAppeared();
    }
    bool vanished() const { return vanished_; }

private:
    struct Device {
        GoProDevice device;
        SimCamera* camera = nullptr;
        bool exported = false;
    };

    static std::string shortPath(const ObjectPath& path) {
        const auto dev = path.find("/dev_");
        if (dev == std::string::npos) return path;
        const auto slash = path.rfind('/');
        return slash == dev ? path.substr(dev + 1) : path.substr(slash + 1);
    }

    void deliver(Device& d) {
        if (observer_) observer_->deviceChanged(d.device.info);
    }

    Device* deviceOf(const ObjectPath& path) {
        for (auto& [p, d] : devices_) {
            if (path == p || path.rfind(p + "/", 0) == 0) return &d;
        }
        return nullptr;
    }
    const Device* deviceOf(const ObjectPath& path) const {
        for (const auto& [p, d] : devices_) {
            if (path == p || path.rfind(p + "/", 0) == 0) return &d;
        }
        return nullptr;
    }

    void record(Call call) {
        call.at = executor_.now();
        if (call.method == "write") {
            // Writes the camera has not acknowledged yet, on this device.
            const Device* d = deviceOf(call.path);
            std::size_t open = 1;
            for (const auto& c : calls_) {
                if (c.method == "write" && !c.finished && d && deviceOf(c.path) == d) ++open;
            }
            maxOpenWrites_ = std::max(maxOpenWrites_, open);
        }
        calls_.push_back(std::move(call));
        const std::size_t i = calls_.size() - 1;
        if (vanished_) {
            post([this, i] { failCall(i, Error{Errc::Unavailable, "org.bluez is not running", {}}); });
            return;
        }
        if (automatic_.count(calls_[i].method)) post([this, i] { automate(i); });
    }

    void post(std::function<void()> fn) {
        executor_.post([alive = alive_, fn = std::move(fn)] {
            if (*alive) fn();
        });
    }

    void failCall(std::size_t i, Error error) {
        if (calls_[i].finished) return;
        if (calls_[i].method == "read")
            answerRead(i, Unexpected{std::move(error)});
        else
            fail(i, std::move(error));
    }

    void complete(std::size_t i, Result<void> result) {
        auto& c = calls_.at(i);
        ASSERT_NE(c.method, "read");
        ASSERT_FALSE(c.finished) << "call " << i << " (" << c.method << ") completed twice";
        c.finished = true;
        auto done = std::move(c.done);
        if (result && c.method == "write") {
            if (auto* d = deviceOf(c.path); d && d->camera) {
                const auto path = c.path;
                const auto value = c.value;
                d->camera->onWrite(path, value);
            }
        }
        done(std::move(result));
    }

    void automate(std::size_t i) {
        if (calls_[i].finished) return;
        const auto method = calls_[i].method;
        const auto path = calls_[i].path;
        Device* d = deviceOf(method == "removeDevice" ? calls_[i].target : path);
        const Error notConnected{Errc::Unavailable, "Not connected", {}};
        if (method == "startDiscovery" || method == "stopDiscovery") {
            if (auto it = adapters_.find(path); it != adapters_.end())
                it->second.discovering = method == "startDiscovery";
            return succeed(i);
        }
        if (!d) return fail(i, Error{Errc::NotFound, "no such object", {}});
        if (method == "connect") {
            if (unreachable.count(path)) return fail(i, Error{Errc::Unavailable, "le-connection-abort-by-local", {}});
            if (d->device.info.connected) return succeed(i);
            if (!connectedBeforeReply) succeed(i);
            updateDevice(path, [](DeviceInfo& info) { info.connected = true; });
            if (resolveOnConnect) {
                post([this, path] {
                    if (hasDevice(path) && deviceInfo(path).connected && !deviceInfo(path).servicesResolved)
                        resolveServices(path);
                });
            }
            if (connectedBeforeReply) succeed(i);
            return;
        }
        if (method == "disconnect") {
            if (d->device.info.connected) dropLink(path);
            return succeed(i);
        }
        if (method == "pair") {
            if (!d->device.info.connected) return fail(i, notConnected);
            if (!d->device.info.paired) updateDevice(path, [](DeviceInfo& info) { info.paired = true; });
            return succeed(i);
        }
        if (method == "setTrusted") {
            const bool trusted = calls_[i].flag;
            updateDevice(path, [trusted](DeviceInfo& info) { info.trusted = trusted; });
            return succeed(i);
        }
        if (method == "removeDevice") {
            const auto target = calls_[i].target;
            if (d->device.info.connected) dropLink(target);
            removeDeviceObject(target);
            return succeed(i);
        }
        if (!d->device.info.connected) {
            return method == "read" ? answerRead(i, Unexpected{notConnected}) : fail(i, notConnected);
        }
        if (method == "startNotify" || method == "write") return succeed(i);
        if (method == "read") {
            const auto c = d->device.characteristicAt(path);
            return answerRead(i, d->camera && c ? d->camera->read(*c) : protocol::Bytes{});
        }
    }

    FakeExecutor& executor_;
    BluezObserver* observer_ = nullptr;
    std::set<std::string> automatic_;
    std::deque<Call> calls_;
    std::map<ObjectPath, AdapterInfo> adapters_;
    std::map<ObjectPath, Device> devices_;
    bool vanished_ = true;  // until appear()
    std::size_t notifications_ = 0;
    std::size_t maxOpenWrites_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

inline SimCamera::SimCamera(FakeExecutor& executor, FakeBluezPort& port, const GoProDevice& device,
                            sim::CameraConfig config)
    : executor_(executor),
      port_(port),
      device_(device),
      scheduler_(executor),
      camera_(std::move(config), scheduler_,
              sim::Camera::Hooks{
                  [this](protocol::Characteristic c, protocol::Bytes packet) { notified(c, std::move(packet)); },
                  [this] {
                      if (port_.hasDevice(device_.path()) && port_.deviceInfo(device_.path()).connected)
                          port_.dropLink(device_.path());
                  }}) {
    camera_.swallowRequests([this](protocol::Characteristic c, protocol::ByteView m) { return intercepted(c, m); });
}

inline bool SimCamera::releaseNext() {
    if (held_.empty()) return false;
    auto [c, packets] = std::move(held_.front());
    held_.pop_front();
    for (const auto& packet : packets) port_.notify(device_.pathOf(c), packet);
    return true;
}

inline void SimCamera::notified(protocol::Characteristic c, protocol::Bytes packet) {
    if (!hold) return port_.notify(device_.pathOf(c), packet);
    auto& out = outgoing_[c];
    out.packets.push_back(packet);
    auto fed = out.reassembler.feed(packet);
    if (!fed.message && !fed.error) return;  // the rest is still to come
    auto packets = std::exchange(out.packets, {});
    if (fed.message && hold(c, *fed.message)) {
        held_.emplace_back(c, std::move(packets));
        return;
    }
    for (const auto& p : packets) port_.notify(device_.pathOf(c), p);
}

inline void SimCamera::send(protocol::Characteristic on, const protocol::Bytes& message) {
    const auto path = device_.pathOf(on);
    for (auto& packet : packets(message)) {
        executor_.post([port = &port_, path, packet] { port->notify(path, packet); });
    }
}

inline void SimCamera::sendNow(protocol::Characteristic on, const protocol::Bytes& message) {
    const auto path = device_.pathOf(on);
    for (auto& packet : packets(message)) port_.notify(path, packet);
}

// ---------------------------------------------------------------------------
// What became of a Control call.

template <class T>
struct Outcome {
    int calls = 0;
    std::optional<Result<T>> result;
    bool finished() const { return calls > 0; }
    bool ok() const { return result && result->has_value(); }
    template <class U = T>
    requires(!std::is_void_v<U>) const U& value() const { return **result; }
    Errc code() const { return result->error().code; }
    std::string describe() const {
        if (!result) return "still pending";
        if (result->has_value()) return "succeeded";
        return "failed with " + std::string(errcName(result->error().code)) + " (" + result->error().message + ")";
    }
};

template <class T>
std::function<void(Result<T>)> capture(const std::shared_ptr<Outcome<T>>& o) {
    return [o](Result<T> r) {
        ++o->calls;
        if (o->calls > 1) {
            ADD_FAILURE() << "a callback ran twice";
            return;
        }
        o->result.emplace(std::move(r));
    };
}

template <class T>
::testing::AssertionResult pending(const std::shared_ptr<Outcome<T>>& o) {
    if (!o->finished()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected pending, " << o->describe();
}

template <class T>
::testing::AssertionResult succeeded(const std::shared_ptr<Outcome<T>>& o) {
    if (o->calls != 1) return ::testing::AssertionFailure() << "the callback ran " << o->calls << " times";
    if (!o->ok()) return ::testing::AssertionFailure() << "expected success, " << o->describe();
    return ::testing::AssertionSuccess();
}

template <class T>
::testing::AssertionResult failedWith(const std::shared_ptr<Outcome<T>>& o, Errc code) {
    if (o->calls != 1)
        return ::testing::AssertionFailure() << "the callback ran " << o->calls << " times, " << o->describe();
    if (o->ok() || o->code() != code) {
        return ::testing::AssertionFailure() << "expected " << errcName(code) << ", " << o->describe();
    }
    return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------
// A registry on the fake port, with cameras that answer.

class CoreHarness {
public:
    static RegistrySettings defaultSettings() {
        RegistrySettings s;
        s.camera.keepAlive = 0ms;  // tests that want it turn it on
        return s;
    }

    explicit CoreHarness(RegistrySettings settings = defaultSettings()) { start(std::move(settings)); }
    virtual ~CoreHarness() {
        if (registry) registry->shutdown();
        executor.drain();
        registry.reset();
    }

    void start(RegistrySettings settings) {
        settings_ = settings;
        // Saved as soon as the core thread runs again (or when the test releases
        // held saves), with `persistResult`.
        registry = std::make_unique<Registry>(
            executor, port, std::move(settings),
            [this](const std::vector<CameraView>& known, std::function<void(Result<void>)> saved) {
                persisted.push_back(known);
                auto finish = [this, saved = std::move(saved)] { saved(persistResult); };
                if (holdSaves) return heldSaves.push_back(std::move(finish));
                executor.post(std::move(finish));
            });
        port.setObserver(registry.get());
        auto sub = registry->subscribe({}, [this](const Event& e) { events.push_back(e); });
        EXPECT_TRUE(sub.has_value());
    }
    // BlueZ with one powered adapter.
    void bluezUp() {
        port.addAdapter();
        port.appear();
        executor.drain();
    }

    // A GoPro next to us (exported by BlueZ, not connected): goprod-sim's camera model.
    GoProDevice& addCamera(const std::string& id, ObjectPath adapter = std::string(kAdapterPath)) {
        return addCamera(makeGoProDevice(id, std::move(adapter)));
    }
    GoProDevice& addCamera(const GoProDevice& device) {
        const std::string id = device.info.name.substr(6);
        devices[id] = device;
        simCameras[id] = std::make_unique<SimCamera>(executor, port, device, simConfig(device));
        port.addDevice(device, simCameras[id].get());
        executor.drain();
        return devices[id];
    }
    // The camera behind device `id`.
    SimCamera& script(const std::string& id) { return *simCameras.at(id); }
    const GoProDevice& device(const std::string& id) { return devices.at(id); }
    ObjectPath charPath(const std::string& id, protocol::Characteristic c) { return devices.at(id).pathOf(c); }
    Camera& camera(const std::string& id) {
        auto* c = registry->find(id);
        EXPECT_NE(c, nullptr) << "no camera " << id;
        return *c;
    }
    CameraState state(const std::string& id) {
        auto* c = registry->find(id);
        return c ? c->state() : CameraState::Discovered;
    }

    Deadline in(Executor::Clock::duration d) { return executor.now() + d; }

    std::shared_ptr<Outcome<CameraView>> connect(const std::string& selector, Executor::Clock::duration timeout = 60s) {
        auto o = std::make_shared<Outcome<CameraView>>();
        registry->connect(registry->newCallId(), selector, {}, in(timeout), capture(o));
        return o;
    }
    // Connects with the fake's automation and expects Ready.
    void connectToReady(const std::string& id) {
        auto o = connect(id);
        executor.drain();
        ASSERT_TRUE(succeeded(o)) << "camera " << id << " in state " << cameraStateName(state(id));
        ASSERT_EQ(state(id), CameraState::Ready);
    }

    std::shared_ptr<Outcome<Answer>> request(const std::string& selector, protocol::Request r,
                                             Executor::Clock::duration timeout = 5s, CallId* call = nullptr) {
        auto o = std::make_shared<Outcome<Answer>>();
        const CallId id = registry->newCallId();
        if (call) *call = id;
        registry->request(id, selector, std::move(r), in(timeout), capture(o));
        return o;
    }

    std::vector<CameraState> stateEvents(const std::string& id) const {
        std::vector<CameraState> out;
        for (const auto& e : events) {
            if (e.kind == Event::Kind::StateChanged && e.camera.identifier == id) out.push_back(e.camera.state);
        }
        return out;
    }

    FakeExecutor executor;
    FakeBluezPort port{executor};
    std::map<std::string, GoProDevice> devices;
    // The sim camera addCamera() makes for a device (tests change its networks, timing, ...).
    std::function<sim::CameraConfig(const GoProDevice&)> simConfig = simCameraConfig;
    std::map<std::string, std::unique_ptr<SimCamera>> simCameras;
    std::vector<std::vector<CameraView>> persisted;
    Result<void> persistResult;  // what each save answers
    bool holdSaves = false;      // saves wait in heldSaves until the test runs them
    std::vector<std::function<void()>> heldSaves;
    std::vector<Event> events;
    std::unique_ptr<Registry> registry;  // last: destroyed first

private:
    RegistrySettings settings_;
};

}  // namespace test
}  // namespace goprod::core
