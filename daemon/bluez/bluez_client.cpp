#include "daemon/bluez/bluez_client.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>

#include "daemon/bluez/errors.h"
#include "protocol/text.h"

namespace goprod::bluez {

namespace {

constexpr const char* kBluez = "org.bluez";
constexpr const char* kDbus = "org.freedesktop.DBus";
constexpr const char* kDbusPath = "/org/freedesktop/DBus";
constexpr const char* kObjectManagerIface = "org.freedesktop.DBus.ObjectManager";
constexpr const char* kPropertiesIface = "org.freedesktop.DBus.Properties";
constexpr const char* kAgentManagerIface = "org.bluez.AgentManager1";
constexpr const char* kAgentIface = "org.bluez.Agent1";
constexpr const char* kAdapterIface = "org.bluez.Adapter1";
constexpr const char* kDeviceIface = "org.bluez.Device1";
constexpr const char* kServiceIface = "org.bluez.GattService1";
constexpr const char* kCharIface = "org.bluez.GattCharacteristic1";
constexpr const char* kAgentManagerPath = "/org/bluez";
constexpr const char* kCapability = "NoInputNoOutput";
// GetManagedObjects failing while org.bluez is owned is bluetoothd being
// unwell; it is asked again after this long, for as long as it keeps the name.
constexpr std::chrono::seconds kReloadDelay{2};

// The names are constant for the match rules: the bus daemon resolves
// sender='org.bluez' to whoever owns it when a signal is sent, so the rules
// hold across bluetoothd restarts and are added once.
constexpr const char* kNameOwnerRule =
    "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
    "member='NameOwnerChanged',arg0='org.bluez'";
constexpr const char* kObjectManagerRule =
    "type='signal',sender='org.bluez',path='/',interface='org.freedesktop.DBus.ObjectManager'";
constexpr const char* kPropertiesRule =
    "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
    "path_namespace='/org/bluez'";

using Properties = std::map<std::string, sdbus::Variant>;
using Interfaces = std::map<std::string, Properties>;
using ManagedObjects = std::map<sdbus::ObjectPath, Interfaces>;
using Completion = std::function<void(core::Result<protocol::Bytes>)>;

template <class T>
std::optional<T> property(const Properties& props, const char* name) {
    const auto it = props.find(name);
    if (it == props.end()) return std::nullopt;
    try {
        if (!it->second.containsValueOfType<T>()) return std::nullopt;
        return it->second.get<T>();
    } catch (const sdbus::Error&) {
        return std::nullopt;
    }
}

std::string parentPath(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos || slash == 0 ? std::string("/") : path.substr(0, slash);
}

core::Error unavailable(std::string message) { return core::Error{core::Errc::Unavailable, std::move(message), {}}; }

core::Error fromSdbus(const sdbus::Error& error) { return fromDbusError(error.getName(), error.getMessage()); }

// D-Bus handlers run inside sd-bus's C code: an exception must never leave
// them (sdbus-c++ 1.2 catches none in match handlers, only sdbus::Error in
// reply and method handlers).
template <class Fn>
void guarded(const char* what, Fn&& fn) noexcept {
    try {
        fn();
    } catch (const std::exception& error) {
        try {
            spdlog::error("bluez: {} failed: {}", what, error.what());
        } catch (...) {
        }
    } catch (...) {
        try {
            spdlog::error("bluez: {} failed", what);
        } catch (...) {
        }
    }
}

}  // namespace

class BluezClient::Impl {
public:
    Impl(sdbus::IConnection& connection, core::Executor& executor, Options options);
    ~Impl();
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    void setObserver(core::BluezObserver* observer) { shared_->observer = observer; }

    void startDiscovery(const core::ObjectPath& adapter, const std::string& pattern, Completion done);
    void stopDiscovery(const core::ObjectPath& adapter, Completion done);
    void deviceCall(const core::ObjectPath& device, const char* method, const char* okError, Completion done);
    void connectDevice(const core::ObjectPath& device, Completion done);
    void pairDevice(const core::ObjectPath& device, Completion done);
    void setTrusted(const core::ObjectPath& device, bool trusted, Completion done);
    void removeDevice(const core::ObjectPath& adapter, const core::ObjectPath& device, Completion done);
    void startNotify(const core::ObjectPath& characteristic, Completion done);
    void write(const core::ObjectPath& characteristic, protocol::Bytes value, Completion done);
    void read(const core::ObjectPath& characteristic, Completion done);

private:
    // One call in flight. The proxy carries the sdbus-c++ pending call: while
    // it lives the reply handler may run; destroying it cancels the call.
    // `done` is the caller's completion, empty for the client's own calls.
    struct Pending {
        std::shared_ptr<sdbus::IProxy> proxy;
        Completion done;
    };
    struct Device {
        core::DeviceInfo info;
        std::string name;
        std::string alias;
    };
    // Shared with posted observer callbacks, which are dropped once the
    // client is gone.
    struct Shared {
        core::BluezObserver* observer = nullptr;
    };
    using Send = std::function<void(sdbus::IProxy& proxy, std::uint64_t id)>;

