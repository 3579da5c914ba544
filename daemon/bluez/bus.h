// The D-Bus connection BlueZ lives on, run by the core thread's event loop.
// Kept here so that only daemon/bluez (and the loop) include sdbus-c++.
// Main thread: open() before the loop runs; destroy after it stopped.
#pragma once

#include <memory>
#include <string>

#include "daemon/core/error.h"

namespace sdbus {
class IConnection;
}

namespace goprod::runtime {
class EventLoop;
}

namespace goprod::bluez {

class BusConnection {
public:
    // `address` empty: the system bus (sd-bus honours DBUS_SYSTEM_BUS_ADDRESS);
    // else a D-Bus address such as "unix:path=/run/dbus/system_bus_socket".
    static core::Result<std::unique_ptr<BusConnection>> open(const std::string& address, runtime::EventLoop& loop);
    ~BusConnection();
    BusConnection(const BusConnection&) = delete;
    BusConnection& operator=(const BusConnection&) = delete;

    sdbus::IConnection& connection() { return *connection_; }

private:
    BusConnection(std::unique_ptr<sdbus::IConnection> connection, runtime::EventLoop& loop);

    std::unique_ptr<sdbus::IConnection> connection_;
    runtime::EventLoop& loop_;
};

}  // namespace goprod::bluez
