// goprod-sim's BlueZ: the org.bluez D-Bus objects that bluetoothd 5.66 would
// publish for an adapter with GoPro cameras in range (ObjectManager at /,
// AgentManager1, Adapter1, Device1, GattService1, GattCharacteristic1), backed
// by the camera model in camera.h. Single-threaded: everything runs on the
// EventLoop thread.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "sim/backend.h"
#include "sim/camera.h"
#include "sim/event_loop.h"

namespace goprod::sim {

struct BluezOptions {
    std::string adapterAddress = "00:1A:7D:DA:71:13";
    std::string adapterName = "goprod-sim";
    std::chrono::milliseconds connectDelay{2};    // link setup and service discovery, each
    std::chrono::milliseconds discoveryDelay{5};  // first advertisement after StartDiscovery
    bool startPaired = false;                     // cameras bonded before the sim started
};

class VirtualCamera;

class Bluez final : public Backend, public AgentManager {
public:
    Bluez(sdbus::IConnection& connection, EventLoop& loop, std::vector<CameraConfig> cameras, BluezOptions options);
    ~Bluez();
    Bluez(const Bluez&) = delete;
    Bluez& operator=(const Bluez&) = delete;

    // Owns org.bluez and publishes the objects with InterfacesAdded, as
    // bluetoothd registers them after it owns the name. Throws sdbus::Error
    // when the name is taken (a real bluetoothd runs on this bus).
    void start() override;
    // As bluetoothd exiting cleanly: links drop, every object is unregistered
    // (InterfacesRemoved), then the name goes; bonds stay (they live on disk).
    void stop() override;
    bool running() const override { return running_; }
    std::vector<CameraEndpoint*> endpoints() override;
    Scheduler& scheduler() override { return loop_; }
    AgentManager* agentManager() override { return this; }
    std::vector<AgentManager::Agent> agents() const override;
    void askAgent(const std::string& owner, const std::string& device, const std::string& method,
                  std::function<void(const std::string& error)> done) override;
    const std::vector<std::unique_ptr<VirtualCamera>>& cameras() const { return cameras_; }

    // Used by VirtualCamera.
    sdbus::IConnection& connection() { return connection_; }
    EventLoop& loop() { return loop_; }
    const BluezOptions& options() const { return options_; }
    std::string adapterPath() const { return "/org/bluez/hci0"; }
    bool powered() const { return powered_; }
    struct Agent {
        std::string sender;
        std::string path;
        std::string capability;
    };
    const Agent* agentFor(const std::string& sender) const;

private:
    void publishAdapter();
    void publishAgentManager();
    // The agent `sender` registered at `path`; DoesNotExist otherwise.
    std::vector<Agent>::iterator registeredAgent(const std::string& sender, const std::string& path);
    void startDiscovery(const std::string& sender);
    void stopDiscovery(const std::string& sender);
    void setDiscoveryFilter(const std::string& sender, const std::map<std::string, sdbus::Variant>& filter);
    void announceCameras();
    bool discoveryAdmits(const VirtualCamera& camera) const;
    void removeDevice(const sdbus::ObjectPath& path);
    // Adapter1.Powered written (bluetoothctl power on/off).
    void setPowered(bool on);
    // A client left the bus: as bluetoothd's disconnect watches, its discovery
    // session, notify sessions and agent end with it.
    void clientGone(const std::string& sender);

    sdbus::IConnection& connection_;
    EventLoop& loop_;
    BluezOptions options_;
    std::vector<std::unique_ptr<VirtualCamera>> cameras_;
    bool running_ = false;

    std::unique_ptr<sdbus::IObject> root_;
    std::unique_ptr<sdbus::IObject> agentManager_;
    std::unique_ptr<sdbus::IObject> adapter_;
    std::set<std::string> discoverySessions_;
    bool powered_ = true;
    std::map<std::string, bool> filterAdmitsCameras_;  // per client: its filter admits LE 0xFEA6 devices
    std::map<std::string, std::string> filterPattern_;  // per client: its filter's Pattern (address or name prefix)
    std::vector<Agent> agents_;
    std::string defaultAgent_;  // sender of the default agent
    std::map<std::uint64_t, std::shared_ptr<sdbus::IProxy>> agentQuestions_;  // askAgent() calls in flight
    std::uint64_t nextQuestion_ = 0;
    Scheduler::TimerId announceTimer_ = 0;
    sdbus::Slot clientWatch_;  // NameOwnerChanged match, while running
};

// One camera as BlueZ shows it: the Camera model plus its Device1 object and,
// while connected, its GATT objects.
class VirtualCamera final : public CameraEndpoint {
public:
    VirtualCamera(Bluez& bluez, CameraConfig config);
    ~VirtualCamera() override;

    Camera& camera() override { return *camera_; }
    const CameraConfig& config() const { return camera_->config(); }
    std::string path() const override;
    bool published() const { return object_ != nullptr; }
    bool paired() const override { return paired_; }
    bool connected() const override { return connected_; }
    void dropLink() override { linkLost("fault: link dropped"); }

    void publish(bool announce);  // create the Device1 object (InterfacesAdded when announce)
    void unpublish(bool announce);
    void advertised();  // an advertising report for a cached device
    void forgetBond() { paired_ = bonded_ = trusted_ = false; }
    // The link is gone: the camera or the radio dropped it, or a client asked (then
    // answerDisconnect replies to its Disconnect() at the point bluetoothd does).
    void linkLost(const char* reason, const std::function<void()>& answerDisconnect = {});
    void setRefusePairing(bool refuse) override { refusePairing_ = refuse; }
    void hideNextConnected() override { hideNextConnected_ = true; }
    void failConnections(std::uint32_t count) override { failConnections_ = count; }
    void setRssi(std::int16_t rssi) { rssi_ = rssi; }
    void clientGone(const std::string& sender);  // ends the sender's notify sessions

private:
    struct Gatt;
    void connect(std::function<void(const sdbus::Error*)> done);
    void pair(sdbus::Result<>&& result, const std::string& sender);
    void finishPairing(const sdbus::Error* error);
    void createGatt();
    void destroyGatt(bool announce);
    void notify(protocol::Characteristic c, const protocol::Bytes& packet);
    void emit(const std::vector<std::string>& properties);
    std::map<std::uint16_t, sdbus::Variant> manufacturerData() const;
    std::map<std::string, sdbus::Variant> serviceData() const;

    Bluez& bluez_;
    std::unique_ptr<Camera> camera_;
    std::unique_ptr<sdbus::IObject> object_;
    std::vector<std::unique_ptr<Gatt>> gatt_;
    std::vector<std::unique_ptr<sdbus::IObject>> services_;
    bool connected_ = false;
    bool connecting_ = false;
    bool servicesResolved_ = false;
    bool paired_ = false;
    bool bonded_ = false;
    bool trusted_ = false;
    bool refusePairing_ = false;
    bool hideNextConnected_ = false;
    std::uint32_t failConnections_ = 0;
    std::int16_t rssi_ = -55;
    std::string alias_;
    std::vector<std::function<void(const sdbus::Error*)>> connectWaiters_;
    std::unique_ptr<sdbus::Result<>> pairResult_;
    std::unique_ptr<sdbus::IProxy> agentProxy_;
    std::uint64_t linkGeneration_ = 0;  // invalidates timers of an earlier link
};

}  // namespace goprod::sim
