// goprod-sim's BlueZ: the org.bluez D-Bus objects that bluetoothd 5.66 would
// publish for one or more adapters with GoPro cameras in range (ObjectManager at /,
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
#include "sim/rig.h"

namespace goprod::sim {

struct BluezOptions {
    std::string adapterAddress = "00:1A:7D:DA:71:13";
    std::string adapterName = "goprod-sim";
    std::chrono::milliseconds connectDelay{2};    // link setup and service discovery, each
    std::chrono::milliseconds discoveryDelay{5};  // first advertisement after StartDiscovery
    bool startPaired = false;                     // cameras bonded before the sim started (on every adapter)
    int adapters = 1;                             // hci0..hciN-1, addresses from adapterAddress (rig.h)
    int maxConnections = 0;                       // LE links each controller holds; 0: no limit
    std::vector<VisibilityRule> visibility;       // which adapters see which cameras (default: all)
};

class VirtualCamera;

class Bluez final : public Backend, public AgentManager, public Rig {
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
    Rig* rig() override { return this; }
    std::vector<Rig::Adapter> adapters() const override;
    void setRssi(CameraEndpoint& camera, const std::string& adapter, std::int16_t rssi) override;
    void removeAdapter(const std::string& adapter) override;
    void addAdapter(const std::string& adapter) override;
    void setMaxConnections(const std::string& adapter, std::uint32_t limit) override;

    // Used by VirtualCamera.
    sdbus::IConnection& connection() { return connection_; }
    EventLoop& loop() { return loop_; }
    const BluezOptions& options() const { return options_; }
    std::string adapterPath(int adapter) const { return "/org/bluez/hci" + std::to_string(adapter); }
    int adapterCount() const { return static_cast<int>(adapters_.size()); }
    bool powered(int adapter) const { return adapters_[adapter].powered; }
    // The adapter's controller already holds as many LE links as it can.
    bool full(int adapter) const;
    std::uint32_t links(int adapter) const;  // LE links established through it
    const RigLayout& layout() const { return layout_; }
    struct Agent {
        std::string sender;
        std::string path;
        std::string capability;
    };
    const Agent* agentFor(const std::string& sender) const;

private:
    // One controller and what bluetoothd keeps for it.
    struct Adapter {
        int index = 0;
        std::string address;
        bool present = true;  // plugged in (RemoveAdapter unplugs it)
        bool powered = true;
        std::uint32_t maxConnections = 0;  // 0: no limit
        std::unique_ptr<sdbus::IObject> object;
        std::set<std::string> discoverySessions;
        std::map<std::string, bool> filterAdmitsCameras;   // per client: its filter admits LE 0xFEA6 devices
        std::map<std::string, std::string> filterPattern;  // per client: its filter's Pattern (address or name prefix)
        Scheduler::TimerId announceTimer = 0;
    };
    // "hci1" or its address; io.goprod.Sim.Error.UnknownAdapter otherwise.
    Adapter& adapterNamed(const std::string& name);
    void publishAdapter(Adapter& adapter);
    // Its devices and links go, then its object (InterfacesRemoved); as an unplug when `unplugged`.
    void unpublishAdapter(Adapter& adapter, bool unplugged);
    void endDiscovery(Adapter& adapter);
    void publishAgentManager();
    // The agent `sender` registered at `path`; DoesNotExist otherwise.
    std::vector<Agent>::iterator registeredAgent(const std::string& sender, const std::string& path);
    void startDiscovery(Adapter& adapter, const std::string& sender);
    void stopDiscovery(Adapter& adapter, const std::string& sender);
    void setDiscoveryFilter(Adapter& adapter, const std::string& sender,
                            const std::map<std::string, sdbus::Variant>& filter);
    void announceCameras(Adapter& adapter);
    bool discoveryAdmits(const Adapter& adapter, const VirtualCamera& camera) const;
    void removeDevice(Adapter& adapter, const sdbus::ObjectPath& path);
    // Adapter1.Powered written (bluetoothctl power on/off).
    void setPowered(Adapter& adapter, bool on);
    // A client left the bus: as bluetoothd's disconnect watches, its discovery
    // session, notify sessions and agent end with it.
    void clientGone(const std::string& sender);

    sdbus::IConnection& connection_;
    EventLoop& loop_;
    BluezOptions options_;
    RigLayout layout_;
    std::vector<std::unique_ptr<VirtualCamera>> cameras_;
    std::vector<Adapter> adapters_;
    bool running_ = false;

