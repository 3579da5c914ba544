// The BlueZ D-Bus names both of goprod-sim's backends speak (bluez.h plays
// them, peripheral.h calls them), and BlueZ's error replies.
#pragma once

#include <string>

#include <sdbus-c++/Error.h>

namespace goprod::sim {

inline constexpr const char* kBluezName = "org.bluez";
inline constexpr const char* kAdapterIface = "org.bluez.Adapter1";
inline constexpr const char* kAgentManagerIface = "org.bluez.AgentManager1";
inline constexpr const char* kAgentIface = "org.bluez.Agent1";
inline constexpr const char* kDeviceIface = "org.bluez.Device1";
inline constexpr const char* kServiceIface = "org.bluez.GattService1";
inline constexpr const char* kCharIface = "org.bluez.GattCharacteristic1";
inline constexpr const char* kGattManagerIface = "org.bluez.GattManager1";
inline constexpr const char* kAdvertisingManagerIface = "org.bluez.LEAdvertisingManager1";
inline constexpr const char* kAdvertisementIface = "org.bluez.LEAdvertisement1";
inline constexpr const char* kPropertiesIface = "org.freedesktop.DBus.Properties";

// An org.bluez.Error.* reply, worded as bluetoothd's src/error.c words it.
inline sdbus::Error bluezError(const char* name, const char* message) {
    return sdbus::Error(std::string("org.bluez.Error.") + name, message);
}

}  // namespace goprod::sim
