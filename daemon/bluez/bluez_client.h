// core::BluezPort over sdbus-c++: BlueZ's objects, notifications and calls
// for the core. It watches the org.bluez name (so bluetoothd may start after
// the daemon or restart under it), keeps a typed copy of the adapters, devices
// and GATT characteristics BlueZ publishes, registers the daemon's pairing
// agent and makes every BlueZ call asynchronously.
//
// Threading: construct, use and destroy it on the core thread, the EventLoop
// thread that processes `connection` (or while that loop is not running):
// D-Bus handlers and replies then run on the core thread too. Observer
// callbacks and completions are posted to the executor, never run inside the
// call or the D-Bus handler that caused them.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "daemon/core/bluez_port.h"
#include "daemon/core/executor.h"

namespace sdbus {
class IConnection;
}

namespace goprod::bluez {

class BluezClient final : public core::BluezPort {
public:
    struct Options {
        // Where the daemon's org.bluez.Agent1 object lives on `connection`.
        std::string agentPath = "/io/goprod/agent";
        // The discovery filter's service UUID (GoPro's 0xFEA6).
        std::string discoveryUuid = "0000fea6-0000-1000-8000-00805f9b34fb";
        // Every BlueZ call fails with DeadlineExceeded after this long.
        std::chrono::milliseconds callTimeout{30000};
    };

    // Registers the agent object and the D-Bus matches (synchronous AddMatch
    // calls to the bus daemon, once) and asks who owns org.bluez. Throws
    // sdbus::Error if the agent path is taken or the bus refuses a match.
    BluezClient(sdbus::IConnection& connection, core::Executor& executor, Options options);
    // Every pending call's completion is posted with Unavailable ("BlueZ
    // client destroyed"); observer callbacks not yet delivered are dropped;
    // the agent object leaves the bus (bluetoothd forgets an agent whose
    // object or connection goes away) and no further D-Bus reply is handled.
    ~BluezClient() override;
    BluezClient(const BluezClient&) = delete;
    BluezClient& operator=(const BluezClient&) = delete;

    void setObserver(core::BluezObserver* observer) override;

    // StartDiscovery answering InProgress (this client already discovers)
    // counts as success. Calls made while org.bluez has no owner fail with
    // Unavailable at once (posted).
    void startDiscovery(const core::ObjectPath& adapter, const std::string& pattern, Done done) override;
    void stopDiscovery(const core::ObjectPath& adapter, Done done) override;
    void connect(const core::ObjectPath& device, Done done) override;
    void disconnect(const core::ObjectPath& device, Done done) override;
    void pair(const core::ObjectPath& device, Done done) override;
    void setTrusted(const core::ObjectPath& device, bool trusted, Done done) override;
    void removeDevice(const core::ObjectPath& adapter, const core::ObjectPath& device, Done done) override;
    // Notifications are delivered only for characteristics whose startNotify
    // was called (from the call on, until it fails or the characteristic goes):
    // bluetoothd also updates Value after a ReadValue, which is no notification.
    void startNotify(const core::ObjectPath& characteristic, Done done) override;
    void write(const core::ObjectPath& characteristic, protocol::Bytes value, Done done) override;
    void read(const core::ObjectPath& characteristic, ReadDone done) override;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace goprod::bluez