    std::unique_ptr<sdbus::IObject> root_;
    std::unique_ptr<sdbus::IObject> agentManager_;
    std::vector<Agent> agents_;
    std::string defaultAgent_;  // sender of the default agent
    std::map<std::uint64_t, std::shared_ptr<sdbus::IProxy>> agentQuestions_;  // askAgent() calls in flight
    std::uint64_t nextQuestion_ = 0;
    sdbus::Slot clientWatch_;  // NameOwnerChanged match, while running
};

// One camera as BlueZ shows it: the Camera model plus a Device1 object on each
// adapter that has found it and, while connected, its GATT objects. The camera
// has one link at a time, through one adapter (link_).
class VirtualCamera final : public CameraEndpoint {
public:
    VirtualCamera(Bluez& bluez, CameraConfig config, int index);
    ~VirtualCamera() override;

    Camera& camera() override { return *camera_; }
    const CameraConfig& config() const { return camera_->config(); }
    int index() const { return index_; }
    // The Device1 path on the adapter of its link, else on the first adapter that has found it, else hci0.
    std::string path() const override;
    std::string path(int adapter) const;
    bool published(int adapter) const { return devices_[adapter].object != nullptr; }
    bool paired() const override { return devices_[shownAdapter()].paired; }
    bool paired(int adapter) const { return devices_[adapter].paired; }
    bool connected() const override { return connected_; }
    // The adapter of the link (connecting or connected), -1 without one.
    int linkAdapter() const { return connected_ || connecting_ ? link_ : -1; }
    void dropLink() override { linkLost("fault: link dropped"); }

    // Create the Device1 object on `adapter` (InterfacesAdded when announce).
    void publish(int adapter, bool announce);
    void unpublish(int adapter, bool announce);
    void advertised(int adapter);  // an advertising report for a cached device
    void forgetBond(int adapter) {
        devices_[adapter].paired = devices_[adapter].bonded = devices_[adapter].trusted = false;
    }
    void rssiChanged(int adapter);  // the layout's RSSI changed: signalled while the device is published
    // The link is gone: the camera or the radio dropped it, or a client asked (then
    // answerDisconnect replies to its Disconnect() at the point bluetoothd does).
    // Without `announce` (its adapter was unplugged) no ServicesResolved/Connected
    // signal goes out: the device object goes with its adapter.
    void linkLost(const char* reason, const std::function<void()>& answerDisconnect = {}, bool announce = true);
    void setRefusePairing(bool refuse) override { refusePairing_ = refuse; }
    void hideNextConnected() override { hideNextConnected_ = true; }
    void failConnections(std::uint32_t count) override { failConnections_ = count; }
    void clientGone(const std::string& sender);  // ends the sender's notify sessions

private:
    struct Gatt;
    // Its Device1 object on one adapter, and what that adapter's bluetoothd keeps (bonds are per adapter).
    struct Device {
        std::unique_ptr<sdbus::IObject> object;
        bool paired = false;
        bool bonded = false;
        bool trusted = false;
        bool jitter = false;  // alternate advertising reports read 1 dBm weaker
        std::string alias;
    };
    int shownAdapter() const;
    void connect(int adapter, std::function<void(const sdbus::Error*)> done);
    void failConnect(const sdbus::Error& error);
    void pair(int adapter, sdbus::Result<>&& result, const std::string& sender);
    void finishPairing(const sdbus::Error* error);
    void createGatt();
    void destroyGatt(bool announce);
    void notify(protocol::Characteristic c, const protocol::Bytes& packet);
    void emit(const std::vector<std::string>& properties);  // on the link's Device1
    std::map<std::uint16_t, sdbus::Variant> manufacturerData() const;
    std::map<std::string, sdbus::Variant> serviceData() const;

    Bluez& bluez_;
    int index_;
    std::unique_ptr<Camera> camera_;
    std::vector<Device> devices_;  // per adapter
    int link_ = 0;                 // the adapter of the link, while connecting_ or connected_
    std::vector<std::unique_ptr<Gatt>> gatt_;
    std::vector<std::unique_ptr<sdbus::IObject>> services_;
    bool connected_ = false;
    bool connecting_ = false;
    bool servicesResolved_ = false;
    bool refusePairing_ = false;
    bool hideNextConnected_ = false;
    std::uint32_t failConnections_ = 0;
    std::vector<std::function<void(const sdbus::Error*)>> connectWaiters_;
    std::unique_ptr<sdbus::Result<>> pairResult_;
    std::unique_ptr<sdbus::IProxy> agentProxy_;
    std::uint64_t linkGeneration_ = 0;  // invalidates timers of an earlier link
};

}  // namespace goprod::sim
