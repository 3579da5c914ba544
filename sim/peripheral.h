// goprod-sim's second backend: one virtual GoPro as a real BLE peripheral.
// Instead of playing org.bluez, it registers with a real bluetoothd on one
// adapter: a GATT application (GattManager1.RegisterApplication) with the
// GoPro services and characteristics, and an LE advertisement
// (LEAdvertisingManager1.RegisterAdvertisement) with the camera's name, service
// UUID 0xFEA6 and manufacturer data. Any central, over the air or on another
// adapter of the same machine, then finds and drives the same camera model
// (camera.h) that the simulated BlueZ serves.
//
// bluetoothd enforces what the simulated BlueZ checks itself: the protected
// characteristics carry encrypt-* flags, so the kernel answers Insufficient
// Encryption until the central pairs. The peripheral follows bluetoothd: it
// registers again whenever org.bluez (re)appears, and it learns of centrals
// from their Device1 objects on its adapter. Single-threaded, on the EventLoop.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "sim/backend.h"
#include "sim/camera.h"
#include "sim/event_loop.h"

namespace goprod::sim {

struct PeripheralOptions {
    std::string adapter = "hci1";  // the adapter to advertise and serve on
    // Advertising is switched off and on again this often while no central is
    // connected: controllers (btvirt among them) report an advertiser only when
    // scanning or advertising is switched on, and bluetoothd 5.66 drops a
    // report that arrives before its discovery has started.
    std::chrono::milliseconds advertisingRefresh{1000};
};

class Peripheral final : public Backend, public CameraEndpoint {
public:
    Peripheral(sdbus::IConnection& connection, EventLoop& loop, CameraConfig config, PeripheralOptions options);
    ~Peripheral() override;
    Peripheral(const Peripheral&) = delete;
    Peripheral& operator=(const Peripheral&) = delete;

    // Registers with bluetoothd now (or as soon as org.bluez appears) and keeps
    // advertising while no central is connected. stop(): the camera vanishes
    // (links dropped, application and advertisement unregistered).
    void start() override;
    void stop() override;
    // As a camera powering off: the links go down (bluetoothd answers
    // Disconnect once they are, which can take it 2 s), then stop(), then
    // `done`; after `bound` at most.
    void powerOff(std::chrono::milliseconds bound, std::function<void()> done);
    bool running() const override { return running_; }
    std::vector<CameraEndpoint*> endpoints() override { return {this}; }
    Scheduler& scheduler() override { return loop_; }

    Camera& camera() override { return *camera_; }
    std::string path() const override { return kApplicationPath; }
    bool paired() const override;
    bool connected() const override { return !centrals_.empty(); }
    void dropLink() override;                     // asks bluetoothd to disconnect every central
    void setRefusePairing(bool refuse) override;  // not ours to refuse: bluetoothd pairs
    void hideNextConnected() override;            // bluetoothd's signals are not ours either
    void failConnections(std::uint32_t) override;

    std::string adapterPath() const { return "/org/bluez/" + options_.adapter; }

    static constexpr const char* kApplicationPath = "/io/goprod/sim/peripheral";
    static constexpr const char* kAdvertisementPath = "/io/goprod/sim/advertisement";
    static constexpr const char* kAgentPath = "/io/goprod/sim/agent";

private:
    struct Characteristic;
    struct Central {
        bool paired = false;
    };

    void publishGatt();
    void publishAdvertisement();
    void publishAgent();
    void registerAgent();
    void bluezAppeared();
    void bluezVanished();
    void registerApplication();
    void refreshAdvertising();
    void logOnce(const char* what, const sdbus::Error& error);
    void registerAdvertisement();
    void unregisterAdvertisement(std::function<void()> then = {});
    void deviceChanged(const std::string& path, const std::map<std::string, sdbus::Variant>& properties);
    void disconnectAnswered(sdbus::IProxy* device);
    void centralGone(const std::string& path);
    void linkUp(const std::string& device);
    void notify(protocol::Characteristic c, const protocol::Bytes& packet);

    sdbus::IConnection& connection_;
    EventLoop& loop_;
    PeripheralOptions options_;
    std::unique_ptr<Camera> camera_;
    bool running_ = false;

    std::unique_ptr<sdbus::IObject> application_;
    std::vector<std::unique_ptr<sdbus::IObject>> services_;
    std::vector<std::unique_ptr<Characteristic>> characteristics_;
    std::unique_ptr<sdbus::IObject> advertisement_;
    std::unique_ptr<sdbus::IProxy> adapter_;
    std::unique_ptr<sdbus::IProxy> busProxy_;
    std::unique_ptr<sdbus::IObject> agent_;
    std::shared_ptr<sdbus::IProxy> agentManager_;
    std::vector<std::unique_ptr<sdbus::IProxy>> disconnecting_;  // Disconnect() calls in flight
    std::function<void()> whenDisconnected_;                     // powerOff's `done`

    bool bluezPresent_ = false;
    // Where each registration stands with the current bluetoothd.
    enum class Registration : std::uint8_t { None, Pending, Done };
    Registration applicationState_ = Registration::None;
    Registration advertisementState_ = Registration::None;
    std::string lastError_;              // logged once until it changes
    std::uint64_t bluezGeneration_ = 0;  // replies from an earlier bluetoothd are stale

    std::map<std::string, Central> centrals_;  // connected Device1 paths on our adapter
    std::vector<sdbus::Slot> watches_;
    Scheduler::TimerId refreshTimer_ = 0;
};

}  // namespace goprod::sim