    void registerAgentObject();
    void onNameOwnerChanged(sdbus::Message& message);
    void onObjectManagerSignal(sdbus::Message& message);
    void onPropertiesChanged(sdbus::Message& message);
    void appear(const std::string& owner);
    void vanish();
    void loadObjects();
    void registerAgent();

    void addObjects(const ManagedObjects& objects);
    void addDevice(const std::string& path, const Properties& props);
    void addCharacteristic(const std::string& path, const Properties& props);
    void removeCharacteristic(const std::string& path);
    void removeDevice(const std::string& path);
    void removeAdapter(const std::string& path);
    void applyDevice(Device& device, const Properties& props, const std::vector<std::string>& invalidated);

    // Calls. begin() registers a pending call on `path` and lets `send` issue
    // it; the reply handler ends it with complete() (the caller's done is
    // posted) or release() (the client's own calls). A call ends exactly once:
    // whatever comes second finds no entry.
    void begin(const std::string& path, Completion done, const Send& send);
    std::shared_ptr<sdbus::IProxy> proxyFor(const std::string& path);
    void dropProxies(std::map<std::string, std::shared_ptr<sdbus::IProxy>> proxies);
    void beginInternal(const std::string& path, const Send& send);
    void complete(std::uint64_t id, core::Result<protocol::Bytes> result);
    void release(std::uint64_t id) { complete(id, protocol::Bytes{}); }
    void failAll(const core::Error& error);
    std::function<void(const sdbus::Error*)> voidReply(std::uint64_t id, const char* okError = nullptr);
    template <class Fn>
    void guardCall(std::uint64_t id, Fn&& fn) noexcept;

    void deliver(std::function<void(core::BluezObserver&)> fn);

    sdbus::IConnection& connection_;
    core::Executor& executor_;
    Options options_;
    std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();

    std::unique_ptr<sdbus::IObject> agent_;
    std::unique_ptr<sdbus::IProxy> dbus_;
    sdbus::Slot nameWatch_;
    sdbus::Slot objectsWatch_;
    sdbus::Slot propertiesWatch_;

    bool nameKnown_ = false;  // a NameOwnerChanged came: the GetNameOwner reply is stale
    bool present_ = false;    // org.bluez has an owner
    bool synced_ = false;     // GetManagedObjects answered since it appeared
    core::Executor::TimerId reloadTimer_ = 0;

    std::map<std::uint64_t, Pending> pending_;
    std::uint64_t nextCall_ = 1;

