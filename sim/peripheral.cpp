#include "sim/peripheral.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include <spdlog/spdlog.h>

#include "protocol/gatt.h"
#include "sim/bluez_names.h"

namespace goprod::sim {

namespace {

// GattCharacteristic1.Flags for a GATT server: the protected characteristics
// need an encrypted link, which bluetoothd and the kernel enforce.
std::vector<std::string> serverFlags(const protocol::CharacteristicInfo& info) {
    std::vector<std::string> flags;
    const bool encrypted = info.encrypted;
    if (info.properties & protocol::kRead) flags.emplace_back(encrypted ? "encrypt-read" : "read");
    if (info.properties & protocol::kWrite) flags.emplace_back(encrypted ? "encrypt-write" : "write");
    if (info.properties & protocol::kNotify) flags.emplace_back(encrypted ? "encrypt-notify" : "notify");
    if (info.properties & protocol::kIndicate) flags.emplace_back(encrypted ? "encrypt-indicate" : "indicate");
    return flags;
}

template <typename T>
const T* option(const std::map<std::string, sdbus::Variant>& options, const char* key, T& storage) {
    const auto it = options.find(key);
    if (it == options.end()) return nullptr;
    try {
        storage = it->second.get<T>();
    } catch (const sdbus::Error&) {
        return nullptr;
    }
    return &storage;
}

}  // namespace

struct Peripheral::Characteristic {
    protocol::Characteristic id;
    std::unique_ptr<sdbus::IObject> object;
    std::vector<std::uint8_t> value;
    bool notifying = false;  // bluetoothd called StartNotify: a central enabled its CCC descriptor
};

Peripheral::Peripheral(sdbus::IConnection& connection, EventLoop& loop, CameraConfig config, PeripheralOptions options)
    : connection_(connection), loop_(loop), options_(std::move(options)) {
    Camera::Hooks hooks;
    hooks.notify = [this](protocol::Characteristic c, protocol::Bytes packet) { notify(c, packet); };
    hooks.dropLink = [this] { dropLink(); };
    camera_ = std::make_unique<Camera>(std::move(config), loop_, std::move(hooks));
}

Peripheral::~Peripheral() { stop(); }

void Peripheral::start() {
    if (running_) return;
    running_ = true;
    publishGatt();
    publishAdvertisement();
    publishAgent();
    const std::string adapter = adapterPath();
    // bluetoothd (re)starting: register again with the new one.
    watches_.push_back(connection_.addMatch(
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',"
        "arg0='org.bluez'",
        [this](sdbus::Message& message) {
            std::string name, oldOwner, newOwner;
            message >> name >> oldOwner >> newOwner;
            if (!oldOwner.empty()) bluezVanished();
            if (!newOwner.empty()) bluezAppeared();
        }));
    // Centrals coming and going on our adapter.
    watches_.push_back(connection_.addMatch(
        "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
        "path_namespace='" +
            adapter + "'",
        [this](sdbus::Message& message) {
            std::string iface;
            std::map<std::string, sdbus::Variant> changed;
            message >> iface >> changed;
            if (iface == kDeviceIface) deviceChanged(message.getPath(), changed);
        }));
    watches_.push_back(connection_.addMatch(
        "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesAdded'",
        [this, adapter](sdbus::Message& message) {
            sdbus::ObjectPath path;
            std::map<std::string, std::map<std::string, sdbus::Variant>> interfaces;
            message >> path >> interfaces;
            const auto device = interfaces.find(kDeviceIface);
            if (device != interfaces.end() && path.rfind(adapter + "/", 0) == 0) deviceChanged(path, device->second);
        }));
    watches_.push_back(connection_.addMatch(
        "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesRemoved'",
        [this](sdbus::Message& message) {
            sdbus::ObjectPath path;
            std::vector<std::string> interfaces;
            message >> path >> interfaces;
            if (std::find(interfaces.begin(), interfaces.end(), kDeviceIface) != interfaces.end()) centralGone(path);
        }));
    // Whether bluetoothd runs already: ask the bus (asynchronously, as everything here).
    busProxy_ = sdbus::createProxy(connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    busProxy_->callMethodAsync("NameHasOwner")
        .onInterface("org.freedesktop.DBus")
        .withArguments(std::string(kBluezName))
        .uponReplyInvoke([this](const sdbus::Error* error, bool hasOwner) {
            if (error == nullptr && hasOwner && running_) bluezAppeared();
            if (error == nullptr && !hasOwner) {
                spdlog::info("waiting for bluetoothd (org.bluez) to appear on the bus");
            }
        });
    refreshTimer_ = loop_.after(options_.advertisingRefresh, [this] { refreshAdvertising(); });
}

void Peripheral::stop() {
    if (!running_) return;
    running_ = false;
    if (refreshTimer_ != 0) loop_.cancel(refreshTimer_);
    refreshTimer_ = 0;
    dropLink();
    centrals_.clear();
    camera_->disconnected();
    if (bluezPresent_ && adapter_) {
        // Fire and forget: the objects go away now, and bluetoothd drops an
        // application or advertisement whose objects vanished anyway.
        adapter_->callMethodAsync("UnregisterAdvertisement")
            .onInterface(kAdvertisingManagerIface)
            .withArguments(sdbus::ObjectPath(kAdvertisementPath))
            .uponReplyInvoke([](const sdbus::Error*) {});
        adapter_->callMethodAsync("UnregisterApplication")
            .onInterface(kGattManagerIface)
            .withArguments(sdbus::ObjectPath(kApplicationPath))
            .uponReplyInvoke([](const sdbus::Error*) {});
    }
    watches_.clear();
    applicationState_ = advertisementState_ = Registration::None;
    characteristics_.clear();
    services_.clear();
    application_.reset();
    advertisement_.reset();
    agent_.reset();
    agentManager_.reset();
    bluezPresent_ = false;
    ++bluezGeneration_;
    spdlog::info("{}: peripheral stopped", config().name());
}

bool Peripheral::paired() const {
    for (const auto& [path, central] : centrals_) {
        if (central.paired) return true;
    }
    return false;
}

void Peripheral::dropLink() {
    if (!disconnecting_.empty()) return;  // already under way
    for (const auto& [path, central] : centrals_) {
        auto device = sdbus::createProxy(connection_, kBluezName, path);
        sdbus::IProxy* raw = device.get();
        device->callMethodAsync("Disconnect")
            .onInterface(kDeviceIface)
            .uponReplyInvoke([this, raw, path = path](const sdbus::Error* error) {
                if (error != nullptr) spdlog::warn("disconnecting {}: {}", path, error->getMessage());
                disconnectAnswered(raw);
            });
        disconnecting_.push_back(std::move(device));
    }
}

void Peripheral::disconnectAnswered(sdbus::IProxy* device) {
    // Not from inside the proxy's own callback: destroy it on the next loop turn.
    loop_.after(std::chrono::milliseconds(0), [this, device] {
        std::erase_if(disconnecting_, [device](const auto& proxy) { return proxy.get() == device; });
        if (disconnecting_.empty() && whenDisconnected_) std::exchange(whenDisconnected_, nullptr)();
    });
}

void Peripheral::powerOff(std::chrono::milliseconds bound, std::function<void()> done) {
    // Links first, registrations after: unregistering while a central is
    // connected would make bluetoothd announce a changed GATT database to it.
    auto finish = [this, done = std::move(done)] {
        stop();
        done();
    };
    dropLink();
    if (disconnecting_.empty()) {
        finish();
        return;
    }
    whenDisconnected_ = std::move(finish);
    loop_.after(bound, [this] {
        if (whenDisconnected_) std::exchange(whenDisconnected_, nullptr)();
    });
}

void Peripheral::setRefusePairing(bool) {
    throw sdbus::Error("org.freedesktop.DBus.Error.NotSupported",
                       "peripheral mode: bluetoothd does the pairing, the camera cannot refuse it");
}

void Peripheral::hideNextConnected() {
    throw sdbus::Error("org.freedesktop.DBus.Error.NotSupported",
                       "peripheral mode: bluetoothd signals the central's Connected property");
}

void Peripheral::failConnections(std::uint32_t) {
    throw sdbus::Error("org.freedesktop.DBus.Error.NotSupported",
                       "peripheral mode: bluetoothd makes the connection, the camera cannot fail it");
}

// ---------------------------------------------------------------- bluetoothd

void Peripheral::bluezAppeared() {
    if (!running_ || bluezPresent_) return;
    bluezPresent_ = true;
    ++bluezGeneration_;
    applicationState_ = advertisementState_ = Registration::None;
    adapter_ = sdbus::createProxy(connection_, kBluezName, adapterPath());
    // The central reads the GAP Device Name after connecting and bluetoothd
    // renames its Device1 after it: make it the camera's name too.
    adapter_->callMethodAsync("Set")
        .onInterface(kPropertiesIface)
        .withArguments(std::string(kAdapterIface), std::string("Alias"), sdbus::Variant(config().name()))
        .uponReplyInvoke([this](const sdbus::Error* error) {
            if (error != nullptr) {
                spdlog::error("adapter {} not usable: {} ({})", options_.adapter, error->getMessage(),
                              error->getName());
            }
        });
    registerAgent();
    registerApplication();
    registerAdvertisement();
}

void Peripheral::registerAgent() {
    // A camera accepts just-works pairing from whoever connects. bluetoothd asks
    // the default agent to authorize an incoming pairing: be one, so that a
    // central without an agent of its own (bleak) can pair. goprod's agent
    // never asks to be the default: it answers only goprod's own Pair().
    auto manager = std::shared_ptr<sdbus::IProxy>(sdbus::createProxy(connection_, kBluezName, "/org/bluez"));
    agentManager_ = manager;
    manager->callMethodAsync("RegisterAgent")
        .onInterface(kAgentManagerIface)
        .withArguments(sdbus::ObjectPath(kAgentPath), std::string("NoInputNoOutput"))
        .uponReplyInvoke([this, generation = bluezGeneration_](const sdbus::Error* error) {
            if (generation != bluezGeneration_ || !agentManager_) return;
            if (error != nullptr && error->getName() != "org.bluez.Error.AlreadyExists") {
                spdlog::warn("no pairing agent: {}", error->getMessage());
                return;
            }
            agentManager_->callMethodAsync("RequestDefaultAgent")
                .onInterface(kAgentManagerIface)
                .withArguments(sdbus::ObjectPath(kAgentPath))
                .uponReplyInvoke([](const sdbus::Error* e) {
                    if (e != nullptr) spdlog::warn("pairing agent is not the default: {}", e->getMessage());
                });
        });
}

void Peripheral::bluezVanished() {
    if (!bluezPresent_) return;
    spdlog::info("bluetoothd left the bus: links and registrations are gone");
    bluezPresent_ = false;
    ++bluezGeneration_;
    applicationState_ = advertisementState_ = Registration::None;
    if (!centrals_.empty()) {
        centrals_.clear();
        camera_->disconnected();
    }
}

void Peripheral::registerApplication() {
    if (!bluezPresent_ || applicationState_ != Registration::None) return;
    applicationState_ = Registration::Pending;
    // Asynchronous: bluetoothd calls our GetManagedObjects before it answers.
    adapter_->callMethodAsync("RegisterApplication")
        .onInterface(kGattManagerIface)
        .withArguments(sdbus::ObjectPath(kApplicationPath), std::map<std::string, sdbus::Variant>{})
        .uponReplyInvoke([this, generation = bluezGeneration_](const sdbus::Error* error) {
            if (generation != bluezGeneration_) return;
            if (error != nullptr) {
                applicationState_ = Registration::None;  // the refresh tick tries again
                logOnce("cannot register the GATT application", *error);
                return;
            }
            applicationState_ = Registration::Done;
            lastError_.clear();
            spdlog::info("{}: GATT services registered on {}", config().name(), options_.adapter);
        });
}

// Failures repeat every refresh tick: log each new one once.
void Peripheral::logOnce(const char* what, const sdbus::Error& error) {
    std::string text = error.getName() + ": " + error.getMessage();
    if (text != lastError_) spdlog::error("{} on {}: {}", what, options_.adapter, text);
    lastError_ = std::move(text);
}

void Peripheral::refreshAdvertising() {
    refreshTimer_ = loop_.after(options_.advertisingRefresh, [this] { refreshAdvertising(); });
    if (!bluezPresent_) return;
    registerApplication();  // again, if an earlier attempt failed
    if (connected()) return;
    if (advertisementState_ == Registration::Done) {
        unregisterAdvertisement([this] { registerAdvertisement(); });
    } else {
        registerAdvertisement();
    }
}

void Peripheral::registerAdvertisement() {
    if (!bluezPresent_ || connected() || advertisementState_ != Registration::None) return;
    advertisementState_ = Registration::Pending;
    adapter_->callMethodAsync("RegisterAdvertisement")
        .onInterface(kAdvertisingManagerIface)
        .withArguments(sdbus::ObjectPath(kAdvertisementPath), std::map<std::string, sdbus::Variant>{})
        .uponReplyInvoke([this, generation = bluezGeneration_](const sdbus::Error* error) {
            if (generation != bluezGeneration_) return;
            if (error != nullptr) {
                advertisementState_ = Registration::None;
                logOnce("cannot advertise", *error);
                return;
            }
            advertisementState_ = Registration::Done;
            spdlog::debug("{}: advertising on {}", config().name(), options_.adapter);
            if (connected()) unregisterAdvertisement();  // a central came meanwhile
        });
}

void Peripheral::unregisterAdvertisement(std::function<void()> then) {
    if (!bluezPresent_ || advertisementState_ != Registration::Done) return;
    advertisementState_ = Registration::Pending;
    adapter_->callMethodAsync("UnregisterAdvertisement")
        .onInterface(kAdvertisingManagerIface)
        .withArguments(sdbus::ObjectPath(kAdvertisementPath))
        .uponReplyInvoke([this, then = std::move(then), generation = bluezGeneration_](const sdbus::Error*) {
            if (generation != bluezGeneration_) return;
            // An error means bluetoothd no longer has it (it released it): gone either way.
            advertisementState_ = Registration::None;
            if (then) then();
        });
}

// ---------------------------------------------------------------- centrals

void Peripheral::deviceChanged(const std::string& path, const std::map<std::string, sdbus::Variant>& properties) {
    if (const auto it = properties.find("Connected"); it != properties.end()) {
        if (it->second.get<bool>()) {
            linkUp(path);
        } else {
            centralGone(path);
        }
    }
    if (const auto it = properties.find("Paired"); it != properties.end()) {
        if (const auto central = centrals_.find(path); central != centrals_.end()) {
            central->second.paired = it->second.get<bool>();
        }
    }
}

void Peripheral::linkUp(const std::string& device) {
    if (centrals_.contains(device)) return;
    const bool first = centrals_.empty();
    centrals_[device] = Central{};
    spdlog::info("{}: central {} connected", config().name(), device);
    if (first) camera_->connected();
    unregisterAdvertisement();  // a camera with a central stops advertising
}

void Peripheral::centralGone(const std::string& path) {
    if (centrals_.erase(path) == 0) return;
    spdlog::info("{}: central {} disconnected", config().name(), path);
    if (centrals_.empty()) camera_->disconnected();
}

void Peripheral::notify(protocol::Characteristic c, const protocol::Bytes& packet) {
    for (auto& characteristic : characteristics_) {
        if (characteristic->id != c) continue;
        if (!characteristic->notifying) return;  // no central subscribed: the packet goes nowhere
        characteristic->value = packet;
        characteristic->object->emitPropertiesChangedSignal(kCharIface, {"Value"});
        return;
    }
}

// ---------------------------------------------------------------- objects

void Peripheral::publishGatt() {
    application_ = sdbus::createObject(connection_, kApplicationPath);
    application_->addObjectManager();
    char name[32];
    int serviceIndex = 0;
    for (const auto& service : protocol::services()) {
        std::snprintf(name, sizeof name, "/service%d", serviceIndex++);
        const std::string servicePath = std::string(kApplicationPath) + name;
        auto serviceObject = sdbus::createObject(connection_, servicePath);
        serviceObject->registerProperty("UUID")
            .onInterface(kServiceIface)
            .withGetter([uuid = std::string(service.uuid)] { return uuid; });
        serviceObject->registerProperty("Primary").onInterface(kServiceIface).withGetter([] { return true; });
        serviceObject->finishRegistration();
        services_.push_back(std::move(serviceObject));

        int charIndex = 0;
        for (const auto& info : protocol::characteristics()) {
            if (info.service != service.id) continue;
            std::snprintf(name, sizeof name, "/char%d", charIndex++);
            auto characteristic = std::make_unique<Characteristic>();
            characteristic->id = info.id;
            characteristic->object = sdbus::createObject(connection_, servicePath + name);
            Characteristic* ch = characteristic.get();
            const protocol::CharacteristicInfo* ci = &info;
            auto& o = *ch->object;
            o.registerProperty("UUID").onInterface(kCharIface).withGetter([uuid = std::string(info.uuid)] {
                return uuid;
            });
            // An object path, not a string: bluetoothd ignores the characteristic otherwise.
            o.registerProperty("Service").onInterface(kCharIface).withGetter([servicePath] {
                return sdbus::ObjectPath(servicePath);
            });
            o.registerProperty("Flags").onInterface(kCharIface).withGetter([flags = serverFlags(info)] {
                return flags;
            });
            o.registerProperty("Value").onInterface(kCharIface).withGetter([ch] { return ch->value; });
            const bool notifiable = (info.properties & (protocol::kNotify | protocol::kIndicate)) != 0;
            if (notifiable) {
                o.registerProperty("Notifying").onInterface(kCharIface).withGetter([ch] { return ch->notifying; });
            }
            o.registerMethod("ReadValue")
                .onInterface(kCharIface)
                .withInputParamNames("options")
                .withOutputParamNames("value")
                .implementedAs([this, ch, ci](const std::map<std::string, sdbus::Variant>& options) {
                    if (!(ci->properties & protocol::kRead)) throw bluezError("NotPermitted", "Read not permitted");
                    auto value = camera_->read(ci->id);
                    if (!value) throw bluezError("Failed", "Read failed");
                    ch->value = *value;
                    std::uint16_t offset = 0;
                    option(options, "offset", offset);
                    if (offset > ch->value.size()) throw bluezError("InvalidOffset", "Invalid offset");
                    return std::vector<std::uint8_t>(ch->value.begin() + offset, ch->value.end());
                });
            o.registerMethod("WriteValue")
                .onInterface(kCharIface)
                .withInputParamNames("value", "options")
                .implementedAs([this, ci](const std::vector<std::uint8_t>& value,
                                          const std::map<std::string, sdbus::Variant>& options) {
                    std::uint16_t offset = 0;
                    if (option(options, "offset", offset) != nullptr && offset != 0) {
                        throw bluezError("InvalidOffset", "Invalid offset");
                    }
                    // A write before its Connected signal (or one we missed) still comes from a live link.
                    sdbus::ObjectPath device;
                    if (option(options, "device", device) != nullptr && !centrals_.contains(device)) linkUp(device);
                    if (!camera_->write(ci->id, value)) throw bluezError("NotPermitted", "Write not permitted");
                });
            o.registerMethod("StartNotify").onInterface(kCharIface).implementedAs([ch, notifiable] {
                if (!notifiable) throw bluezError("NotSupported", "Operation is not supported");
                if (ch->notifying) return;
                ch->notifying = true;
                ch->object->emitPropertiesChangedSignal(kCharIface, {"Notifying"});
            });
            o.registerMethod("StopNotify").onInterface(kCharIface).implementedAs([ch, notifiable] {
                if (!notifiable) throw bluezError("NotSupported", "Operation is not supported");
                if (!ch->notifying) return;
                ch->notifying = false;
                ch->object->emitPropertiesChangedSignal(kCharIface, {"Notifying"});
            });
            o.finishRegistration();
            characteristics_.push_back(std::move(characteristic));
        }
    }
    application_->finishRegistration();
}

void Peripheral::publishAgent() {
    agent_ = sdbus::createObject(connection_, kAgentPath);
    auto& a = *agent_;
    auto accept = [this](const char* what, const std::string& device) {
        spdlog::info("{}: accepting {} for {}", config().name(), what, device);
    };
    auto reject = [](const char* what) {
        return sdbus::Error("org.bluez.Error.Rejected", std::string("a camera has no ") + what);
    };
    a.registerMethod("Release").onInterface(kAgentIface).implementedAs([] {});
    a.registerMethod("Cancel").onInterface(kAgentIface).implementedAs([] {});
    a.registerMethod("RequestPinCode")
        .onInterface(kAgentIface)
        .withInputParamNames("device")
        .withOutputParamNames("pincode")
        .implementedAs([reject](const sdbus::ObjectPath&) -> std::string { throw reject("keypad"); });
    a.registerMethod("RequestPasskey")
        .onInterface(kAgentIface)
        .withInputParamNames("device")
        .withOutputParamNames("passkey")
        .implementedAs([reject](const sdbus::ObjectPath&) -> std::uint32_t { throw reject("keypad"); });
    a.registerMethod("DisplayPinCode")
        .onInterface(kAgentIface)
        .withInputParamNames("device", "pincode")
        .implementedAs([](const sdbus::ObjectPath&, const std::string&) {});
    a.registerMethod("DisplayPasskey")
        .onInterface(kAgentIface)
        .withInputParamNames("device", "passkey", "entered")
        .implementedAs([](const sdbus::ObjectPath&, const std::uint32_t&, const std::uint16_t&) {});
    a.registerMethod("RequestConfirmation")
        .onInterface(kAgentIface)
        .withInputParamNames("device", "passkey")
        .implementedAs(
            [accept](const sdbus::ObjectPath& device, const std::uint32_t&) { accept("a confirmation", device); });
    a.registerMethod("RequestAuthorization")
        .onInterface(kAgentIface)
        .withInputParamNames("device")
        .implementedAs([accept](const sdbus::ObjectPath& device) { accept("pairing", device); });
    a.registerMethod("AuthorizeService")
        .onInterface(kAgentIface)
        .withInputParamNames("device", "uuid")
        .implementedAs([accept](const sdbus::ObjectPath& device, const std::string&) { accept("a service", device); });
    a.finishRegistration();
}

void Peripheral::publishAdvertisement() {
    advertisement_ = sdbus::createObject(connection_, kAdvertisementPath);
    auto& a = *advertisement_;
    a.registerProperty("Type").onInterface(kAdvertisementIface).withGetter([] { return std::string("peripheral"); });
    a.registerProperty("ServiceUUIDs").onInterface(kAdvertisementIface).withGetter([] {
        return std::vector<std::string>{std::string(protocol::kGoProServiceUuid16)};
    });
    a.registerProperty("ManufacturerData").onInterface(kAdvertisementIface).withGetter([this] {
        return std::map<std::uint16_t, sdbus::Variant>{
            {kGoProCompanyId, sdbus::Variant(advertisedManufacturerData(*camera_))}};
    });
    // bluetoothd puts the name in the scan response; the service data (AP MAC,
    // serial) the simulated BlueZ shows does not fit next to the rest in 31 bytes.
    a.registerProperty("LocalName").onInterface(kAdvertisementIface).withGetter([this] { return config().name(); });
    a.registerProperty("Discoverable").onInterface(kAdvertisementIface).withGetter([] { return true; });
    a.registerMethod("Release").onInterface(kAdvertisementIface).implementedAs([this] {
        advertisementState_ = Registration::None;  // bluetoothd dropped it; the refresh tick registers it again
    });
    a.finishRegistration();
}

}  // namespace goprod::sim
