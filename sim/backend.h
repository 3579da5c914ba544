// What goprod-sim's control interface (io.goprod.Sim1) drives, whichever way
// the cameras reach their clients: through the simulated org.bluez (bluez.h),
// or as a real BLE peripheral behind a real bluetoothd (peripheral.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/camera.h"
#include "sim/scheduler.h"

namespace goprod::sim {

// One camera and the link it is reached over.
class CameraEndpoint {
public:
    virtual ~CameraEndpoint() = default;
    virtual Camera& camera() = 0;
    const CameraConfig& config() { return camera().config(); }
    virtual std::string path() const = 0;  // its Device1 object path, as the central sees it
    virtual bool paired() const = 0;
    virtual bool connected() const = 0;
    // The link drops now, as when the camera goes out of range.
    virtual void dropLink() = 0;
    // Pairing fails with AuthenticationFailed (throws sdbus::Error where the backend cannot).
    virtual void setRefusePairing(bool refuse) = 0;
    // The next link comes up without a Connected=true signal (the property reads true), as
    // with bluetoothd when its ATT channel beats the kernel's link report (throws as above).
    virtual void hideNextConnected() = 0;
    // The next `count` Connect() calls fail with org.bluez.Error.Failed, as when the
    // camera is out of range (throws as above).
    virtual void failConnections(std::uint32_t count) = 0;
};

// The pairing agents clients registered with the simulated AgentManager1, so that
// tests can check who asked to be the default, and a way to make bluetoothd ask one.
class AgentManager {
public:
    struct Agent {
        std::string owner;  // the client's unique bus name
        std::string path;
        std::string capability;
        bool isDefault = false;  // it called RequestDefaultAgent
    };
    virtual ~AgentManager() = default;
    virtual std::vector<Agent> agents() const = 0;
    // Calls `method` (RequestAuthorization, RequestConfirmation, AuthorizeService,
    // RequestPasskey or RequestPinCode) of the agent `owner` registered ("" = the
    // default agent) for the Device1 path `device`, as bluetoothd asks for a pairing,
    // whatever the device. `done` gets "" when the agent said yes, else the error
    // name it answered. Throws sdbus::Error for an unknown method or agent.
    virtual void askAgent(const std::string& owner, const std::string& device, const std::string& method,
                          std::function<void(const std::string& error)> done) = 0;
};

// The simulated rig's adapters (issue 16): their state, each camera's signal on
// each, and unplugging and plugging them back. Adapters are named "hci1" or by
// address; the methods throw sdbus::Error for an unknown one.
class Rig {
public:
    struct Adapter {
        std::string name;  // hci0
        std::string address;
        bool present = true;  // plugged in
        bool powered = true;
        std::uint32_t connections = 0;  // LE links it holds
        std::uint32_t maxConnections = 0;  // LE links its controller can hold; 0: no limit
    };
    virtual ~Rig() = default;
    virtual std::vector<Adapter> adapters() const = 0;
    // The camera's RSSI as `adapter` hears it, from the next advertising report on.
    virtual void setRssi(CameraEndpoint& camera, const std::string& adapter, std::int16_t rssi) = 0;
    // As a USB unplug: its links end, its devices and then its Adapter1 vanish (InterfacesRemoved).
    virtual void removeAdapter(const std::string& adapter) = 0;
    // Plugged back: Adapter1 comes back powered; bonded cameras are known again, others are found by discovery.
    virtual void addAdapter(const std::string& adapter) = 0;
    // The LE links its controller holds from now on (0: no limit); links beyond stay up.
    virtual void setMaxConnections(const std::string& adapter, std::uint32_t limit) = 0;
};

class Backend {
public:
    virtual ~Backend() = default;
    // nullptr where pairing agents are the real bluetoothd's business (peripheral mode).
    virtual AgentManager* agentManager() { return nullptr; }
    // nullptr where the adapters are real (peripheral mode).
    virtual Rig* rig() { return nullptr; }
    virtual std::vector<CameraEndpoint*> endpoints() = 0;
    virtual Scheduler& scheduler() = 0;
    // Comes up / goes away as a whole: bluetoothd starting and stopping for the
    // simulated BlueZ, the peripheral registering and unregistering for a real one.
    virtual void start() = 0;
    virtual void stop() = 0;
    virtual bool running() const = 0;

    // By last 4 serial digits, full serial, "GoPro NNNN" or address (any case).
    CameraEndpoint* find(std::string_view identifier);
};

// The Open GoPro advertisement's manufacturer data (company kGoProCompanyId),
// schema 2 (opengopro-ble.md §1.2): schema, status bits, model ID,
// capabilities, 7 reserved bytes, media offload status.
inline constexpr std::uint16_t kGoProCompanyId = 0x02F2;
std::vector<std::uint8_t> advertisedManufacturerData(const Camera& camera);


}  // namespace goprod::sim
