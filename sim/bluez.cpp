#include "sim/bluez.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>

#include <spdlog/spdlog.h>

#include "protocol/gatt.h"
#include "protocol/text.h"
#include "sim/bluez_names.h"

namespace goprod::sim {

namespace {

constexpr std::uint16_t kAttMtu = 335;
constexpr std::chrono::milliseconds kAdvertisingInterval{1000};  // what bluetoothd negotiated with a real camera

sdbus::Error notConnected() { return bluezError("NotConnected", "Not Connected"); }
sdbus::Error inProgress() { return bluezError("InProgress", "In Progress"); }
sdbus::Error doesNotExist() { return bluezError("DoesNotExist", "Does Not Exist"); }
sdbus::Error invalidArguments() { return bluezError("InvalidArguments", "Invalid arguments in method call"); }
sdbus::Error notSupported() { return bluezError("NotSupported", "Operation is not supported"); }
// An ATT Insufficient Encryption error surfaces this way through bluetoothd's GATT client.
sdbus::Error notPaired() { return bluezError("NotPermitted", "Not paired"); }

std::vector<std::string> flagsOf(const protocol::CharacteristicInfo& info) {
    std::vector<std::string> flags;
    if (info.properties & protocol::kRead) flags.emplace_back("read");
    if (info.properties & protocol::kWrite) flags.emplace_back("write");
    if (info.properties & protocol::kNotify) flags.emplace_back("notify");
    if (info.properties & protocol::kIndicate) flags.emplace_back("indicate");
    return flags;
}

std::string senderOf(const sdbus::IObject& object) {
    const auto* message = object.getCurrentlyProcessedMessage();
    return message != nullptr ? message->getSender() : std::string();
}

}  // namespace

// ---------------------------------------------------------------- GATT objects

struct VirtualCamera::Gatt {
    protocol::Characteristic id;
    std::string path;
    std::unique_ptr<sdbus::IObject> object;
    std::vector<std::uint8_t> value;
    std::set<std::string> notifySessions;  // D-Bus senders that called StartNotify
};

// ---------------------------------------------------------------- Bluez

Bluez::Bluez(sdbus::IConnection& connection, EventLoop& loop, std::vector<CameraConfig> cameras, BluezOptions options)
    : connection_(connection),
      loop_(loop),
      options_(std::move(options)),
      layout_(static_cast<int>(cameras.size()), options_.adapters) {
    layout_.apply(options_.visibility);
    adapters_.resize(static_cast<std::size_t>(options_.adapters));
    for (int a = 0; a < options_.adapters; ++a) {
        adapters_[a].index = a;
        adapters_[a].address = adapterAddress(options_.adapterAddress, a);
        adapters_[a].maxConnections = static_cast<std::uint32_t>(options_.maxConnections);
    }
    int index = 0;
    for (auto& config : cameras) {
        cameras_.push_back(std::make_unique<VirtualCamera>(*this, std::move(config), index++));
    }
}

Bluez::~Bluez() = default;

void Bluez::start() {
    connection_.requestName(kBluezName);
    running_ = true;
    root_ = sdbus::createObject(connection_, "/");
    root_->addObjectManager();
    // Clients that leave the bus take their discovery and notify sessions and agents with them.
    clientWatch_ = connection_.addMatch(
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged'",
        [this](sdbus::Message& message) {
            std::string name, oldOwner, newOwner;
            message >> name >> oldOwner >> newOwner;
            if (!name.empty() && name.front() == ':' && newOwner.empty()) clientGone(name);
        });
    publishAgentManager();
    // bluetoothd owns the name first and registers its objects after: InterfacesAdded for each.
    agentManager_->emitInterfacesAddedSignal({kAgentManagerIface});
    for (auto& adapter : adapters_) {
        if (adapter.present) publishAdapter(adapter);
    }
    spdlog::info("org.bluez acquired: {} adapter(s) from {} with {} camera(s) in range", adapters_.size(),
                 options_.adapterAddress, cameras_.size());
}

void Bluez::stop() {
    if (!running_) return;
    running_ = false;
    clientWatch_.reset();
    // A clean exit unregisters every object before the name goes (gdbus flushes
    // InterfacesRemoved on unregister); links drop first.
    for (auto& adapter : adapters_) {
        if (adapter.object) unpublishAdapter(adapter, false);
    }
    agentManager_->emitInterfacesRemovedSignal({kAgentManagerIface});
    agents_.clear();
    defaultAgent_.clear();
    agentManager_.reset();
    root_.reset();
    connection_.releaseName(kBluezName);
    spdlog::info("org.bluez released: every object is gone");
}

void Bluez::unpublishAdapter(Adapter& adapter, bool unplugged) {
    if (adapter.announceTimer != 0) loop_.cancel(adapter.announceTimer);
    adapter.announceTimer = 0;
    adapter.discoverySessions.clear();
    adapter.filterAdmitsCameras.clear();
    adapter.filterPattern.clear();
    for (auto& camera : cameras_) {
        // An unplugged controller reports no disconnection (the kernel sends no
        // Device Disconnected for it): the links end with their device objects.
        if (camera->linkAdapter() == adapter.index) {
            camera->linkLost(unplugged ? "adapter removed" : "bluetoothd stopped", {}, !unplugged);
        }
        camera->unpublish(adapter.index, true);
    }
    adapter.object->emitInterfacesRemovedSignal({kAdapterIface});
    adapter.object.reset();
}

Bluez::Adapter& Bluez::adapterNamed(const std::string& name) {
    for (auto& adapter : adapters_) {
        if (adapterIndex(name) == adapter.index ||
            protocol::asciiLower(name) == protocol::asciiLower(adapter.address)) {
            return adapter;
        }
    }
    throw sdbus::Error(
        "io.goprod.Sim.Error.UnknownAdapter",
        "no adapter '" + name + "' (hci0..hci" + std::to_string(adapters_.size() - 1) + " or an address)");
}

std::uint32_t Bluez::links(int adapter) const {
    return static_cast<std::uint32_t>(std::count_if(cameras_.begin(), cameras_.end(), [&](const auto& camera) {
        return camera->connected() && camera->linkAdapter() == adapter;
    }));
}

std::vector<Rig::Adapter> Bluez::adapters() const {
    std::vector<Rig::Adapter> out;
    for (const auto& adapter : adapters_) {
        out.push_back({"hci" + std::to_string(adapter.index), adapter.address, adapter.present, adapter.powered,
                       links(adapter.index), adapter.maxConnections});
    }
    return out;
}

bool Bluez::full(int adapter) const {
    const std::uint32_t limit = adapters_[adapter].maxConnections;
    return limit > 0 && links(adapter) >= limit;
}

void Bluez::setRssi(CameraEndpoint& endpoint, const std::string& name, std::int16_t rssi) {
    auto& camera = static_cast<VirtualCamera&>(endpoint);  // this backend's endpoints are VirtualCameras
    const int adapter = adapterNamed(name).index;
    layout_.setRssi(adapter, camera.index(), rssi);
    camera.rssiChanged(adapter);
}

void Bluez::removeAdapter(const std::string& name) {
    Adapter& adapter = adapterNamed(name);
    if (!adapter.present) return;
    adapter.present = false;
    if (adapter.object) unpublishAdapter(adapter, true);
    spdlog::info("adapter hci{} ({}) removed", adapter.index, adapter.address);
}

void Bluez::addAdapter(const std::string& name) {
    Adapter& adapter = adapterNamed(name);
    if (adapter.present) return;
    adapter.present = true;
    adapter.powered = true;  // bluetoothd powers a new controller on (AutoEnable)
    if (running_) publishAdapter(adapter);
    spdlog::info("adapter hci{} ({}) added", adapter.index, adapter.address);
}

void Bluez::setMaxConnections(const std::string& name, std::uint32_t limit) {
    Adapter& adapter = adapterNamed(name);
    adapter.maxConnections = limit;
    spdlog::info("adapter hci{} holds {} LE connection(s)", adapter.index,
                 limit == 0 ? std::string("any number of") : "at most " + std::to_string(limit));
}

std::vector<CameraEndpoint*> Bluez::endpoints() {
    std::vector<CameraEndpoint*> out;
    for (auto& camera : cameras_) out.push_back(camera.get());
    return out;
}

const Bluez::Agent* Bluez::agentFor(const std::string& sender) const {
    for (const auto& agent : agents_) {
        if (agent.sender == sender) return &agent;
    }
    for (const auto& agent : agents_) {
        if (agent.sender == defaultAgent_) return &agent;
    }
    return nullptr;
}

std::vector<Bluez::Agent>::iterator Bluez::registeredAgent(const std::string& sender, const std::string& path) {
    const auto it = std::find_if(agents_.begin(), agents_.end(), [&](const Agent& agent) {
        return agent.sender == sender && agent.path == path;
    });
    if (it == agents_.end()) throw doesNotExist();
    return it;
}

std::vector<AgentManager::Agent> Bluez::agents() const {
    std::vector<AgentManager::Agent> out;
    for (const auto& agent : agents_) {
        out.push_back({agent.sender, agent.path, agent.capability, agent.sender == defaultAgent_});
    }
    return out;
}

void Bluez::askAgent(const std::string& owner, const std::string& device, const std::string& method,
                     std::function<void(const std::string& error)> done) {
    const auto agent = std::find_if(agents_.begin(), agents_.end(), [&](const Agent& a) {
        return a.sender == (owner.empty() ? defaultAgent_ : owner);
    });
    if (agent == agents_.end()) throw doesNotExist();
    const std::uint64_t id = nextQuestion_++;
    auto proxy = std::shared_ptr<sdbus::IProxy>(sdbus::createProxy(connection_, agent->sender, agent->path));
    // The proxy may not die inside its own reply handler: it goes on the next loop turn.
    auto answered = [this, id, done = std::move(done)](const sdbus::Error* error) {
        done(error != nullptr ? error->getName() : std::string());
        loop_.after(std::chrono::milliseconds(0), [this, id] { agentQuestions_.erase(id); });
    };
    const sdbus::ObjectPath path(device);
    if (method == "RequestAuthorization") {
        proxy->callMethodAsync(method).onInterface(kAgentIface).withArguments(path).uponReplyInvoke(answered);
    } else if (method == "RequestConfirmation") {
        proxy->callMethodAsync(method)
            .onInterface(kAgentIface)
            .withArguments(path, std::uint32_t{123456})
            .uponReplyInvoke(answered);
    } else if (method == "AuthorizeService") {
        proxy->callMethodAsync(method)
            .onInterface(kAgentIface)
            .withArguments(path, std::string(protocol::kControlAndQueryServiceUuid))
            .uponReplyInvoke(answered);
    } else if (method == "RequestPasskey") {
        proxy->callMethodAsync(method)
            .onInterface(kAgentIface)
            .withArguments(path)
            .uponReplyInvoke([answered](const sdbus::Error* error, std::uint32_t) { answered(error); });
    } else if (method == "RequestPinCode") {
        proxy->callMethodAsync(method)
            .onInterface(kAgentIface)
            .withArguments(path)
            .uponReplyInvoke([answered](const sdbus::Error* error, std::string) { answered(error); });
    } else {
        throw invalidArguments();
    }
    agentQuestions_.emplace(id, std::move(proxy));
}

void Bluez::publishAgentManager() {
    agentManager_ = sdbus::createObject(connection_, "/org/bluez");
    agentManager_->registerMethod("RegisterAgent")
        .onInterface(kAgentManagerIface)
        .withInputParamNames("agent", "capability")
        .implementedAs([this](const sdbus::ObjectPath& path, const std::string& capability) {
            static const std::set<std::string> kCapabilities = {
                "", "DisplayOnly", "DisplayYesNo", "KeyboardOnly", "NoInputNoOutput", "KeyboardDisplay"};
            if (!kCapabilities.contains(capability)) throw invalidArguments();
            const std::string sender = senderOf(*agentManager_);
            for (const auto& agent : agents_) {
                if (agent.sender == sender) throw bluezError("AlreadyExists", "Already Exists");
            }
            agents_.push_back({sender, path, capability.empty() ? "KeyboardDisplay" : capability});
            spdlog::info("agent {} of {} registered ({})", std::string(path), sender, agents_.back().capability);
        });
    agentManager_->registerMethod("UnregisterAgent")
        .onInterface(kAgentManagerIface)
        .withInputParamNames("agent")
        .implementedAs([this](const sdbus::ObjectPath& path) {
            agents_.erase(registeredAgent(senderOf(*agentManager_), path));
            if (defaultAgent_ == senderOf(*agentManager_)) defaultAgent_.clear();
        });
    agentManager_->registerMethod("RequestDefaultAgent")
        .onInterface(kAgentManagerIface)
        .withInputParamNames("agent")
        .implementedAs([this](const sdbus::ObjectPath& path) {
            defaultAgent_ = registeredAgent(senderOf(*agentManager_), path)->sender;
        });
    agentManager_->finishRegistration();
}

void Bluez::publishAdapter(Adapter& adapter) {
    adapter.object = sdbus::createObject(connection_, adapterPath(adapter.index));
    auto& a = *adapter.object;
    Adapter* self = &adapter;  // adapters_ never reallocates after construction
    a.registerProperty("Address").onInterface(kAdapterIface).withGetter([self] { return self->address; });
    a.registerProperty("AddressType").onInterface(kAdapterIface).withGetter([] { return std::string("public"); });
    a.registerProperty("Name").onInterface(kAdapterIface).withGetter([this] { return options_.adapterName; });
    a.registerProperty("Alias").onInterface(kAdapterIface).withGetter([this] { return options_.adapterName; });
    a.registerProperty("Class").onInterface(kAdapterIface).withGetter([] { return std::uint32_t{0}; });
    a.registerProperty("Powered")
        .onInterface(kAdapterIface)
        .withGetter([self] { return self->powered; })
        .withSetter([this, self](const bool& on) { setPowered(*self, on); });
    a.registerProperty("PowerState").onInterface(kAdapterIface).withGetter([self] {
        return std::string(self->powered ? "on" : "off");
    });
    a.registerProperty("Discoverable").onInterface(kAdapterIface).withGetter([] { return false; });
    a.registerProperty("DiscoverableTimeout").onInterface(kAdapterIface).withGetter([] { return std::uint32_t{180}; });
    a.registerProperty("Pairable").onInterface(kAdapterIface).withGetter([] { return true; });
    a.registerProperty("PairableTimeout").onInterface(kAdapterIface).withGetter([] { return std::uint32_t{0}; });
    a.registerProperty("Discovering").onInterface(kAdapterIface).withGetter([self] {
        return !self->discoverySessions.empty();
    });
    a.registerProperty("UUIDs").onInterface(kAdapterIface).withGetter([] {
        return std::vector<std::string>{"00001800-0000-1000-8000-00805f9b34fb", "00001801-0000-1000-8000-00805f9b34fb"};
    });
    a.registerProperty("Modalias").onInterface(kAdapterIface).withGetter([] {
        return std::string("usb:v1D6Bp0246d0542");
    });
    a.registerProperty("Roles").onInterface(kAdapterIface).withGetter([] {
        return std::vector<std::string>{"central", "peripheral"};
    });
    a.registerMethod("StartDiscovery").onInterface(kAdapterIface).implementedAs([this, self] {
        startDiscovery(*self, senderOf(*self->object));
    });
    a.registerMethod("StopDiscovery").onInterface(kAdapterIface).implementedAs([this, self] {
        stopDiscovery(*self, senderOf(*self->object));
    });
    a.registerMethod("SetDiscoveryFilter")
        .onInterface(kAdapterIface)
        .withInputParamNames("properties")
        .implementedAs([this, self](const std::map<std::string, sdbus::Variant>& filter) {
            setDiscoveryFilter(*self, senderOf(*self->object), filter);
        });
    a.registerMethod("GetDiscoveryFilters").onInterface(kAdapterIface).implementedAs([] {
        return std::vector<std::string>{"UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData",
                                         "Discoverable", "Pattern"};
    });
    a.registerMethod("RemoveDevice")
        .onInterface(kAdapterIface)
        .withInputParamNames("device")
        .implementedAs([this, self](const sdbus::ObjectPath& path) { removeDevice(*self, path); });
    a.finishRegistration();
    a.emitInterfacesAddedSignal({kAdapterIface});
    // Bonded devices come back from storage, as bluetoothd loads them when the adapter appears.
    for (auto& camera : cameras_) {
        if (layout_.sees(adapter.index, camera->index()) && camera->paired(adapter.index)) {
            camera->publish(adapter.index, true);
        }
    }
}

// As bluetoothd: an adapter powered off says so first, then its links drop and
// its discovery ends; it cannot scan until it is powered on again.
void Bluez::setPowered(Adapter& adapter, bool on) {
    if (adapter.powered == on) return;
    adapter.powered = on;
    spdlog::info("adapter hci{} ({}) powered {}", adapter.index, adapter.address, on ? "on" : "off");
    adapter.object->emitPropertiesChangedSignal(kAdapterIface, {"Powered", "PowerState"});
    if (on) return;
    for (auto& camera : cameras_) {
        if (camera->linkAdapter() == adapter.index) camera->linkLost("adapter powered off");
    }
    if (adapter.announceTimer != 0) loop_.cancel(adapter.announceTimer);
    adapter.announceTimer = 0;
    adapter.filterAdmitsCameras.clear();
    if (!adapter.discoverySessions.empty()) {
        adapter.discoverySessions.clear();
        adapter.object->emitPropertiesChangedSignal(kAdapterIface, {"Discovering"});
    }
}

void Bluez::startDiscovery(Adapter& adapter, const std::string& sender) {
    if (!adapter.powered) throw bluezError("NotReady", "Resource Not Ready");
    if (adapter.discoverySessions.contains(sender)) throw inProgress();
    adapter.discoverySessions.insert(sender);
    if (adapter.discoverySessions.size() == 1) {
        adapter.object->emitPropertiesChangedSignal(kAdapterIface, {"Discovering"});
    }
    // Cameras advertise continuously; the first reports arrive shortly after a scan starts.
    if (adapter.announceTimer != 0) loop_.cancel(adapter.announceTimer);
    adapter.announceTimer = loop_.after(options_.discoveryDelay, [this, &adapter] { announceCameras(adapter); });
}

void Bluez::stopDiscovery(Adapter& adapter, const std::string& sender) {
    if (!adapter.discoverySessions.erase(sender)) throw bluezError("Failed", "No discovery started");
    adapter.filterAdmitsCameras.erase(sender);  // a client's filter lasts until it stops discovering
    adapter.filterPattern.erase(sender);
    if (adapter.discoverySessions.empty()) endDiscovery(adapter);
}

void Bluez::endDiscovery(Adapter& adapter) {
    if (adapter.announceTimer != 0) loop_.cancel(adapter.announceTimer);
    adapter.announceTimer = 0;
    adapter.object->emitPropertiesChangedSignal(kAdapterIface, {"Discovering"});
}

void Bluez::setDiscoveryFilter(Adapter& adapter, const std::string& sender,
                               const std::map<std::string, sdbus::Variant>& filter) {
    bool leOnly = true;
    bool admitsGoPro = true;
    std::string pattern;
    for (const auto& [key, value] : filter) {
        try {
            if (key == "UUIDs") {
                const auto uuids = value.get<std::vector<std::string>>();
                admitsGoPro = uuids.empty() || std::any_of(uuids.begin(), uuids.end(), [](const std::string& uuid) {
                    const std::string l = protocol::asciiLower(uuid);
                    return l == protocol::kGoProServiceUuid16 || l == "0xfea6" ||
                           l == protocol::kControlAndQueryServiceUuid;
                });
            } else if (key == "Transport") {
                const auto transport = value.get<std::string>();
                if (transport != "auto" && transport != "le" && transport != "bredr") throw invalidArguments();
                leOnly = transport != "bredr";
            } else if (key == "RSSI") {
                (void)value.get<std::int16_t>();
            } else if (key == "Pathloss") {
                (void)value.get<std::uint16_t>();
            } else if (key == "DuplicateData" || key == "Discoverable") {
                (void)value.get<bool>();
            } else if (key == "Pattern") {
                pattern = value.get<std::string>();
            } else {
                throw invalidArguments();
            }
        } catch (const sdbus::Error& error) {
            if (error.getName() == "org.bluez.Error.InvalidArguments") throw;
            throw invalidArguments();  // a value of the wrong type
        }
    }
    // Each client has its own filter (bluetoothd merges them): the cameras are
    // reported while any discovering client's filter admits them.
    adapter.filterAdmitsCameras[sender] = leOnly && admitsGoPro;
    adapter.filterPattern[sender] = pattern;
}

bool Bluez::discoveryAdmits(const Adapter& adapter, const VirtualCamera& camera) const {
    return std::any_of(
        adapter.discoverySessions.begin(), adapter.discoverySessions.end(), [&](const std::string& sender) {
            const auto filter = adapter.filterAdmitsCameras.find(sender);
            if (filter != adapter.filterAdmitsCameras.end() && !filter->second) return false;
            // bluetoothd: the pattern is a prefix of the address or of the name.
            const auto pattern = adapter.filterPattern.find(sender);
            return pattern == adapter.filterPattern.end() || camera.config().address.starts_with(pattern->second) ||
                   camera.config().name().starts_with(pattern->second);
        });
}

void Bluez::announceCameras(Adapter& adapter) {
    adapter.announceTimer = 0;
    if (adapter.discoverySessions.empty()) return;
    for (auto& camera : cameras_) {
        if (!layout_.sees(adapter.index, camera->index())) continue;  // out of this adapter's range
        // A connected camera stops advertising.
        if (camera->connected() || !discoveryAdmits(adapter, *camera)) continue;
        if (camera->published(adapter.index)) {
            camera->advertised(adapter.index);  // cached device: bluetoothd updates RSSI and advertising data
        } else {
            camera->publish(adapter.index, true);
        }
    }
    // Advertising reports keep coming while the scan runs.
    adapter.announceTimer = loop_.after(kAdvertisingInterval, [this, &adapter] { announceCameras(adapter); });
}

void Bluez::clientGone(const std::string& sender) {
    if (!running_) return;
    for (auto& adapter : adapters_) {
        adapter.filterAdmitsCameras.erase(sender);
        adapter.filterPattern.erase(sender);
        if (adapter.discoverySessions.erase(sender) != 0 && adapter.discoverySessions.empty()) endDiscovery(adapter);
    }
    const auto gone = std::remove_if(agents_.begin(), agents_.end(), [&](const Agent& agent) {
        return agent.sender == sender;
    });
    if (gone != agents_.end()) spdlog::info("agent of {} unregistered: it left the bus", sender);
    agents_.erase(gone, agents_.end());
    if (defaultAgent_ == sender) defaultAgent_.clear();
    for (auto& camera : cameras_) camera->clientGone(sender);
}

void Bluez::removeDevice(Adapter& adapter, const sdbus::ObjectPath& path) {
    for (auto& camera : cameras_) {
        if (camera->published(adapter.index) && camera->path(adapter.index) == path) {
            // also a connection still being set up
            if (camera->linkAdapter() == adapter.index) camera->linkLost("device removed");
            camera->forgetBond(adapter.index);
            camera->unpublish(adapter.index, true);
            return;
        }
    }
    throw doesNotExist();
}

// ---------------------------------------------------------------- VirtualCamera

VirtualCamera::VirtualCamera(Bluez& bluez, CameraConfig config, int index)
    : bluez_(bluez), index_(index), devices_(static_cast<std::size_t>(bluez.adapterCount())) {
    for (int a = 0; a < bluez.adapterCount(); ++a) {
        Device& device = devices_[a];
        device.alias = config.name();
        device.paired = device.bonded = device.trusted = bluez.options().startPaired && bluez.layout().sees(a, index);
    }
    Camera::Hooks hooks;
    hooks.notify = [this](protocol::Characteristic c, protocol::Bytes packet) { notify(c, packet); };
    hooks.dropLink = [this] { linkLost("camera dropped the link"); };
    camera_ = std::make_unique<Camera>(std::move(config), bluez.loop(), std::move(hooks));
}

VirtualCamera::~VirtualCamera() = default;

int VirtualCamera::shownAdapter() const {
    if (connected_ || connecting_) return link_;
    for (int a = 0; a < bluez_.adapterCount(); ++a) {
        if (devices_[a].object) return a;
    }
    for (int a = 0; a < bluez_.adapterCount(); ++a) {
        if (bluez_.layout().sees(a, index_)) return a;
    }
    return 0;
}

std::string VirtualCamera::path() const { return path(shownAdapter()); }

std::string VirtualCamera::path(int adapter) const {
    std::string address = config().address;
    std::replace(address.begin(), address.end(), ':', '_');
    return bluez_.adapterPath(adapter) + "/dev_" + address;
}

void VirtualCamera::emit(const std::vector<std::string>& properties) {
    if (devices_[link_].object) devices_[link_].object->emitPropertiesChangedSignal(kDeviceIface, properties);
}

std::map<std::uint16_t, sdbus::Variant> VirtualCamera::manufacturerData() const {
    return {{kGoProCompanyId, sdbus::Variant(advertisedManufacturerData(*camera_))}};
}

std::map<std::string, sdbus::Variant> VirtualCamera::serviceData() const {
    // AP MAC (partial, 4 bytes) and the last 4 serial digits.
    std::vector<std::uint8_t> data;
    const std::string& mac = config().apMac;
    for (std::size_t i = 0; i + 1 < mac.size() && data.size() < 4; i += 2) {
        data.push_back(static_cast<std::uint8_t>(std::stoi(mac.substr(i, 2), nullptr, 16)));
    }
    while (data.size() < 4) data.push_back(0);
    const std::string& serial = config().serial;
    const std::string last4 = serial.size() >= 4 ? serial.substr(serial.size() - 4) : serial;
    data.insert(data.end(), last4.begin(), last4.end());
    return {{std::string(protocol::kControlAndQueryServiceUuid), sdbus::Variant(data)}};
}

void VirtualCamera::publish(int adapter, bool announce) {
    Device& device = devices_[adapter];
    if (device.object) return;
    device.object = sdbus::createObject(bluez_.connection(), path(adapter));
    auto& d = *device.object;
    Device* self = &device;  // devices_ never reallocates after construction
    const int a = adapter;
    d.registerProperty("Address").onInterface(kDeviceIface).withGetter([this] { return config().address; });
    d.registerProperty("AddressType").onInterface(kDeviceIface).withGetter([] { return std::string("public"); });
    d.registerProperty("Name").onInterface(kDeviceIface).withGetter([this] { return config().name(); });
    d.registerProperty("Alias")
        .onInterface(kDeviceIface)
        .withGetter([self] { return self->alias; })
        .withSetter([this, self](const std::string& alias) {
            self->alias = alias.empty() ? config().name() : alias;
            self->object->emitPropertiesChangedSignal(kDeviceIface, {"Alias"});
        });
    d.registerProperty("Appearance").onInterface(kDeviceIface).withGetter([] { return std::uint16_t{0x0080}; });
    d.registerProperty("Paired").onInterface(kDeviceIface).withGetter([self] { return self->paired; });
    d.registerProperty("Bonded").onInterface(kDeviceIface).withGetter([self] { return self->bonded; });
    d.registerProperty("Trusted")
        .onInterface(kDeviceIface)
        .withGetter([self] { return self->trusted; })
        .withSetter([self](const bool& trusted) {
            self->trusted = trusted;
            self->object->emitPropertiesChangedSignal(kDeviceIface, {"Trusted"});
        });
    d.registerProperty("Blocked").onInterface(kDeviceIface).withGetter([] { return false; });
    d.registerProperty("LegacyPairing").onInterface(kDeviceIface).withGetter([] { return false; });
    d.registerProperty("RSSI").onInterface(kDeviceIface).withGetter([this, self, a] {
        return static_cast<std::int16_t>(bluez_.layout().rssi(a, index_) - (self->jitter ? 1 : 0));
    });
    d.registerProperty("Connected").onInterface(kDeviceIface).withGetter([this, a] {
        return connected_ && link_ == a;
    });
    d.registerProperty("ServicesResolved").onInterface(kDeviceIface).withGetter([this, a] {
        return servicesResolved_ && link_ == a;
    });
    d.registerProperty("UUIDs").onInterface(kDeviceIface).withGetter([this, a] {
        std::vector<std::string> uuids{std::string(protocol::kControlAndQueryServiceUuid)};
        if (servicesResolved_ && link_ == a) {
            for (const auto& service : protocol::services()) {
                if (service.uuid != protocol::kControlAndQueryServiceUuid) uuids.emplace_back(service.uuid);
            }
        }
        return uuids;
    });
    d.registerProperty("Adapter").onInterface(kDeviceIface).withGetter([this, a] {
        return sdbus::ObjectPath(bluez_.adapterPath(a));
    });
    d.registerProperty("ManufacturerData").onInterface(kDeviceIface).withGetter([this] { return manufacturerData(); });
    d.registerProperty("ServiceData").onInterface(kDeviceIface).withGetter([this] { return serviceData(); });
    d.registerProperty("WakeAllowed").onInterface(kDeviceIface).withGetter([] { return false; });

    d.registerMethod("Connect").onInterface(kDeviceIface).implementedAs([this, a](sdbus::Result<>&& result) {
        if (connected_ && link_ == a) throw bluezError("AlreadyConnected", "Already Connected");
        if (!bluez_.powered(a)) throw bluezError("NotReady", "Resource Not Ready");
        auto shared = std::make_shared<sdbus::Result<>>(std::move(result));
        connect(a, [shared](const sdbus::Error* error) {
            if (error != nullptr) {
                shared->returnError(*error);
            } else {
                shared->returnResults();
            }
        });
    });
    d.registerMethod("Disconnect").onInterface(kDeviceIface).implementedAs([this, a](sdbus::Result<>&& result) {
        if (linkAdapter() != a) throw notConnected();
        auto shared = std::make_shared<sdbus::Result<>>(std::move(result));
        linkLost("disconnected by the client", [shared] { shared->returnResults(); });
    });
    d.registerMethod("ConnectProfile").onInterface(kDeviceIface).withInputParamNames("UUID").implementedAs(
        [](const std::string&) { throw notSupported(); });
    d.registerMethod("DisconnectProfile").onInterface(kDeviceIface).withInputParamNames("UUID").implementedAs(
        [](const std::string&) { throw notSupported(); });
    d.registerMethod("Pair").onInterface(kDeviceIface).implementedAs([this, self, a](sdbus::Result<>&& result) {
        pair(a, std::move(result), senderOf(*self->object));
    });
    d.registerMethod("CancelPairing").onInterface(kDeviceIface).implementedAs([this, a] {
        if (!pairResult_ || link_ != a) throw doesNotExist();
        const auto error = bluezError("AuthenticationCanceled", "Authentication Canceled");
        finishPairing(&error);
    });
    d.finishRegistration();
    if (announce) d.emitInterfacesAddedSignal({kDeviceIface});
    spdlog::info("{} ({}) is {} on hci{}", config().name(), config().address,
                 device.paired ? "known (bonded)" : "advertising", adapter);
}

void VirtualCamera::clientGone(const std::string& sender) {
    for (auto& gatt : gatt_) {
        if (gatt->notifySessions.erase(sender) != 0 && gatt->notifySessions.empty()) {
            gatt->object->emitPropertiesChangedSignal(kCharIface, {"Notifying"});
        }
    }
}

void VirtualCamera::advertised(int adapter) {
    Device& device = devices_[adapter];
    device.jitter = !device.jitter;  // a fresh report, a slightly different RSSI
    if (!device.object) return;
    device.object->emitPropertiesChangedSignal(kDeviceIface, {"RSSI", "ManufacturerData", "ServiceData"});
}

void VirtualCamera::rssiChanged(int adapter) {
    devices_[adapter].jitter = false;  // the value set, exactly, until the next report
    if (devices_[adapter].object) devices_[adapter].object->emitPropertiesChangedSignal(kDeviceIface, {"RSSI"});
}

void VirtualCamera::unpublish(int adapter, bool announce) {
    Device& device = devices_[adapter];
    if (!device.object) return;
    if (linkAdapter() == adapter) destroyGatt(announce);
    if (announce) device.object->emitInterfacesRemovedSignal({kDeviceIface});
    device.object.reset();
}

// bluetoothd's answer to Connect() when the LE connection does not come up: its
// att_connect_cb() turns every socket error into ECONNABORTED, which
// btd_error_le_conn_from_errno() words "le-connection-abort-by-local".
static sdbus::Error leConnectionAborted() { return bluezError("Failed", "le-connection-abort-by-local"); }

void VirtualCamera::failConnect(const sdbus::Error& error) {
    connecting_ = false;
    auto waiters = std::move(connectWaiters_);
    connectWaiters_.clear();
    for (auto& waiter : waiters) waiter(&error);
}

void VirtualCamera::connect(int adapter, std::function<void(const sdbus::Error*)> done) {
    const auto delay = bluez_.options().connectDelay;
    if (linkAdapter() >= 0 && link_ != adapter) {
        // One link per camera: linked through another adapter, the camera no longer
        // advertises, and this controller's attempt times out.
        bluez_.loop().after(delay, [done = std::move(done)] {
            const auto error = leConnectionAborted();
            done(&error);
        });
        return;
    }
    connectWaiters_.push_back(std::move(done));
    if (connecting_) return;
    connecting_ = true;
    link_ = adapter;
    const std::uint64_t generation = ++linkGeneration_;
    bluez_.loop().after(delay, [this, generation, delay] {
        if (generation != linkGeneration_ || !connecting_) return;
        if (failConnections_ > 0) {
            --failConnections_;
            failConnect(leConnectionAborted());
            return;
        }
        if (bluez_.full(link_)) {
            // The controller answers LE Create Connection with "Connection Limit Exceeded"
            // (HCI 0x09; the kernel makes it EMLINK), and bluetoothd 5.66's att_connect_cb()
            // replaces that errno with ECONNABORTED as any other: Connect() fails with
            // org.bluez.Error.Failed "le-connection-abort-by-local" (btd_error_le_conn_from_errno;
            // "le-connection-concurrent-connection-limit" is the EMLINK wording it never reaches).
            spdlog::info("{}: hci{} holds its {} LE connection(s): no room", config().name(), link_,
                         bluez_.adapters()[link_].maxConnections);
            failConnect(leConnectionAborted());
            return;
        }
        // Link up first, then the GATT database, then ServicesResolved, then the
        // Connect() reply: clients see Connected=true before their call returns.
        connected_ = true;
        camera_->connected();
        if (!std::exchange(hideNextConnected_, false)) emit({"Connected"});
        createGatt();
        bluez_.loop().after(delay, [this, generation] {
            if (generation != linkGeneration_ || !connected_) return;
            servicesResolved_ = true;
            connecting_ = false;
            emit({"ServicesResolved", "UUIDs"});
            auto waiters = std::move(connectWaiters_);
            connectWaiters_.clear();
            for (auto& waiter : waiters) waiter(nullptr);
        });
    });
}

// The order of bluetoothd's device_remove_connection(): ServicesResolved=false,
// a pending Connect() fails, Disconnect() is answered, then Connected=false.
void VirtualCamera::linkLost(const char* reason, const std::function<void()>& answerDisconnect, bool announce) {
    if (!connected_ && !connecting_) return;
    ++linkGeneration_;
    spdlog::info("{}: link down on hci{} ({})", config().name(), link_, reason);
    connecting_ = false;
    const bool wasResolved = servicesResolved_;
    servicesResolved_ = false;
    if (wasResolved && announce) emit({"ServicesResolved"});
    auto waiters = std::move(connectWaiters_);
    connectWaiters_.clear();
    const auto early = bluezError("Failed", "Disconnected early");
    for (auto& waiter : waiters) waiter(&early);
    if (pairResult_) {
        const auto error = bluezError("AuthenticationCanceled", "Authentication Canceled");
        finishPairing(&error);
    }
    if (answerDisconnect) answerDisconnect();
    destroyGatt(true);
    if (connected_) {
        connected_ = false;
        if (announce) emit({"Connected"});
    }
    camera_->disconnected();
}

void VirtualCamera::pair(int adapter, sdbus::Result<>&& result, const std::string& sender) {
    if (devices_[adapter].paired) {
        result.returnError(bluezError("AlreadyExists", "Already Exists"));
        return;
    }
    if (pairResult_) {
        result.returnError(inProgress());
        return;
    }
    pairResult_ = std::make_unique<sdbus::Result<>>(std::move(result));
    auto authenticate = [this, sender](const sdbus::Error* error) {
        if (error != nullptr) {
            finishPairing(error);
            return;
        }
        if (refusePairing_) {
            const auto refused = bluezError("AuthenticationFailed", "Authentication Failed");
            finishPairing(&refused);
            return;
        }
        // The camera is NoInputNoOutput: just works. bluetoothd asks the agent to
        // authorize, the prompt the official SDK answers with "yes" in bluetoothctl.
        const Bluez::Agent* agent = bluez_.agentFor(sender);
        if (agent == nullptr) {
            const std::uint64_t generation = linkGeneration_;  // a pairing dies with its link
            bluez_.loop().after(bluez_.options().connectDelay, [this, generation] {
                if (generation == linkGeneration_) finishPairing(nullptr);
            });
            return;
        }
        agentProxy_ = sdbus::createProxy(bluez_.connection(), agent->sender, agent->path);
        agentProxy_->callMethodAsync("RequestAuthorization")
            .onInterface(kAgentIface)
            .withArguments(sdbus::ObjectPath(path(link_)))
            .uponReplyInvoke([this, generation = linkGeneration_](const sdbus::Error* agentError) {
                if (!pairResult_ || generation != linkGeneration_) return;  // cancelled or link lost meanwhile
                if (agentError == nullptr) {
                    finishPairing(nullptr);
                } else if (agentError->getName() == "org.bluez.Error.Canceled") {
                    const auto error = bluezError("AuthenticationCanceled", "Authentication Canceled");
                    finishPairing(&error);
                } else {
                    const auto error = bluezError("AuthenticationRejected", "Authentication Rejected");
                    finishPairing(&error);
                }
            });
    };
    if (connected_ && !connecting_ && link_ == adapter) {
        authenticate(nullptr);
    } else {
        connect(adapter, authenticate);  // bluetoothd connects first when Pair() finds no link
    }
}

void VirtualCamera::finishPairing(const sdbus::Error* error) {
    if (!pairResult_) return;
    auto result = std::move(pairResult_);
    pairResult_.reset();
    if (error != nullptr) {
        spdlog::info("{}: pairing failed: {}", config().name(), error->getMessage());
        result->returnError(*error);
        return;
    }
    devices_[link_].paired = devices_[link_].bonded = true;
    emit({"Paired", "Bonded"});
    spdlog::info("{}: paired", config().name());
    result->returnResults();
}

void VirtualCamera::createGatt() {
    std::uint16_t handle = 0x000A;
    char name[32];
    for (const auto& service : protocol::services()) {
        std::snprintf(name, sizeof name, "/service%04x", handle++);
        const std::string servicePath = path(link_) + name;
        auto serviceObject = sdbus::createObject(bluez_.connection(), servicePath);
        serviceObject->registerProperty("UUID").onInterface(kServiceIface).withGetter([uuid = std::string(service.uuid)] {
            return uuid;
        });
        serviceObject->registerProperty("Primary").onInterface(kServiceIface).withGetter([] { return true; });
        serviceObject->registerProperty("Device").onInterface(kServiceIface).withGetter([device = path(link_)] {
            return sdbus::ObjectPath(device);
        });
        serviceObject->registerProperty("Includes").onInterface(kServiceIface).withGetter([] {
            return std::vector<sdbus::ObjectPath>{};
        });
        serviceObject->finishRegistration();
        serviceObject->emitInterfacesAddedSignal({kServiceIface});
        services_.push_back(std::move(serviceObject));

        for (const auto& info : protocol::characteristics()) {
            if (info.service != service.id) continue;
            std::snprintf(name, sizeof name, "/char%04x", handle);
            handle = static_cast<std::uint16_t>(handle + ((info.properties & (protocol::kNotify | protocol::kIndicate)) ? 3 : 2));
            auto gatt = std::make_unique<Gatt>();
            gatt->id = info.id;
            gatt->path = servicePath + name;
            gatt->object = sdbus::createObject(bluez_.connection(), gatt->path);
            Gatt* g = gatt.get();
            auto& o = *g->object;
            o.registerProperty("UUID").onInterface(kCharIface).withGetter([uuid = std::string(info.uuid)] { return uuid; });
            o.registerProperty("Service").onInterface(kCharIface).withGetter([servicePath] {
                return sdbus::ObjectPath(servicePath);
            });
            o.registerProperty("Value").onInterface(kCharIface).withGetter([g] { return g->value; });
            o.registerProperty("Flags").onInterface(kCharIface).withGetter([flags = flagsOf(info)] { return flags; });
            o.registerProperty("MTU").onInterface(kCharIface).withGetter([] { return kAttMtu; });
            const bool notifiable = (info.properties & (protocol::kNotify | protocol::kIndicate)) != 0;
            if (notifiable) {
                o.registerProperty("Notifying").onInterface(kCharIface).withGetter([g] {
                    return !g->notifySessions.empty();
                });
            }
            const protocol::CharacteristicInfo* ci = &info;
            o.registerMethod("ReadValue")
                .onInterface(kCharIface)
                .withInputParamNames("options")
                .withOutputParamNames("value")
                .implementedAs([this, g, ci](const std::map<std::string, sdbus::Variant>&) {
                    if (!(ci->properties & protocol::kRead)) throw bluezError("NotPermitted", "Read not permitted");
                    if (ci->encrypted && !devices_[link_].paired) throw notPaired();
                    auto value = camera_->read(ci->id);
                    if (!value) throw bluezError("Failed", "Operation failed with ATT error: 0x0e");
                    g->value = *value;
                    return g->value;
                });
            o.registerMethod("WriteValue")
                .onInterface(kCharIface)
                .withInputParamNames("value", "options")
                .implementedAs([this, ci](const std::vector<std::uint8_t>& value,
                                          const std::map<std::string, sdbus::Variant>& options) {
                    if (!(ci->properties & protocol::kWrite)) throw bluezError("NotPermitted", "Write not permitted");
                    if (auto offset = options.find("offset"); offset != options.end() && offset->second.get<std::uint16_t>() != 0) {
                        throw bluezError("InvalidOffset", "Invalid offset");
                    }
                    if (ci->encrypted && !devices_[link_].paired) throw notPaired();
                    camera_->write(ci->id, value);
                });
            o.registerMethod("StartNotify").onInterface(kCharIface).implementedAs([this, g, ci, notifiable] {
                if (!notifiable) throw notSupported();
                if (ci->encrypted && !devices_[link_].paired) throw notPaired();
                const std::string sender = senderOf(*g->object);
                if (g->notifySessions.contains(sender)) throw inProgress();
                g->notifySessions.insert(sender);
                if (g->notifySessions.size() == 1) g->object->emitPropertiesChangedSignal(kCharIface, {"Notifying"});
            });
            o.registerMethod("StopNotify").onInterface(kCharIface).implementedAs([g, notifiable] {
                if (!notifiable) throw notSupported();
                if (!g->notifySessions.erase(senderOf(*g->object))) {
                    throw bluezError("Failed", "No notify session started");
                }
                if (g->notifySessions.empty()) g->object->emitPropertiesChangedSignal(kCharIface, {"Notifying"});
            });
            o.finishRegistration();
            o.emitInterfacesAddedSignal({kCharIface});
            gatt_.push_back(std::move(gatt));
        }
    }
}

void VirtualCamera::destroyGatt(bool announce) {
    if (announce) {
        for (auto& gatt : gatt_) gatt->object->emitInterfacesRemovedSignal({kCharIface});
        for (auto& service : services_) service->emitInterfacesRemovedSignal({kServiceIface});
    }
    gatt_.clear();
    services_.clear();
}

void VirtualCamera::notify(protocol::Characteristic c, const protocol::Bytes& packet) {
    for (auto& gatt : gatt_) {
        if (gatt->id != c) continue;
        // Like a real camera, only a subscribed (CCCD-enabled) characteristic notifies.
        if (gatt->notifySessions.empty()) return;
        gatt->value = packet;
        gatt->object->emitPropertiesChangedSignal(kCharIface, {"Value"});
        return;
    }
}

}  // namespace goprod::sim