    std::map<std::string, core::AdapterInfo> adapters_;
    std::map<std::string, Device> devices_;
    std::map<std::string, std::string> serviceDevice_;  // GattService1 → its Device1
    std::map<std::string, core::CharacteristicInfo> characteristics_;
    std::set<std::string> notifying_;     // characteristics startNotify was called on
    // Characteristics get a call per packet (WriteValue): their proxies are made
    // once and kept until the characteristic goes or BlueZ leaves.
    std::map<std::string, std::shared_ptr<sdbus::IProxy>> characteristicProxies_;
    std::multiset<std::string> pairing_;  // devices whose Pair() is in flight: the agent says yes to these only
};

// ---------------------------------------------------------------- lifetime

BluezClient::Impl::Impl(sdbus::IConnection& connection, core::Executor& executor, Options options)
    : connection_(connection), executor_(executor), options_(std::move(options)) {
    options_.discoveryUuid = protocol::asciiLower(options_.discoveryUuid);
    registerAgentObject();
    // Subscribed before anything is asked, so that no change is missed
    // between an answer and the signals that follow it.
    nameWatch_ = connection_.addMatch(kNameOwnerRule, [this](sdbus::Message& message) {
        guarded("NameOwnerChanged", [&] { onNameOwnerChanged(message); });
    });
    objectsWatch_ = connection_.addMatch(kObjectManagerRule, [this](sdbus::Message& message) {
        guarded("ObjectManager signal", [&] { onObjectManagerSignal(message); });
    });
    propertiesWatch_ = connection_.addMatch(kPropertiesRule, [this](sdbus::Message& message) {
        guarded("PropertiesChanged", [&] { onPropertiesChanged(message); });
    });
    dbus_ = sdbus::createProxy(connection_, kDbus, kDbusPath);
    dbus_->callMethodAsync("GetNameOwner")
        .onInterface(kDbus)
        .withTimeout(options_.callTimeout)
        .withArguments(std::string(kBluez))
        .uponReplyInvoke([this](const sdbus::Error* error, std::string owner) {
            guarded("GetNameOwner reply", [&] {
                if (nameKnown_) return;
                nameKnown_ = true;
                if (error == nullptr) {
                    appear(owner);
                } else if (error->getName() == "org.freedesktop.DBus.Error.NameHasNoOwner") {
                    spdlog::info("bluez: waiting for org.bluez (bluetoothd) to appear on the bus");
                    // Not there at start: what needs it can say so instead of waiting.
                    deliver([](core::BluezObserver& o) { o.bluezAbsent(); });
                } else {
                    spdlog::warn("bluez: cannot ask who owns org.bluez ({}): waiting for it to change owner",
                                 error->getMessage());
                }
            });
        });
}

BluezClient::Impl::~Impl() {
    // No D-Bus handler of ours may run from here on: matches and proxies go
    // first, then the completions are posted.
    if (reloadTimer_ != 0) executor_.cancel(reloadTimer_);
    nameWatch_.reset();
    objectsWatch_.reset();
    propertiesWatch_.reset();
    dbus_.reset();
    characteristicProxies_.clear();  // those with a call in flight die in failAll()
    failAll(unavailable("BlueZ client destroyed"));
    agent_.reset();
    shared_->observer = nullptr;
}

void BluezClient::Impl::registerAgentObject() {
    agent_ = sdbus::createObject(connection_, options_.agentPath);
    auto& a = *agent_;
    // The camera pairs "just works": say yes to what asks for a yes, but only
    // for a device whose Pair() this client is making right now. Anything else
    // (a nearby device pairing with the host, a code the daemon cannot show or
    // type) is refused. sdbus-c++ turns a thrown sdbus::Error into the error reply.
    auto refuse = [](const char* method, const std::string& device, const char* why) {
        guarded("agent", [&] { spdlog::warn("bluez agent: refusing {} for {}: {}", method, device, why); });
        return sdbus::Error("org.bluez.Error.Rejected", std::string("goprod refuses ") + method + ": " + why);
    };
    auto approve = [this, refuse](const char* method, const std::string& device) {
        if (!pairing_.contains(device)) throw refuse(method, device, "goprod is not pairing this device");
        guarded("agent", [&] { spdlog::info("bluez agent: accepting {} for {}", method, device); });
    };
    a.registerMethod("Release").onInterface(kAgentIface).implementedAs([] {});
    a.registerMethod("RequestPinCode")
        .onInterface(kAgentIface)
        .withInputParamNames("device")
        .withOutputParamNames("pincode")
        .implementedAs([refuse](const sdbus::ObjectPath& device) -> std::string {
            throw refuse("RequestPinCode", device, "no input, no output");
        });
    a.registerMethod("DisplayPinCode")
        .onInterface(kAgentIface)
        .withInputParamNames("device", "pincode")
        .implementedAs([](const sdbus::ObjectPath&, const std::string&) {});
    a.registerMethod("RequestPasskey")
        .onInterface(kAgentIface)
        .withInputParamNames("device")
        .withOutputParamNames("passkey")
        .implementedAs([refuse](const sdbus::ObjectPath& device) -> std::uint32_t {
            throw refuse("RequestPasskey", device, "no input, no output");
        });
    a.registerMethod("DisplayPasskey")
        .onInterface(kAgentIface)
        .withInputParamNames("device", "passkey", "entered")
        .implementedAs([](const sdbus::ObjectPath&, const std::uint32_t&, const std::uint16_t&) {});
    a.registerMethod("RequestConfirmation")
        .onInterface(kAgentIface)
        .withInputParamNames("device", "passkey")
        .implementedAs([approve](const sdbus::ObjectPath& device, const std::uint32_t&) {
            approve("RequestConfirmation", device);
        });
    a.registerMethod("RequestAuthorization")
        .onInterface(kAgentIface)
        .withInputParamNames("device")
        .implementedAs([approve](const sdbus::ObjectPath& device) { approve("RequestAuthorization", device); });
    a.registerMethod("AuthorizeService")
        .onInterface(kAgentIface)
        .withInputParamNames("device", "uuid")
        .implementedAs(
            [approve](const sdbus::ObjectPath& device, const std::string&) { approve("AuthorizeService", device); });
    a.registerMethod("Cancel").onInterface(kAgentIface).implementedAs([] {});
    a.finishRegistration();
}

// ---------------------------------------------------------------- org.bluez comes and goes

void BluezClient::Impl::onNameOwnerChanged(sdbus::Message& message) {
    std::string name, oldOwner, newOwner;
    message >> name >> oldOwner >> newOwner;
    if (name != kBluez) return;
    nameKnown_ = true;
    if (present_ && !oldOwner.empty()) vanish();
    if (!newOwner.empty()) appear(newOwner);
}

void BluezClient::Impl::appear(const std::string& owner) {
    if (present_) vanish();
    present_ = true;
    synced_ = false;
    spdlog::info("bluez: org.bluez appeared ({})", owner);
    deliver([](core::BluezObserver& o) { o.bluezStarting(); });
    loadObjects();
    registerAgent();
}

void BluezClient::Impl::vanish() {
    present_ = false;
    synced_ = false;
    if (reloadTimer_ != 0) executor_.cancel(reloadTimer_);
    reloadTimer_ = 0;
    spdlog::warn("bluez: org.bluez left the bus");
    failAll(unavailable("org.bluez left the bus"));
    dropProxies(std::exchange(characteristicProxies_, {}));
    adapters_.clear();
    devices_.clear();
    serviceDevice_.clear();
    characteristics_.clear();
    notifying_.clear();
    deliver([](core::BluezObserver& o) { o.bluezVanished(); });
}

void BluezClient::Impl::loadObjects() {
    beginInternal("/", [this](sdbus::IProxy& proxy, std::uint64_t id) {
        proxy.callMethodAsync("GetManagedObjects")
            .onInterface(kObjectManagerIface)
            .withTimeout(options_.callTimeout)
            .uponReplyInvoke([this, id](const sdbus::Error* error, ManagedObjects objects) {
                guarded("GetManagedObjects reply", [&] {
                    release(id);
                    if (!present_ || synced_) return;
                    if (error != nullptr) {
                        spdlog::warn("bluez: GetManagedObjects failed ({}: {}); asking again", error->getName(),
                                     error->getMessage());
                        reloadTimer_ = executor_.at(executor_.now() + kReloadDelay, [this] {
                            reloadTimer_ = 0;
                            if (present_ && !synced_) loadObjects();
                        });
                        return;
                    }
                    addObjects(objects);
                    synced_ = true;
                    deliver([](core::BluezObserver& o) { o.bluezAppeared(); });
                });
            });
    });
}

// Registered, never made the default: bluetoothd asks the agent of the client
// that called Pair(), so goprod's own pairings reach it, and every other
// pairing with the host stays with the desktop's (default) agent.
void BluezClient::Impl::registerAgent() {
    beginInternal(kAgentManagerPath, [this](sdbus::IProxy& proxy, std::uint64_t id) {
        proxy.callMethodAsync("RegisterAgent")
            .onInterface(kAgentManagerIface)
            .withTimeout(options_.callTimeout)
            .withArguments(sdbus::ObjectPath(options_.agentPath), std::string(kCapability))
            .uponReplyInvoke([this, id](const sdbus::Error* error) {
                guarded("RegisterAgent reply", [&] {
                    release(id);
                    if (error != nullptr && error->getName() != "org.bluez.Error.AlreadyExists") {
                        spdlog::error("bluez: cannot register the pairing agent: {}: {}", error->getName(),
                                      error->getMessage());
                        return;
                    }
                    spdlog::info("bluez: pairing agent {} registered ({}, for goprod's own pairings only)",
                                 options_.agentPath, kCapability);
                });
            });
    });
}

// ---------------------------------------------------------------- objects

void BluezClient::Impl::addObjects(const ManagedObjects& objects) {
    // Parents before children, whatever the order of the map: observers see a
    // device before its characteristics.
    for (const auto& [path, interfaces] : objects) {
        const auto it = interfaces.find(kAdapterIface);
        if (it == interfaces.end()) continue;
        core::AdapterInfo adapter;
        adapter.path = path;
        if (auto v = property<std::string>(it->second, "Address")) adapter.address = *v;
        if (auto v = property<bool>(it->second, "Powered")) adapter.powered = *v;
        if (auto v = property<bool>(it->second, "Discovering")) adapter.discovering = *v;
        adapters_[path] = adapter;
        deliver([adapter](core::BluezObserver& o) { o.adapterChanged(adapter); });
    }
    for (const auto& [path, interfaces] : objects) {
        if (const auto it = interfaces.find(kDeviceIface); it != interfaces.end()) addDevice(path, it->second);
    }
    for (const auto& [path, interfaces] : objects) {
        const auto it = interfaces.find(kServiceIface);
        if (it == interfaces.end()) continue;
        serviceDevice_[path] = property<sdbus::ObjectPath>(it->second, "Device").value_or(parentPath(path));
    }
    for (const auto& [path, interfaces] : objects) {
        if (const auto it = interfaces.find(kCharIface); it != interfaces.end()) addCharacteristic(path, it->second);
    }
}

void BluezClient::Impl::addDevice(const std::string& path, const Properties& props) {
    Device device;
    device.info.path = path;
    device.info.adapter = parentPath(path);
    applyDevice(device, props, {});
    const core::DeviceInfo info = device.info;
    devices_[path] = std::move(device);
    deliver([info](core::BluezObserver& o) { o.deviceChanged(info); });
}

void BluezClient::Impl::applyDevice(Device& device, const Properties& props,
                                    const std::vector<std::string>& invalidated) {
    auto& info = device.info;
    if (auto v = property<std::string>(props, "Address")) info.address = *v;
    if (auto v = property<sdbus::ObjectPath>(props, "Adapter")) info.adapter = *v;
    if (auto v = property<std::string>(props, "Name")) device.name = *v;
    if (auto v = property<std::string>(props, "Alias")) device.alias = *v;
    if (auto v = property<bool>(props, "Paired")) info.paired = *v;
    if (auto v = property<bool>(props, "Trusted")) info.trusted = *v;
    if (auto v = property<bool>(props, "Connected")) info.connected = *v;
    if (auto v = property<bool>(props, "ServicesResolved")) info.servicesResolved = *v;
    if (auto v = property<std::int16_t>(props, "RSSI")) info.rssi = *v;
    if (auto v = property<std::vector<std::string>>(props, "UUIDs")) {
        info.uuids.clear();
        for (auto& uuid : *v) info.uuids.push_back(protocol::asciiLower(uuid));
    }
    // bluetoothd invalidates RSSI when it stops hearing the device.
    for (const auto& name : invalidated) {
        if (name == "RSSI") info.rssi.reset();
        if (name == "Name") device.name.clear();
    }
    info.name = !device.name.empty() ? device.name : device.alias;
}

void BluezClient::Impl::addCharacteristic(const std::string& path, const Properties& props) {
    core::CharacteristicInfo info;
    info.path = path;
    const std::string service = property<sdbus::ObjectPath>(props, "Service").value_or(parentPath(path));
    const auto owner = serviceDevice_.find(service);
    info.device = owner != serviceDevice_.end() ? owner->second : parentPath(service);
    info.uuid = protocol::asciiLower(property<std::string>(props, "UUID").value_or(""));
    info.flags = property<std::vector<std::string>>(props, "Flags").value_or(std::vector<std::string>{});
    characteristics_[path] = info;
    deliver([info](core::BluezObserver& o) { o.characteristicAdded(info); });
}

void BluezClient::Impl::removeCharacteristic(const std::string& path) {
    notifying_.erase(path);
    if (auto node = characteristicProxies_.extract(path)) {
        dropProxies({{path, std::move(node.mapped())}});
    }
    if (characteristics_.erase(path) == 0) return;
    deliver([path](core::BluezObserver& o) { o.characteristicRemoved(path); });
}

void BluezClient::Impl::removeDevice(const std::string& path) {
    // bluetoothd removes the GATT objects first; whatever is left goes with the device.
    std::vector<std::string> children;
    for (const auto& [charPath, info] : characteristics_) {
        if (info.device == path) children.push_back(charPath);
    }
    for (const auto& child : children) removeCharacteristic(child);
    std::erase_if(serviceDevice_, [&](const auto& entry) { return entry.second == path; });
    if (devices_.erase(path) == 0) return;
    deliver([path](core::BluezObserver& o) { o.deviceRemoved(path); });
}

void BluezClient::Impl::removeAdapter(const std::string& path) {
    std::vector<std::string> children;
    for (const auto& [devicePath, device] : devices_) {
        if (device.info.adapter == path) children.push_back(devicePath);
    }
    for (const auto& child : children) removeDevice(child);
    if (adapters_.erase(path) == 0) return;
    deliver([path](core::BluezObserver& o) { o.adapterRemoved(path); });
}

// Until GetManagedObjects answers, signals are ignored: bluetoothd sends them
// in order with the reply, so the reply already contains what they say.
void BluezClient::Impl::onObjectManagerSignal(sdbus::Message& message) {
    if (!synced_) return;
    const std::string member = message.getMemberName();
    if (member == "InterfacesAdded") {
        sdbus::ObjectPath path;
        Interfaces interfaces;
        message >> path >> interfaces;
        addObjects(ManagedObjects{{path, std::move(interfaces)}});
    } else if (member == "InterfacesRemoved") {
        sdbus::ObjectPath path;
        std::vector<std::string> interfaces;
        message >> path >> interfaces;
        auto has = [&](const char* name) {
            return std::find(interfaces.begin(), interfaces.end(), name) != interfaces.end();
        };
        if (has(kCharIface)) removeCharacteristic(path);
        if (has(kServiceIface)) serviceDevice_.erase(path);
        if (has(kDeviceIface)) removeDevice(path);
        if (has(kAdapterIface)) removeAdapter(path);
    }
}

void BluezClient::Impl::onPropertiesChanged(sdbus::Message& message) {
    if (!synced_) return;
    const std::string path = message.getPath();
    std::string interface;
    Properties changed;
    std::vector<std::string> invalidated;
    message >> interface >> changed >> invalidated;
    if (interface == kDeviceIface) {
        const auto it = devices_.find(path);
        if (it == devices_.end()) return;
        applyDevice(it->second, changed, invalidated);
        deliver([info = it->second.info](core::BluezObserver& o) { o.deviceChanged(info); });
    } else if (interface == kCharIface) {
        if (!notifying_.contains(path)) return;
        auto value = property<std::vector<std::uint8_t>>(changed, "Value");
        if (!value) return;
        deliver([path, value = std::move(*value)](core::BluezObserver& o) { o.notification(path, value); });
    } else if (interface == kAdapterIface) {
        const auto it = adapters_.find(path);
        if (it == adapters_.end()) return;
        auto& adapter = it->second;
        if (auto v = property<std::string>(changed, "Address")) adapter.address = *v;
        if (auto v = property<bool>(changed, "Powered")) adapter.powered = *v;
        if (auto v = property<bool>(changed, "Discovering")) adapter.discovering = *v;
        deliver([adapter](core::BluezObserver& o) { o.adapterChanged(adapter); });
    }
}

void BluezClient::Impl::deliver(std::function<void(core::BluezObserver&)> fn) {
    executor_.post([weak = std::weak_ptr<Shared>(shared_), fn = std::move(fn)] {
        const auto shared = weak.lock();
        if (shared && shared->observer != nullptr) fn(*shared->observer);
    });
}

// ---------------------------------------------------------------- calls

void BluezClient::Impl::begin(const std::string& path, Completion done, const Send& send) {
    if (!present_) {
        executor_.post([done = std::move(done)] { done(Unexpected{unavailable("org.bluez is not on the bus")}); });
        return;
    }
    const std::uint64_t id = nextCall_++;
    pending_.emplace(id, Pending{nullptr, std::move(done)});
    guardCall(id, [&] {
        auto proxy = proxyFor(path);
        pending_[id].proxy = proxy;
        send(*proxy, id);
    });
}

std::shared_ptr<sdbus::IProxy> BluezClient::Impl::proxyFor(const std::string& path) {
    if (!characteristics_.contains(path)) {
        return std::shared_ptr<sdbus::IProxy>(sdbus::createProxy(connection_, kBluez, path));
    }
    auto& proxy = characteristicProxies_[path];
    if (!proxy) proxy = std::shared_ptr<sdbus::IProxy>(sdbus::createProxy(connection_, kBluez, path));
    return proxy;
}

// A proxy may be inside its own reply handler right now: it dies in posted work
// (with the last pending call that holds it, whose reply handler then never runs).
void BluezClient::Impl::dropProxies(std::map<std::string, std::shared_ptr<sdbus::IProxy>> proxies) {
    if (proxies.empty()) return;
    executor_.post([proxies = std::move(proxies)] {});
}

void BluezClient::Impl::beginInternal(const std::string& path, const Send& send) {
    const std::uint64_t id = nextCall_++;
    pending_.emplace(id, Pending{nullptr, {}});
    try {
        auto proxy = std::shared_ptr<sdbus::IProxy>(sdbus::createProxy(connection_, kBluez, path));
        pending_[id].proxy = proxy;
        send(*proxy, id);
    } catch (const std::exception& error) {
        spdlog::error("bluez: cannot call org.bluez at {}: {}", path, error.what());
        release(id);
    }
}

template <class Fn>
void BluezClient::Impl::guardCall(std::uint64_t id, Fn&& fn) noexcept {
    try {
        fn();
    } catch (const sdbus::Error& error) {
        guarded("completion", [&] { complete(id, Unexpected{fromSdbus(error)}); });
    } catch (const std::exception& error) {
        guarded("completion", [&] { complete(id, Unexpected{core::Error{core::Errc::Internal, error.what(), {}}}); });
    } catch (...) {
        guarded("completion", [&] { complete(id, Unexpected{core::Error{core::Errc::Internal, "exception", {}}}); });
    }
}

void BluezClient::Impl::complete(std::uint64_t id, core::Result<protocol::Bytes> result) {
    const auto it = pending_.find(id);
    if (it == pending_.end()) return;
    Pending entry = std::move(it->second);
    pending_.erase(it);
    // The proxy may be inside its own reply handler right now (sdbus-c++
    // touches it after the handler returns), so it dies in the posted work.
    executor_.post(
        [proxy = std::move(entry.proxy), done = std::move(entry.done), result = std::move(result)]() mutable {
            if (done) done(std::move(result));
        });
}

void BluezClient::Impl::failAll(const core::Error& error) {
    pairing_.clear();  // the Pair() calls end here too: their reply handlers never run
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [id, entry] : pending) {
        entry.proxy.reset();  // cancels the call: its reply handler never runs
        if (entry.done) executor_.post([done = std::move(entry.done), error] { done(Unexpected{error}); });
    }
}

