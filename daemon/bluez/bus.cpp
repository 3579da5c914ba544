#include "daemon/bluez/bus.h"

#include <cstdlib>

#include <sdbus-c++/sdbus-c++.h>

#include "daemon/runtime/event_loop.h"

namespace goprod::bluez {

core::Result<std::unique_ptr<BusConnection>> BusConnection::open(const std::string& address,
                                                                 runtime::EventLoop& loop) {
    try {
        // A system-bus connection to the given address: the same semantics as
        // the real system bus (BlueZ's clients use it), on any bus we are told.
        if (!address.empty()) setenv("DBUS_SYSTEM_BUS_ADDRESS", address.c_str(), 1);
        auto connection = sdbus::createSystemBusConnection();
        return std::unique_ptr<BusConnection>(new BusConnection(std::move(connection), loop));
    } catch (const sdbus::Error& error) {
        const char* where = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
        return core::fail(core::Errc::Unavailable, std::string("cannot connect to the D-Bus bus ") +
                                                       (where ? where : "(system bus)") + ": " + error.getMessage());
    }
}

BusConnection::BusConnection(std::unique_ptr<sdbus::IConnection> connection, runtime::EventLoop& loop)
    : connection_(std::move(connection)), loop_(loop) {
    loop_.attach(*connection_);
}

BusConnection::~BusConnection() { loop_.detach(); }

}  // namespace goprod::bluez
