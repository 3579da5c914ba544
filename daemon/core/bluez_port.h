// What the core needs from BlueZ, in BlueZ's own terms but typed: objects
// (adapters, devices, GATT characteristics) as they appear, change and vanish,
// notifications, and asynchronous method calls. daemon/bluez/ implements it
// over sdbus-c++; unit tests implement it with a fake.
//
// Threading: every method is called on the core thread, and every observer
// callback and every completion runs on the core thread, never inside the call
// that started it. A completion runs exactly once (the port fails pending calls
// with Unavailable when BlueZ goes away or the port is destroyed).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/error.h"
#include "protocol/bytes.h"

namespace goprod::core {

using ObjectPath = std::string;

// "/org/bluez/hci1" → "hci1" (the whole text when it has no '/').
inline std::string adapterName(const ObjectPath& adapter) { return adapter.substr(adapter.rfind('/') + 1); }

// "XX:XX:XX:XX:XX:XX", hex digits in either case.
inline bool isBluetoothAddress(std::string_view text) {
    auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
    bool address = text.size() == 17;
    for (std::size_t i = 0; address && i < text.size(); ++i) address = i % 3 == 2 ? text[i] == ':' : hex(text[i]);
    return address;
}

// How a user names an adapter (goprod.conf, cameras.toml, Connect): "hci1" or "00:1A:7D:DA:71:13".
inline bool isAdapterName(std::string_view text) {
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
    bool name = !text.empty() && text.size() <= 32;
    for (char c : text) name = name && (alnum(c) || c == '_');
    return name || isBluetoothAddress(text);
}

struct AdapterInfo {
    ObjectPath path;  // /org/bluez/hci0
    std::string address;
    bool powered = false;
    bool discovering = false;
};

// A full snapshot of org.bluez.Device1 as the port knows it after the change.
struct DeviceInfo {
    ObjectPath path;
    ObjectPath adapter;
    std::string address;  // "AA:BB:CC:DD:EE:FF"
    std::string name;     // Name, else Alias ("GoPro 0456")
    bool paired = false;
    bool trusted = false;
    bool connected = false;
    bool servicesResolved = false;
    std::optional<std::int16_t> rssi;
    std::vector<std::string> uuids;  // lowercase 128-bit strings
};

struct CharacteristicInfo {
    ObjectPath path;
    ObjectPath device;  // the device the characteristic's service belongs to
    std::string uuid;   // lowercase 128-bit
    std::vector<std::string> flags;
};

class BluezObserver {
public:
    virtual ~BluezObserver() = default;
    // org.bluez has an owner. Delivered after the snapshot's objects (adapter,
    // device, characteristic callbacks), and again after a restart.
    virtual void bluezAppeared() = 0;
    // org.bluez lost its owner; every object is gone (no per-object removals are
    // delivered) and every pending call has failed with Unavailable.
    virtual void bluezVanished() = 0;
    // org.bluez has no owner when the port starts (until bluezAppeared).
    virtual void bluezAbsent() {}
    // org.bluez got an owner; its objects are being loaded (then bluezAppeared).
    virtual void bluezStarting() {}
    virtual void adapterChanged(const AdapterInfo& adapter) = 0;  // added or changed
    virtual void adapterRemoved(const ObjectPath& path) = 0;
    virtual void deviceChanged(const DeviceInfo& device) = 0;  // added or changed
    virtual void deviceRemoved(const ObjectPath& path) = 0;
    virtual void characteristicAdded(const CharacteristicInfo& characteristic) = 0;
    virtual void characteristicRemoved(const ObjectPath& path) = 0;
    // A Value change on a characteristic the port started notifications on.
    virtual void notification(const ObjectPath& characteristic, protocol::Bytes value) = 0;
};

class BluezPort {
public:
    using Done = std::function<void(Result<void>)>;
    using ReadDone = std::function<void(Result<protocol::Bytes>)>;

    virtual ~BluezPort() = default;
    virtual void setObserver(BluezObserver* observer) = 0;

    // SetDiscoveryFilter (the GoPro service UUID 0xFEA6, LE, and a non-empty
    // `pattern`: only devices whose address or name starts with it) then
    // StartDiscovery. Again while discovering: changes the filter.
    virtual void startDiscovery(const ObjectPath& adapter, const std::string& pattern, Done done) = 0;
    virtual void stopDiscovery(const ObjectPath& adapter, Done done) = 0;
    // Device1: AlreadyConnected counts as success.
    virtual void connect(const ObjectPath& device, Done done) = 0;
    virtual void disconnect(const ObjectPath& device, Done done) = 0;
    // Device1.Pair through the port's own agent; AlreadyExists counts as success.
    virtual void pair(const ObjectPath& device, Done done) = 0;
    virtual void setTrusted(const ObjectPath& device, bool trusted, Done done) = 0;
    virtual void removeDevice(const ObjectPath& adapter, const ObjectPath& device, Done done) = 0;
    // GattCharacteristic1.
    virtual void startNotify(const ObjectPath& characteristic, Done done) = 0;
    virtual void write(const ObjectPath& characteristic, protocol::Bytes value, Done done) = 0;  // with response
    virtual void read(const ObjectPath& characteristic, ReadDone done) = 0;
};

}  // namespace goprod::core