std::function<void(const sdbus::Error*)> BluezClient::Impl::voidReply(std::uint64_t id, const char* okError) {
    return [this, id, okError](const sdbus::Error* error) {
        guardCall(id, [&] {
            if (error == nullptr || (okError != nullptr && error->getName() == okError)) {
                complete(id, protocol::Bytes{});
            } else {
                complete(id, Unexpected{fromSdbus(*error)});
            }
        });
    };
}

void BluezClient::Impl::startDiscovery(const core::ObjectPath& adapter, const std::string& pattern,
                                       Completion done) {
    begin(adapter, std::move(done), [this, pattern](sdbus::IProxy& proxy, std::uint64_t id) {
        Properties filter{
            {"UUIDs", sdbus::Variant(std::vector<std::string>{options_.discoveryUuid})},
            {"Transport", sdbus::Variant(std::string("le"))},
        };
        if (!pattern.empty()) filter.emplace("Pattern", sdbus::Variant(pattern));
        proxy.callMethodAsync("SetDiscoveryFilter")
            .onInterface(kAdapterIface)
            .withTimeout(options_.callTimeout)
            .withArguments(filter)
            .uponReplyInvoke([this, id](const sdbus::Error* error) {
                guardCall(id, [&] {
                    const auto it = pending_.find(id);
                    if (it == pending_.end()) return;
                    if (error != nullptr) {
                        complete(id, Unexpected{fromSdbus(*error)});
                        return;
                    }
                    // InProgress: this client's discovery session already runs.
                    it->second.proxy->callMethodAsync("StartDiscovery")
                        .onInterface(kAdapterIface)
                        .withTimeout(options_.callTimeout)
                        .uponReplyInvoke(voidReply(id, "org.bluez.Error.InProgress"));
                });
            });
    });
}

