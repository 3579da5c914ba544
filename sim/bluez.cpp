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

Bluez::Bluez(sdbus::IConnection& connection, EventLoop& loop, std::vector<CameraConfig> cameras,
             BluezOptions options)
    : connection_(connection), loop_(loop), options_(std::move(options)) {
    for (auto& config : cameras) cameras_.push_back(std::make_unique<VirtualCamera>(*this, std::move(config)));
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
    publishAdapter();
    // bluetoothd owns the name first and registers its objects after: InterfacesAdded for each.
    agentManager_->emitInterfacesAddedSignal({kAgentManagerIface});
    adapter_->emitInterfacesAddedSignal({kAdapterIface});
    // Bonded devices come back from storage, as bluetoothd loads them at start.
    for (auto& camera : cameras_) {
        if (camera->paired()) camera->publish(true);
    }
    spdlog::info("org.bluez acquired: adapter {} with {} camera(s) in range", options_.adapterAddress,
                 cameras_.size());
}

void Bluez::stop() {
    if (!running_) return;
    running_ = false;
    if (announceTimer_ != 0) loop_.cancel(announceTimer_);
    announceTimer_ = 0;
    clientWatch_.reset();
    // A clean exit unregisters every object before the name goes (gdbus flushes
    // InterfacesRemoved on unregister); links drop first.
    for (auto& camera : cameras_) {
        camera->linkLost("bluetoothd stopped");  // also a connection still being set up
        camera->unpublish(true);
    }
    adapter_->emitInterfacesRemovedSignal({kAdapterIface});
    agentManager_->emitInterfacesRemovedSignal({kAgentManagerIface});
    discoverySessions_.clear();
    filterAdmitsCameras_.clear();
    filterPattern_.clear();
    agents_.clear();
    defaultAgent_.clear();
    adapter_.reset();
    agentManager_.reset();
    root_.reset();
    connection_.releaseName(kBluezName);
    spdlog::info("org.bluez released: every object is gone");
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

void Bluez::publishAdapter() {
    adapter_ = sdbus::createObject(connection_, adapterPath());
    auto& a = *adapter_;
    a.registerProperty("Address").onInterface(kAdapterIface).withGetter([this] { return options_.adapterAddress; });
    a.registerProperty("AddressType").onInterface(kAdapterIface).withGetter([] { return std::string("public"); });
    a.registerProperty("Name").onInterface(kAdapterIface).withGetter([this] { return options_.adapterName; });
    a.registerProperty("Alias").onInterface(kAdapterIface).withGetter([this] { return options_.adapterName; });
    a.registerProperty("Class").onInterface(kAdapterIface).withGetter([] { return std::uint32_t{0}; });
    a.registerProperty("Powered")
        .onInterface(kAdapterIface)
        .withGetter([this] { return powered_; })
        .withSetter([this](const bool& on) { setPowered(on); });
    a.registerProperty("PowerState").onInterface(kAdapterIface).withGetter([this] {
        return std::string(powered_ ? "on" : "off");
    });
    a.registerProperty("Discoverable").onInterface(kAdapterIface).withGetter([] { return false; });
    a.registerProperty("DiscoverableTimeout").onInterface(kAdapterIface).withGetter([] { return std::uint32_t{180}; });
    a.registerProperty("Pairable").onInterface(kAdapterIface).withGetter([] { return true; });
    a.registerProperty("PairableTimeout").onInterface(kAdapterIface).withGetter([] { return std::uint32_t{0}; });
    a.registerProperty("Discovering").onInterface(kAdapterIface).withGetter([this] {
        return !discoverySessions_.empty();
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
    a.registerMethod("StartDiscovery").onInterface(kAdapterIface).implementedAs([this] {
        startDiscovery(senderOf(*adapter_));
    });
    a.registerMethod("StopDiscovery").onInterface(kAdapterIface).implementedAs([this] {
        stopDiscovery(senderOf(*adapter_));
    });
    a.registerMethod("SetDiscoveryFilter")
        .onInterface(kAdapterIface)
        .withInputParamNames("properties")
        .implementedAs([this](const std::map<std::string, sdbus::Variant>& filter) {
            setDiscoveryFilter(senderOf(*adapter_), filter);
        });
    a.registerMethod("GetDiscoveryFilters").onInterface(kAdapterIface).implementedAs([] {
        return std::vector<std::string>{"UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData",
                                         "Discoverable", "Pattern"};
    });
    a.registerMethod("RemoveDevice")
        .onInterface(kAdapterIface)
        .withInputParamNames("device")
        .implementedAs([this](const sdbus::ObjectPath& path) { removeDevice(path); });
    a.finishRegistration();
}

// As bluetoothd: an adapter powered off says so first, then its links drop and
// its discovery ends; it cannot scan until it is powered on again.
void Bluez::setPowered(bool on) {
    if (powered_ == on) return;
    powered_ = on;
    spdlog::info("adapter {} powered {}", options_.adapterAddress, on ? "on" : "off");
    adapter_->emitPropertiesChangedSignal(kAdapterIface, {"Powered", "PowerState"});
    if (on) return;
    for (auto& camera : cameras_) camera->linkLost("adapter powered off");
    if (announceTimer_ != 0) loop_.cancel(announceTimer_);
    announceTimer_ = 0;
    filterAdmitsCameras_.clear();
    if (!discoverySessions_.empty()) {
        discoverySessions_.clear();
        adapter_->emitPropertiesChangedSignal(kAdapterIface, {"Discovering"});
    }
}

void Bluez::startDiscovery(const std::string& sender) {
    if (!powered_) throw bluezError("NotReady", "Resource Not Ready");
    if (discoverySessions_.contains(sender)) throw inProgress();
    discoverySessions_.insert(sender);
    if (discoverySessions_.size() == 1) adapter_->emitPropertiesChangedSignal(kAdapterIface, {"Discovering"});
    // Cameras advertise continuously; the first reports arrive shortly after a scan starts.
    if (announceTimer_ != 0) loop_.cancel(announceTimer_);
    announceTimer_ = loop_.after(options_.discoveryDelay, [this] { announceCameras(); });
}

void Bluez::stopDiscovery(const std::string& sender) {
    if (!discoverySessions_.erase(sender)) throw bluezError("Failed", "No discovery started");
    filterAdmitsCameras_.erase(sender);  // a client's filter lasts until it stops discovering
    filterPattern_.erase(sender);
    if (discoverySessions_.empty()) {
        if (announceTimer_ != 0) loop_.cancel(announceTimer_);
        announceTimer_ = 0;
        adapter_->emitPropertiesChangedSignal(kAdapterIface, {"Discovering"});
    }
}

void Bluez::setDiscoveryFilter(const std::string& sender, const std::map<std::string, sdbus::Variant>& filter) {
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
    filterAdmitsCameras_[sender] = leOnly && admitsGoPro;
    filterPattern_[sender] = pattern;
}

bool Bluez::discoveryAdmits(const VirtualCamera& camera) const {
    return std::any_of(discoverySessions_.begin(), discoverySessions_.end(), [&](const std::string& sender) {
        const auto filter = filterAdmitsCameras_.find(sender);
        if (filter != filterAdmitsCameras_.end() && !filter->second) return false;
        // bluetoothd: the pattern is a prefix of the address or of the name.
        const auto pattern = filterPattern_.find(sender);
        return pattern == filterPattern_.end() || camera.config().address.starts_with(pattern->second) ||
               camera.config().name().starts_with(pattern->second);
    });
}

void Bluez::announceCameras() {
    announceTimer_ = 0;
    if (discoverySessions_.empty()) return;
    for (auto& camera : cameras_) {
        if (camera->connected() || !discoveryAdmits(*camera)) continue;  // a connected camera stops advertising
        if (camera->published()) {
            camera->advertised();  // cached device: bluetoothd updates RSSI and advertising data
        } else {
            camera->publish(true);
        }
    }
    // Advertising reports keep coming while the scan runs.
    announceTimer_ = loop_.after(kAdvertisingInterval, [this] { announceCameras(); });
}

void Bluez::clientGone(const std::string& sender) {
    if (!running_) return;
    filterAdmitsCameras_.erase(sender);
    filterPattern_.erase(sender);
    if (discoverySessions_.erase(sender) != 0 && discoverySessions_.empty()) {
        if (announceTimer_ != 0) loop_.cancel(announceTimer_);
        announceTimer_ = 0;
        adapter_->emitPropertiesChangedSignal(kAdapterIface, {"Discovering"});
    }
    const auto gone = std::remove_if(agents_.begin(), agents_.end(), [&](const Agent& agent) {
        return agent.sender == sender;
    });
    if (gone != agents_.end()) spdlog::info("agent of {} unregistered: it left the bus", sender);
    agents_.erase(gone, agents_.end());
    if (defaultAgent_ == sender) defaultAgent_.clear();
    for (auto& camera : cameras_) camera->clientGone(sender);
}

void Bluez::removeDevice(const sdbus::ObjectPath& path) {
    for (auto& camera : cameras_) {
        if (camera->published() && camera->path() == path) {
            camera->linkLost("device removed");  // also a connection still being set up
            camera->forgetBond();
            camera->unpublish(true);
            return;
        }
    }
    throw doesNotExist();
}

// ---------------------------------------------------------------- VirtualCamera

VirtualCamera::VirtualCamera(Bluez& bluez, CameraConfig config) : bluez_(bluez) {
    alias_ = config.name();
    Camera::Hooks hooks;
    hooks.notify = [this](protocol::Characteristic c, protocol::Bytes packet) { notify(c, packet); };
    hooks.dropLink = [this] { linkLost("camera dropped the link"); };
    camera_ = std::make_unique<Camera>(std::move(config), bluez.loop(), std::move(hooks));
    paired_ = bonded_ = trusted_ = bluez.options().startPaired;
}

VirtualCamera::~VirtualCamera() = default;

std::string VirtualCamera::path() const {
    std::string address = config().address;
    std::replace(address.begin(), address.end(), ':', '_');
    return bluez_.adapterPath() + "/dev_" + address;
}

void VirtualCamera::emit(const std::vector<std::string>& properties) {
    if (object_) object_->emitPropertiesChangedSignal(kDeviceIface, properties);
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

void VirtualCamera::publish(bool announce) {
    if (object_) return;
    object_ = sdbus::createObject(bluez_.connection(), path());
    auto& d = *object_;
    d.registerProperty("Address").onInterface(kDeviceIface).withGetter([this] { return config().address; });
    d.registerProperty("AddressType").onInterface(kDeviceIface).withGetter([] { return std::string("public"); });
    d.registerProperty("Name").onInterface(kDeviceIface).withGetter([this] { return config().name(); });
    d.registerProperty("Alias")
        .onInterface(kDeviceIface)
        .withGetter([this] { return alias_; })
        .withSetter([this](const std::string& alias) {
            alias_ = alias.empty() ? config().name() : alias;
            emit({"Alias"});
        });
    d.registerProperty("Appearance").onInterface(kDeviceIface).withGetter([] { return std::uint16_t{0x0080}; });
    d.registerProperty("Paired").onInterface(kDeviceIface).withGetter([this] { return paired_; });
    d.registerProperty("Bonded").onInterface(kDeviceIface).withGetter([this] { return bonded_; });
    d.registerProperty("Trusted")
        .onInterface(kDeviceIface)
        .withGetter([this] { return trusted_; })
        .withSetter([this](const bool& trusted) {
            trusted_ = trusted;
            emit({"Trusted"});
        });
    d.registerProperty("Blocked").onInterface(kDeviceIface).withGetter([] { return false; });
    d.registerProperty("LegacyPairing").onInterface(kDeviceIface).withGetter([] { return false; });
    d.registerProperty("RSSI").onInterface(kDeviceIface).withGetter([this] { return rssi_; });
    d.registerProperty("Connected").onInterface(kDeviceIface).withGetter([this] { return connected_; });
    d.registerProperty("ServicesResolved").onInterface(kDeviceIface).withGetter([this] { return servicesResolved_; });
    d.registerProperty("UUIDs").onInterface(kDeviceIface).withGetter([this] {
        std::vector<std::string> uuids{std::string(protocol::kControlAndQueryServiceUuid)};
        if (servicesResolved_) {
            for (const auto& service : protocol::services()) {
                if (service.uuid != protocol::kControlAndQueryServiceUuid) uuids.emplace_back(service.uuid);
            }
        }
        return uuids;
    });
    d.registerProperty("Adapter").onInterface(kDeviceIface).withGetter([this] {
        return sdbus::ObjectPath(bluez_.adapterPath());
    });
    d.registerProperty("ManufacturerData").onInterface(kDeviceIface).withGetter([this] { return manufacturerData(); });
    d.registerProperty("ServiceData").onInterface(kDeviceIface).withGetter([this] { return serviceData(); });
    d.registerProperty("WakeAllowed").onInterface(kDeviceIface).withGetter([] { return false; });

    d.registerMethod("Connect").onInterface(kDeviceIface).implementedAs([this](sdbus::Result<>&& result) {
        if (connected_) throw bluezError("AlreadyConnected", "Already Connected");
        if (!bluez_.powered()) throw bluezError("NotReady", "Resource Not Ready");
        auto shared = std::make_shared<sdbus::Result<>>(std::move(result));
        connect([shared](const sdbus::Error* error) {
            if (error != nullptr) {
                shared->returnError(*error);
            } else {
                shared->returnResults();
            }
        });
    });
    d.registerMethod("Disconnect").onInterface(kDeviceIface).implementedAs([this](sdbus::Result<>&& result) {
        if (!connected_ && !connecting_) throw notConnected();
        auto shared = std::make_shared<sdbus::Result<>>(std::move(result));
        linkLost("disconnected by the client", [shared] { shared->returnResults(); });
    });
    d.registerMethod("ConnectProfile").onInterface(kDeviceIface).withInputParamNames("UUID").implementedAs(
        [](const std::string&) { throw notSupported(); });
    d.registerMethod("DisconnectProfile").onInterface(kDeviceIface).withInputParamNames("UUID").implementedAs(
        [](const std::string&) { throw notSupported(); });
    d.registerMethod("Pair").onInterface(kDeviceIface).implementedAs([this](sdbus::Result<>&& result) {
        pair(std::move(result), senderOf(*object_));
    });
    d.registerMethod("CancelPairing").onInterface(kDeviceIface).implementedAs([this] {
        if (!pairResult_) throw doesNotExist();
        const auto error = bluezError("AuthenticationCanceled", "Authentication Canceled");
        finishPairing(&error);
    });
    d.finishRegistration();
    if (announce) object_->emitInterfacesAddedSignal({kDeviceIface});
    spdlog::info("{} ({}) is {}", config().name(), config().address, paired_ ? "known (bonded)" : "advertising");
}

void VirtualCamera::clientGone(const std::string& sender) {
    for (auto& gatt : gatt_) {
        if (gatt->notifySessions.erase(sender) != 0 && gatt->notifySessions.empty()) {
            gatt->object->emitPropertiesChangedSignal(kCharIface, {"Notifying"});
        }
    }
}

void VirtualCamera::advertised() {
    rssi_ = static_cast<std::int16_t>(rssi_ == -55 ? -56 : -55);  // a fresh report, a slightly different RSSI
    emit({"RSSI", "ManufacturerData", "ServiceData"});
}

void VirtualCamera::unpublish(bool announce) {
    if (!object_) return;
    destroyGatt(announce);
    if (announce) object_->emitInterfacesRemovedSignal({kDeviceIface});
    object_.reset();
}

void VirtualCamera::connect(std::function<void(const sdbus::Error*)> done) {
    connectWaiters_.push_back(std::move(done));
    if (connecting_) return;
    connecting_ = true;
    const std::uint64_t generation = ++linkGeneration_;
    const auto delay = bluez_.options().connectDelay;
    bluez_.loop().after(delay, [this, generation, delay] {
        if (generation != linkGeneration_ || !connecting_) return;
        if (failConnections_ > 0) {
            // bluetoothd's answer when the LE connection does not come up.
            --failConnections_;
            connecting_ = false;
            const auto error = bluezError("Failed", "le-connection-abort-by-local");
            auto waiters = std::move(connectWaiters_);
            connectWaiters_.clear();
            for (auto& waiter : waiters) waiter(&error);
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
void VirtualCamera::linkLost(const char* reason, const std::function<void()>& answerDisconnect) {
    if (!connected_ && !connecting_) return;
    ++linkGeneration_;
    spdlog::info("{}: link down ({})", config().name(), reason);
    connecting_ = false;
    const bool wasResolved = servicesResolved_;
    servicesResolved_ = false;
    if (wasResolved) emit({"ServicesResolved"});
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
        emit({"Connected"});
    }
    camera_->disconnected();
}

void VirtualCamera::pair(sdbus::Result<>&& result, const std::string& sender) {
    if (paired_) {
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
            .withArguments(sdbus::ObjectPath(path()))
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
    if (connected_ && !connecting_) {
        authenticate(nullptr);
    } else {
        connect(authenticate);  // bluetoothd connects first when Pair() finds no link
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
    paired_ = bonded_ = true;
    emit({"Paired", "Bonded"});
    spdlog::info("{}: paired", config().name());
    result->returnResults();
}

void VirtualCamera::createGatt() {
    std::uint16_t handle = 0x000A;
    char name[32];
    for (const auto& service : protocol::services()) {
        std::snprintf(name, sizeof name, "/service%04x", handle++);
        const std::string servicePath = path() + name;
        auto serviceObject = sdbus::createObject(bluez_.connection(), servicePath);
        serviceObject->registerProperty("UUID").onInterface(kServiceIface).withGetter([uuid = std::string(service.uuid)] {
            return uuid;
        });
        serviceObject->registerProperty("Primary").onInterface(kServiceIface).withGetter([] { return true; });
        serviceObject->registerProperty("Device").onInterface(kServiceIface).withGetter([this] {
            return sdbus::ObjectPath(path());
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
                    if (ci->encrypted && !paired_) throw notPaired();
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
                    if (ci->encrypted && !paired_) throw notPaired();
                    camera_->write(ci->id, value);
                });
            o.registerMethod("StartNotify").onInterface(kCharIface).implementedAs([this, g, ci, notifiable] {
                if (!notifiable) throw notSupported();
                if (ci->encrypted && !paired_) throw notPaired();
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