void BluezClient::Impl::stopDiscovery(const core::ObjectPath& adapter, Completion done) {
    begin(adapter, std::move(done), [this](sdbus::IProxy& proxy, std::uint64_t id) {
        proxy.callMethodAsync("StopDiscovery")
            .onInterface(kAdapterIface)
            .withTimeout(options_.callTimeout)
            .uponReplyInvoke(voidReply(id));
    });
}

void BluezClient::Impl::deviceCall(const core::ObjectPath& device, const char* method, const char* okError,
                                   Completion done) {
    begin(device, std::move(done), [this, method, okError](sdbus::IProxy& proxy, std::uint64_t id) {
        proxy.callMethodAsync(method)
            .onInterface(kDeviceIface)
            .withTimeout(options_.callTimeout)
            .uponReplyInvoke(voidReply(id, okError));
    });
}

// bluetoothd answers Connect() once its ATT channel to the device is up. When
// that channel comes up before the kernel reports the link (bluetoothd 5.66 and
// later), bluetoothd finds the device "already connected" and never signals
// Connected=true, although it reads true: the reply is then the only word of it.
void BluezClient::Impl::connectDevice(const core::ObjectPath& device, Completion done) {
    begin(device, std::move(done), [this, device](sdbus::IProxy& proxy, std::uint64_t id) {
        proxy.callMethodAsync("Connect")
            .onInterface(kDeviceIface)
            .withTimeout(options_.callTimeout)
            .uponReplyInvoke([this, device, reply = voidReply(id, "org.bluez.Error.AlreadyConnected")](
                                 const sdbus::Error* error) {
                const auto it = devices_.find(device);
                if (error == nullptr && it != devices_.end() && !it->second.info.connected) {
                    it->second.info.connected = true;
                    deliver([info = it->second.info](core::BluezObserver& o) { o.deviceChanged(info); });
                }
                reply(error);
            });
    });
}

void BluezClient::Impl::pairDevice(const core::ObjectPath& device, Completion done) {
    begin(device, std::move(done), [this, device](sdbus::IProxy& proxy, std::uint64_t id) {
        proxy.callMethodAsync("Pair")
            .onInterface(kDeviceIface)
            .withTimeout(options_.callTimeout)
            .uponReplyInvoke(
                [this, device, reply = voidReply(id, "org.bluez.Error.AlreadyExists")](const sdbus::Error* error) {
                    if (const auto it = pairing_.find(device); it != pairing_.end()) pairing_.erase(it);
                    reply(error);
                });
        pairing_.insert(device);
    });
}

void BluezClient::Impl::setTrusted(const core::ObjectPath& device, bool trusted, Completion done) {
    begin(device, std::move(done), [this, trusted](sdbus::IProxy& proxy, std::uint64_t id) {
        proxy.callMethodAsync("Set")
            .onInterface(kPropertiesIface)
            .withTimeout(options_.callTimeout)
            .withArguments(std::string(kDeviceIface), std::string("Trusted"), sdbus::Variant(trusted))
            .uponReplyInvoke(voidReply(id));
    });
}

void BluezClient::Impl::removeDevice(const core::ObjectPath& adapter, const core::ObjectPath& device, Completion done) {
    begin(adapter, std::move(done), [this, device](sdbus::IProxy& proxy, std::uint64_t id) {
        proxy.callMethodAsync("RemoveDevice")
            .onInterface(kAdapterIface)
            .withTimeout(options_.callTimeout)
            .withArguments(sdbus::ObjectPath(device))
            .uponReplyInvoke(voidReply(id));
    });
}

void BluezClient::Impl::startNotify(const core::ObjectPath& characteristic, Completion done) {
    if (present_) notifying_.insert(characteristic);  // a notification may beat the reply
    begin(characteristic, std::move(done), [this, characteristic](sdbus::IProxy& proxy, std::uint64_t id) {
        proxy.callMethodAsync("StartNotify")
            .onInterface(kCharIface)
            .withTimeout(options_.callTimeout)
            .uponReplyInvoke([this, id, characteristic](const sdbus::Error* error) {
                guardCall(id, [&] {
                    // InProgress: this client already has a notify session (bluetoothd 5.66 says success).
                    if (error == nullptr || error->getName() == "org.bluez.Error.InProgress") {
                        complete(id, protocol::Bytes{});
                    } else {
                        notifying_.erase(characteristic);
                        complete(id, Unexpected{fromSdbus(*error)});
                    }
                });
            });
    });
}

void BluezClient::Impl::write(const core::ObjectPath& characteristic, protocol::Bytes value, Completion done) {
    begin(characteristic, std::move(done), [this, &value](sdbus::IProxy& proxy, std::uint64_t id) {
        const Properties options{{"type", sdbus::Variant(std::string("request"))}};
        proxy.callMethodAsync("WriteValue")
            .onInterface(kCharIface)
            .withTimeout(options_.callTimeout)
            .withArguments(value, options)
            .uponReplyInvoke(voidReply(id));
    });
}

void BluezClient::Impl::read(const core::ObjectPath& characteristic, Completion done) {
    begin(characteristic, std::move(done), [this](sdbus::IProxy& proxy, std::uint64_t id) {
        proxy.callMethodAsync("ReadValue")
            .onInterface(kCharIface)
            .withTimeout(options_.callTimeout)
            .withArguments(Properties{})
            .uponReplyInvoke([this, id](const sdbus::Error* error, std::vector<std::uint8_t> value) {
                guardCall(id, [&] {
                    if (error != nullptr) {
                        complete(id, Unexpected{fromSdbus(*error)});
                    } else {
                        complete(id, std::move(value));
                    }
                });
            });
    });
}

// ---------------------------------------------------------------- BluezClient

namespace {

Completion voidCompletion(core::BluezPort::Done done) {
    return [done = std::move(done)](core::Result<protocol::Bytes> result) {
        if (result) {
            done(core::Result<void>{});
        } else {
            done(Unexpected{result.error()});
        }
    };
}

}  // namespace

BluezClient::BluezClient(sdbus::IConnection& connection, core::Executor& executor, Options options)
    : impl_(std::make_unique<Impl>(connection, executor, std::move(options))) {}

BluezClient::~BluezClient() = default;

void BluezClient::setObserver(core::BluezObserver* observer) { impl_->setObserver(observer); }

void BluezClient::startDiscovery(const core::ObjectPath& adapter, const std::string& pattern, Done done) {
    impl_->startDiscovery(adapter, pattern, voidCompletion(std::move(done)));
}
void BluezClient::stopDiscovery(const core::ObjectPath& adapter, Done done) {
    impl_->stopDiscovery(adapter, voidCompletion(std::move(done)));
}
void BluezClient::connect(const core::ObjectPath& device, Done done) {
    impl_->connectDevice(device, voidCompletion(std::move(done)));
}
void BluezClient::disconnect(const core::ObjectPath& device, Done done) {
    impl_->deviceCall(device, "Disconnect", nullptr, voidCompletion(std::move(done)));
}
void BluezClient::pair(const core::ObjectPath& device, Done done) {
    impl_->pairDevice(device, voidCompletion(std::move(done)));
}
void BluezClient::setTrusted(const core::ObjectPath& device, bool trusted, Done done) {
    impl_->setTrusted(device, trusted, voidCompletion(std::move(done)));
}
void BluezClient::removeDevice(const core::ObjectPath& adapter, const core::ObjectPath& device, Done done) {
    impl_->removeDevice(adapter, device, voidCompletion(std::move(done)));
}
void BluezClient::startNotify(const core::ObjectPath& characteristic, Done done) {
    impl_->startNotify(characteristic, voidCompletion(std::move(done)));
}
void BluezClient::write(const core::ObjectPath& characteristic, protocol::Bytes value, Done done) {
    impl_->write(characteristic, std::move(value), voidCompletion(std::move(done)));
}
void BluezClient::read(const core::ObjectPath& characteristic, ReadDone done) {
    impl_->read(characteristic, std::move(done));
}

}  // namespace goprod::bluez
